package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The event store's SQL, one implementation for PostgreSQL and H2 (see {@link Dialect}).
 *
 * <h2>The global order</h2>
 * Every write transaction first locks the one row of {@code store_head} ({@code SELECT … FOR
 * UPDATE}), takes the next positions from it, inserts its events and stores the new last position
 * before it commits. The row lock is held until the commit is complete, so write transactions
 * commit one after another in the order they got the lock, and each takes positions above every
 * earlier one: positions become visible in increasing order, without gaps. A reader that has seen
 * position P can therefore never later find a new event below P, which a sequence cannot promise
 * (a transaction that took a lower number from a sequence may commit after a higher one became
 * visible). Serialising commits would cost the database's group commit, so one writer per store
 * instance gathers the appends waiting at that moment into a single transaction
 * ({@link AppendWriter}): one lock, one commit and one flush for all of them.
 *
 * <h2>Conflicts</h2>
 * The unique constraints on (stream, version) and on the event id are the arbiters: no path writes
 * a version or an id twice, and no path reads a version and then trusts it without the lock. A
 * wrong expected version is answered with 409 and the current version; a unique violation (an event
 * id stored before: a retry) sends the appends of the failed transaction through one at a time
 * with their ids looked up, which turns a retry at the same place into an idempotent success and an
 * id used elsewhere into 409.
 *
 * <h2>Round trips</h2>
 * When this writer knows from its own last commits the head and the last version of every stream
 * in a batch (and every expectation holds against them), lock, inserts, head update and COMMIT go
 * in one round trip, as cheap as a plain INSERT. Otherwise the versions and the head are read under
 * the lock first (two round trips). What this writer knows can lag behind another writer, never run
 * ahead of the database, so a stale plan always collides with the rows that writer stored, and the
 * unique constraints turn it into a rollback and a second, reading attempt.
 *
 * <p>An append expecting no stream to a stream this writer does not know (a create: a CQRS command
 * making a new aggregate) is planned as the stream's first events without reading its version.
 * In the same round trip, after the lock and before the inserts, a guard statement fails the
 * transaction if the stream has any event or any metadata (where the scavenger and deletes keep
 * the last version of a stream whose events are gone, and the tombstone): a stale guess never
 * commits, and goes through the reading path like a stale plan. Without it, half the appends of
 * 16 clients creating and shipping orders were creates, and nearly every batch took two round trips
 * under the lock.
 */
final class SqlEventStore {

  private static final String COLUMNS = "e.position, e.stream, e.version, e.id, e.type, e.event_time, e.dataversion, e.data, e.metadata";
  /** Every read joins the stream's metadata: what its rules hide is not shown (see {@link Retention}). */
  private static final String FROM = " FROM events e LEFT JOIN stream_meta m ON m.stream = e.stream WHERE ";

  private static final int KNOWN_STREAMS = 100_000;

  private final Database db;
  private final Dialect dialect;
  private final Retention retention;
  /** Each stream's last version as this writer's commits left it (least recently used dropped). */
  private final Map<String, Long> versions = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > KNOWN_STREAMS;
    }
  };
  /** The head as this writer's last commit left it; -1 when unknown. */
  private long head = -1;
  /**
   * How many hard deletes (and erasures) the store had when this writer last read the head: one
   * since means a cached stream version may belong to a stream that is gone, so the cache is dropped.
   */
  private long deletions = -1;
  private final String lockHead;
  private final String findId;
  private final String insertEvent;
  private final String insertEvents;
  private final String updateHead;
  private final String refuseExistingStreams;
  private final String refuseExistingStream;
  private final String readHead;
  private final String readAllTypes;
  private final String readForward;
  private final String readBackward;
  private final String readAllForward;
  private final String readAllBetween;
  private final String readAllBackward;
  private final String readCategoryForward;
  private final String readCategoryBackward;
  private final String updateSnapshot;
  private final String insertSnapshot;
  private final String readSnapshot;
  private final String listStreams;
  private final String streamState;
  private final String upsertMetaUpdate;
  private final String upsertMetaInsert;
  private final String markDeletion;
  private final String deleteSnapshot;
  private final String readMeta;
  private final String streamRows;
  private final String deleteAt;
  private final String deleteMeta;
  private final String countDeletion;
  private final String scanEvents;
  private final String keepVersion;
  private final String insertVersion;
  private final String updateRules;
  private final String insertRules;

  SqlEventStore(Database db, Retention retention) {
    this.db = db;
    this.dialect = db.dialect();
    this.retention = retention;
    lockHead = db.sql("SELECT last_position, deletions FROM store_head WHERE id = 1 FOR UPDATE");
    // A stream's last version: its last event's, or what its metadata kept once the scavenger (or
    // a delete) removed that event; and whether it is deleted. One statement: one snapshot of both.
    streamState = db.sql("SELECT (SELECT MAX(version) FROM events WHERE stream = $1),"
        + " (SELECT last_version FROM stream_meta WHERE stream = $2), (SELECT deleted FROM stream_meta WHERE stream = $3)");
    upsertMetaUpdate = db.sql("UPDATE stream_meta SET truncate_before = $1, last_version = $2, deleted = $3, updated_at = $4 WHERE stream = $5");
    upsertMetaInsert = db.sql("INSERT INTO stream_meta (truncate_before, last_version, deleted, updated_at, stream) VALUES ($1, $2, $3, $4, $5)");
    markDeletion = db.sql("UPDATE store_head SET last_position = $1, deletions = deletions + $2 WHERE id = 1");
    deleteSnapshot = db.sql("DELETE FROM snapshots WHERE stream = $1");
    streamRows = db.sql("SELECT position, id, data FROM events WHERE stream = $1");
    deleteAt = db.sql("DELETE FROM events WHERE position = $1");
    deleteMeta = db.sql("DELETE FROM stream_meta WHERE stream = $1");
    countDeletion = db.sql("UPDATE store_head SET deletions = deletions + 1 WHERE id = 1");
    keepVersion = db.sql("UPDATE stream_meta SET last_version = CASE WHEN last_version IS NULL OR last_version < $1 THEN $2 "
        + "ELSE last_version END WHERE stream = $3");
    insertVersion = db.sql("INSERT INTO stream_meta (stream, last_version) VALUES ($1, $2)");
    scanEvents = db.sql("SELECT position, id, metadata, stream, version FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3");
    readMeta = db.sql("SELECT max_age_ms, max_count, truncate_before, last_version, deleted, updated_at FROM stream_meta WHERE stream = $1");
    updateRules = db.sql("UPDATE stream_meta SET max_age_ms = $1, max_count = $2, truncate_before = $3, updated_at = $4 WHERE stream = $5");
    insertRules = db.sql("INSERT INTO stream_meta (max_age_ms, max_count, truncate_before, updated_at, stream) VALUES ($1, $2, $3, $4, $5)");
    findId = db.sql("SELECT stream, version, position FROM events WHERE id = $1");
    insertEvent = db.sql("INSERT INTO events (position, stream, version, category, id, type, event_time, dataversion, data, metadata, "
        + "recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
    // PostgreSQL: every row of a transaction in one statement (see insertRows). ROWS FROM zips the
    // arrays in order; a JSON null is no data (SQL NULL), as a single row's null parameter is.
    insertEvents = "INSERT INTO events (position, stream, version, category, id, type, event_time, dataversion, data, metadata, "
        + "recorded_at) SELECT p, s, v, c, i, t, et, dv, NULLIF(d, 'null'::jsonb), NULLIF(m, 'null'::jsonb), $11::bigint FROM ROWS FROM ("
        + "unnest($1::bigint[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]), "
        + "unnest($6::text[]), unnest($7::text[]), unnest($8::int[]), jsonb_array_elements($9::jsonb), "
        + "jsonb_array_elements($10::jsonb)) AS r(p, s, v, c, i, t, et, dv, d, m)";
    updateHead = db.sql("UPDATE store_head SET last_position = $1 WHERE id = 1");
    // See refuseExisting: a row that collides with the head's own when a stream exists.
    refuseExistingStreams = "INSERT INTO store_head (id, last_position, deletions) SELECT 1, 0, 0 WHERE "
        + "EXISTS (SELECT 1 FROM events WHERE stream = ANY($1::text[])) OR EXISTS (SELECT 1 FROM stream_meta WHERE stream = ANY($1::text[]))";
    refuseExistingStream = db.sql("INSERT INTO store_head (id, last_position, deletions) SELECT 1, 0, 0 WHERE "
        + "EXISTS (SELECT 1 FROM events WHERE stream = $1) OR EXISTS (SELECT 1 FROM stream_meta WHERE stream = $2)");
    readHead = db.sql("SELECT last_position FROM store_head WHERE id = 1");
    readAllTypes = db.sql("SELECT position, type FROM events WHERE position > $1 ORDER BY position LIMIT $2");
    // ORDER BY names the equality column too: then H2 reads the index in order and stops at the
    // LIMIT instead of sorting every matching row (PostgreSQL does so either way).
    String visible3 = " AND NOT " + retention.hidden("CAST($3 AS BIGINT)");
    String visible2 = " AND NOT " + retention.hidden("CAST($2 AS BIGINT)");
    readForward = db.sql("SELECT " + COLUMNS + FROM + "e.stream = $1 AND e.version >= $2" + visible3
        + " ORDER BY e.stream, e.version LIMIT $4");
    readBackward = db.sql("SELECT " + COLUMNS + FROM + "e.stream = $1 AND e.version <= $2" + visible3
        + " ORDER BY e.stream DESC, e.version DESC LIMIT $4");
    readAllForward = db.sql("SELECT " + COLUMNS + FROM + "e.position >= $1" + visible2 + " ORDER BY e.position LIMIT $3");
    // The upper bound keeps the plan an index range scan on a table without statistics (never
    // analyzed, e.g. autovacuum off): open-ended, PostgreSQL guessed a third of the table past the
    // cursor and planned each read as a scan of the whole table and a sort.
    readAllBetween = db.sql("SELECT " + COLUMNS + FROM + "e.position >= $1 AND e.position <= $2" + visible3
        + " ORDER BY e.position LIMIT $4");
    readAllBackward = db.sql("SELECT " + COLUMNS + FROM + "e.position <= $1" + visible2 + " ORDER BY e.position DESC LIMIT $3");
    readCategoryForward = db.sql("SELECT " + COLUMNS + FROM + "e.category = $1 AND e.position >= $2" + visible3
        + " ORDER BY e.category, e.position LIMIT $4");
    readCategoryBackward = db.sql("SELECT " + COLUMNS + FROM + "e.category = $1 AND e.position <= $2" + visible3
        + " ORDER BY e.category DESC, e.position DESC LIMIT $4");
    updateSnapshot = db.sql("UPDATE snapshots SET version = $1, state = $2, taken_at = $3 WHERE stream = $4 AND version <= $5");
    insertSnapshot = db.sql("INSERT INTO snapshots (stream, version, state, taken_at) VALUES ($1, $2, $3, $4)");
    readSnapshot = db.sql("SELECT version, state, taken_at FROM snapshots WHERE stream = $1");
    listStreams = db.sql("SELECT e.stream, MAX(e.version), MAX(e.position)" + FROM + "e.category = $1" + visible2
        + " GROUP BY e.stream ORDER BY MAX(e.position) DESC LIMIT $3");
  }

  // ---------------------------------------------------------------- append

  /** One outcome per request, in order: an {@link Appended} or the {@link Problem} to answer. */
  Future<List<Object>> append(List<AppendRequest> batch) {
    Plan known = planFromCache(batch);
    if (known == null) {
      return readAndWrite(batch);
    }
    long knownHead = head;
    long knownDeletions = deletions;
    return db.inPipelinedTransaction((conn, commit) -> {
      // The lock first: statements run in order, so the inserts run holding it. Nothing commits
      // unless it was granted on the head this plan starts from (on PostgreSQL a stale plan also
      // collides with the primary key; H2 does not abort a transaction on a failed statement).
      // A hard delete since moved both (the head for its marker): then the stream may be gone.
      Future<?> locked = conn.preparedQuery(lockHead).execute().compose(rows -> {
        Row row = rows.iterator().next();
        return row.getLong(0) == knownHead && row.getLong(1) == knownDeletions
            ? Future.succeededFuture() : Future.failedFuture(new StaleKnowledge());
      });
      return insert(conn, commit, known, locked);
    }).recover(failure -> {
      forget(batch);
      return failure instanceof StaleKnowledge || Dialect.isUniqueViolation(failure)
          ? readAndWrite(batch) : Future.failedFuture(failure);
    });
  }

  /** Another writer moved the head since this writer's last commit. */
  private static final class StaleKnowledge extends RuntimeException {
    StaleKnowledge() {
      super("the head moved", null, false, false);
    }
  }

  /** Reads the versions and the head under the lock, then writes: two round trips. */
  private Future<List<Object>> readAndWrite(List<AppendRequest> batch) {
    return db.inPipelinedTransaction((conn, commit) -> write(conn, commit, batch, false))
        .recover(failure -> {
          forget(batch);
          if (!Dialect.isUniqueViolation(failure)) {
            return Future.failedFuture(failure);
          }
          // An event id is stored already (a retry) or another writer got past the lock: one
          // append per transaction, ids looked up, so each gets its own precise answer.
          Future<List<Object>> chain = Future.succeededFuture(new ArrayList<>());
          for (AppendRequest request : batch) {
            chain = chain.compose(outcomes -> db.inPipelinedTransaction((conn, commit) -> write(conn, commit, List.of(request), true))
                .recover(e -> Dialect.isUniqueViolation(e) ? lostRace(request) : Future.failedFuture(e))
                .map(one -> {
                  outcomes.add(one.get(0));
                  return outcomes;
                }));
          }
          return chain;
        });
  }

  // ---------------------------------------------------------------- what the last commit left

  /**
   * The plan for a batch from what this writer's own commits left (each stream's last version,
   * the head), without reading: one round trip, lock, inserts and commit together. Null when
   * something is not known, or an expectation does not hold against it (the cache may be behind:
   * only reads can tell). Knowledge can be behind (another writer appended since) but never ahead,
   * so a plan built from it either is right or collides with the rows that writer stored: the
   * unique constraints reject the transaction, and the batch goes through the reading path.
   */
  private Plan planFromCache(List<AppendRequest> batch) {
    if (head < 0) {
      return null;
    }
    Map<String, Long> current = new HashMap<>();
    Set<String> assumedNew = new HashSet<>();
    for (AppendRequest request : batch) {
      Long version = versions.get(request.stream());
      if (version == null && request.expected().kind() == ExpectedVersion.Kind.NO_STREAM && !current.containsKey(request.stream())) {
        // A create: the writer expects no stream, so plan it as one; the guard (see refuseExisting)
        // checks that under the lock in the same round trip.
        assumedNew.add(request.stream());
        version = -1L;
      }
      if (version == null) {
        return null;
      }
      current.putIfAbsent(request.stream(), version);
    }
    Plan plan = plan(batch, current, Set.of(), null, head);
    return plan.needsIds().isEmpty() ? plan.assuming(assumedNew) : null;
  }

  private void remember(Plan plan) {
    versions.putAll(plan.versionsAfter());
    head = plan.lastPosition();
  }

  /** After a failure, what the batch touched is no longer known. */
  private void forget(List<AppendRequest> batch) {
    head = -1;
    batch.forEach(r -> versions.remove(r.stream()));
  }

  private Future<List<Object>> lostRace(AppendRequest request) {
    return state(request.stream()).map(state -> List.of(state.hardDeleted() ? streamDeleted(request.stream())
        : wrongVersion(request, state.version())));
  }

  private Future<List<Object>> write(SqlConnection conn, Database.Commit commit, List<AppendRequest> batch, boolean lookUpIds) {
    // One round trip: the lock, then (same pipeline, so after the lock is granted) the versions.
    Future<RowSet<Row>> locked = conn.preparedQuery(lockHead).execute();
    Set<String> streams = new LinkedHashSet<>();
    batch.forEach(r -> streams.add(r.stream()));
    List<String> streamList = List.copyOf(streams);
    List<Tuple> stateTuples = new ArrayList<>(streamList.size());
    streamList.forEach(s -> stateTuples.add(Tuple.of(s, s, s)));
    Future<List<RowSet<Row>>> versions = each(conn, streamState, stateTuples);
    Future<Map<String, StoredRef>> ids = lookUpIds ? findIds(conn, batch) : Future.succeededFuture(null);
    return Future.all(locked, versions, ids).compose(all -> {
      Row headRow = locked.result().iterator().next();
      long lastPosition = headRow.getLong(0);
      long deletionsNow = headRow.getLong(1);
      if (deletionsNow != deletions) {
        // A stream was hard-deleted or erased since this writer cached versions: which, it cannot tell.
        this.versions.clear();
        deletions = deletionsNow;
      }
      Map<String, Long> current = new HashMap<>();
      Set<String> tombstoned = new HashSet<>();
      for (int i = 0; i < streamList.size(); i++) {
        StreamState state = StreamState.of(versions.result().get(i).iterator().next());
        current.put(streamList.get(i), state.version());
        if (state.hardDeleted()) {
          tombstoned.add(streamList.get(i));
        }
      }
      Plan plan = plan(batch, current, tombstoned, ids.result(), lastPosition);
      if (plan.needsIds().isEmpty()) {
        return insert(conn, commit, plan, locked);
      }
      // Some expectations failed: the writer may be retrying an append that already committed.
      return findIds(conn, plan.needsIds())
          .compose(known -> {
            Map<String, StoredRef> merged = ids.result() == null ? new HashMap<>() : new HashMap<>(ids.result());
            merged.putAll(known);
            Set<AppendRequest> checked = new HashSet<>(plan.needsIds());
            if (lookUpIds) {
              checked.addAll(batch);
            }
            return insert(conn, commit, plan(batch, current, tombstoned, merged, checked, lastPosition), locked);
          });
    });
  }

  private record StoredRef(String stream, long version, long position) {}

  /**
   * @param versionsAfter each stream's last version once this transaction commits
   * @param lastPosition  the head once it commits
   */
  private record Plan(List<Object> outcomes, List<EventRow> rows, long lastPosition, List<AppendRequest> needsIds,
                      Map<String, Long> versionsAfter, Set<String> assumedNew) {

    /** The same plan, valid only if none of {@code streams} exists yet (checked by {@link #refuseExisting}). */
    Plan assuming(Set<String> streams) {
      return new Plan(outcomes, rows, lastPosition, needsIds, versionsAfter, streams);
    }
  }

  /** A row of {@code events} to insert. */
  private record EventRow(long position, String stream, long version, String category, NewEvent event) {}

  private Plan plan(List<AppendRequest> batch, Map<String, Long> current, Set<String> tombstoned, Map<String, StoredRef> ids,
                    long lastPosition) {
    return plan(batch, current, tombstoned, ids, ids == null ? Set.of() : new HashSet<>(batch), lastPosition);
  }

  /** Decides every append of the batch in order, against the versions the earlier ones leave. */
  private Plan plan(List<AppendRequest> batch, Map<String, Long> currentVersions, Set<String> tombstoned,
                    Map<String, StoredRef> ids, Set<AppendRequest> idsChecked, long lastPosition) {
    Map<String, Long> current = new HashMap<>(currentVersions);
    List<Object> outcomes = new ArrayList<>(batch.size());
    List<EventRow> rows = new ArrayList<>();
    List<AppendRequest> needsIds = new ArrayList<>();
    long position = lastPosition;
    for (AppendRequest request : batch) {
      if (tombstoned.contains(request.stream())) {
        // Hard-deleted under the same lock: nothing lands after the tombstone, whatever was expected.
        outcomes.add(streamDeleted(request.stream()));
        continue;
      }
      long version = current.get(request.stream());
      if (idsChecked.contains(request)) {
        Object repeat = repeatOrClash(request, ids, version);
        if (repeat != null) {
          outcomes.add(repeat);
          continue;
        }
      }
      if (!request.expected().matches(version)) {
        if (idsChecked.contains(request)) {
          outcomes.add(wrongVersion(request, version));
        } else {
          needsIds.add(request);
          outcomes.add(null);
        }
        continue;
      }
      String category = StreamName.category(request.stream());
      List<StoredEvent> written = new ArrayList<>(request.events().size());
      long first = version + 1;
      long firstPosition = position + 1;
      for (NewEvent e : request.events()) {
        version++;
        position++;
        rows.add(new EventRow(position, request.stream(), version, category, e));
        written.add(new StoredEvent(position, request.stream(), version, e.id(), e.type(), e.time(), e.dataversion(),
            e.data(), e.metadata()));
      }
      current.put(request.stream(), version);
      outcomes.add(new Appended(request.stream(), first, version, firstPosition, position, false, List.copyOf(written)));
    }
    // A deleted stream's version is never cached: its appends must always meet the tombstone.
    tombstoned.forEach(current::remove);
    return new Plan(outcomes, rows, position, needsIds, current, Set.of());
  }

  /**
   * With the append's ids looked up: an {@link Appended} (repeated) when they are all stored, in
   * order, where this append would have put them; a 409 when any is stored elsewhere; null when
   * none is stored.
   */
  private static Object repeatOrClash(AppendRequest request, Map<String, StoredRef> ids, long current) {
    List<NewEvent> events = request.events();
    StoredRef first = ids.get(events.get(0).id());
    boolean anyStored = events.stream().anyMatch(e -> ids.containsKey(e.id()));
    if (!anyStored) {
      return null;
    }
    boolean samePlace = first != null && first.stream().equals(request.stream())
        && request.expected().wouldHaveStartedAt(first.version());
    for (int i = 0; samePlace && i < events.size(); i++) {
      StoredRef ref = ids.get(events.get(i).id());
      samePlace = ref != null && ref.stream().equals(request.stream()) && ref.version() == first.version() + i;
    }
    if (samePlace) {
      StoredRef last = ids.get(events.get(events.size() - 1).id());
      return new Appended(request.stream(), first.version(), last.version(), first.position(), last.position(), true, List.of());
    }
    for (NewEvent e : events) {
      StoredRef ref = ids.get(e.id());
      if (ref != null) {
        return Problem.conflict("duplicate-event-id", "event id '" + e.id() + "' is already stored, in stream '"
                + ref.stream() + "' at version " + ref.version() + "; an id is appended once (retries repeat the same append)",
            new JsonObject().put("current_version", current).put("event_id", e.id())
                .put("stored_stream", ref.stream()).put("stored_version", ref.version()));
      }
    }
    return null;
  }

  static Problem streamDeleted(String stream) {
    return new Problem(410, "stream-deleted", "Gone", "stream '" + stream + "' was deleted for good (hard delete): "
        + "it cannot be read or appended to again");
  }

  private static Problem wrongVersion(AppendRequest request, long current) {
    String now = current < 0 ? "the stream does not exist" : "its last version is " + current;
    return Problem.conflict("wrong-expected-version", "stream '" + request.stream() + "': expected version "
        + request.expected() + ", but " + now, new JsonObject().put("current_version", current));
  }

  private Future<Map<String, StoredRef>> findIds(SqlConnection conn, List<AppendRequest> requests) {
    List<Tuple> tuples = new ArrayList<>();
    requests.forEach(r -> r.events().forEach(e -> tuples.add(Tuple.of(e.id()))));
    return each(conn, findId, tuples).map(results -> {
      Map<String, StoredRef> found = new HashMap<>();
      for (int i = 0; i < tuples.size(); i++) {
        for (Row row : results.get(i)) {
          found.put(tuples.get(i).getString(0), new StoredRef(row.getString(0), row.getLong(1), row.getLong(2)));
        }
      }
      return found;
    });
  }

  private Future<List<Object>> insert(SqlConnection conn, Database.Commit commit, Plan plan, Future<?> locked) {
    if (plan.rows().isEmpty()) {
      if (plan.needsIds().isEmpty()) {
        remember(plan);
      }
      return Future.succeededFuture(plan.outcomes());
    }
    // Issued before the inserts: on PostgreSQL its failure aborts them, and the COMMIT with them.
    Future<?> guarded = refuseExisting(conn, plan.assumedNew());
    Future<?> events = insertRows(conn, plan.rows());
    Future<?> newHead = conn.preparedQuery(updateHead).execute(Tuple.of(plan.lastPosition()));
    return commit.after(List.of(locked, guarded, events, newHead)).map(v -> {
      remember(plan);
      return plan.outcomes();
    });
  }

  /**
   * Fails the transaction when any of {@code streams}, planned as new without reading (appends
   * expecting no stream), has an event or metadata (a stream the scavenger emptied, or a deleted
   * one, keeps its version there): it inserts a second head row, a unique violation, which on
   * PostgreSQL turns the COMMIT pipelined behind it into a rollback, and sends the batch through the
   * reading path like any stale plan. Runs after the head lock, so it sees every earlier commit.
   * Checking here rather than reading the versions first keeps a create at one round trip.
   */
  private Future<?> refuseExisting(SqlConnection conn, Set<String> streams) {
    if (streams.isEmpty()) {
      return Future.succeededFuture();
    }
    if (dialect == Dialect.POSTGRES) {
      return conn.preparedQuery(refuseExistingStreams).execute(Tuple.of(streams.toArray(new String[0])));
    }
    List<Tuple> each = new ArrayList<>(streams.size());
    streams.forEach(stream -> each.add(Tuple.of(stream, stream)));
    return each(conn, refuseExistingStream, each);
  }

  /**
   * The rows in one statement on PostgreSQL: each column a parameter array, unnested side by side,
   * the JSON columns one JSON array each (one encoding for all the rows). A statement per row (a
   * pipelined batch) cost PostgreSQL an executor start and a message per row, and the hub an encoding
   * per JSON value: a batch of 100 events ran at 0.6 of pgbench's 100-row transaction (issue 20).
   * On H2, in-process, a JDBC batch.
   */
  private Future<?> insertRows(SqlConnection conn, List<EventRow> rows) {
    long now = System.currentTimeMillis();
    if (dialect != Dialect.POSTGRES) {
      List<Tuple> tuples = new ArrayList<>(rows.size());
      for (EventRow r : rows) {
        NewEvent e = r.event();
        tuples.add(Tuple.of(r.position(), r.stream(), r.version(), r.category(), e.id(), e.type(), e.time(), e.dataversion(),
            dialect.json(e.data()), dialect.json(e.metadata()), now));
      }
      return conn.preparedQuery(insertEvent).executeBatch(tuples);
    }
    int n = rows.size();
    Long[] positions = new Long[n];
    String[] streams = new String[n];
    Long[] versions = new Long[n];
    String[] categories = new String[n];
    String[] ids = new String[n];
    String[] types = new String[n];
    String[] times = new String[n];
    Integer[] dataversions = new Integer[n];
    List<Object> data = new ArrayList<>(n);
    List<Object> metadata = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      EventRow r = rows.get(i);
      NewEvent e = r.event();
      positions[i] = r.position();
      streams[i] = r.stream();
      versions[i] = r.version();
      categories[i] = r.category();
      ids[i] = e.id();
      types[i] = e.type();
      times[i] = e.time();
      dataversions[i] = e.dataversion();
      data.add(e.data());
      metadata.add(e.metadata());
    }
    return conn.preparedQuery(insertEvents).execute(Tuple.of(positions, streams, versions, categories, ids, types, times)
        .addValue(dataversions).addValue(new JsonArray(data)).addValue(new JsonArray(metadata)).addValue(now));
  }

  /**
   * One query per parameter tuple, issued together (PostgreSQL pipelines them in one round trip;
   * JDBC batches take no SELECT).
   */
  private static Future<List<RowSet<Row>>> each(SqlConnection conn, String sql, List<Tuple> tuples) {
    List<Future<RowSet<Row>>> results = new ArrayList<>(tuples.size());
    for (Tuple t : tuples) {
      results.add(conn.preparedQuery(sql).execute(t));
    }
    return Future.all(results).map(all -> {
      List<RowSet<Row>> out = new ArrayList<>(results.size());
      results.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  private static List<Tuple> tuples(List<String> values) {
    List<Tuple> tuples = new ArrayList<>(values.size());
    values.forEach(v -> tuples.add(Tuple.of(v)));
    return tuples;
  }

  // ---------------------------------------------------------------- deletes

  /** The system stream deletion markers are appended to (readable through {@code $all} only). */
  static final String DELETED_STREAM = "$deleted";
  static final String DELETED_TYPE = "switchboard.stream.deleted";

  /** A delete that committed: the stream's state before it, and the marker appended to {@code $deleted}. */
  record Deleted(String stream, boolean hard, long lastVersion, Appended marker) {}

  /**
   * Deletes a stream: soft (its events hidden from reads, {@code truncate_before} = last version + 1,
   * a later append continues the versions) or hard (a tombstone: reads and appends answer 410 for
   * good). Runs under the head lock, so it is ordered with every append: an append either commits
   * before (and is deleted with the stream) or meets the tombstone. Appends a marker event to
   * {@code $deleted} (its position is the delete's place in {@code $all}) and drops the snapshot.
   */
  Future<Deleted> delete(String stream, boolean hard, ExpectedVersion expected) {
    // The metadata row raced an insert of the scavenger (unique key): once more, now an update.
    return deleteOnce(stream, hard, expected)
        .recover(e -> Dialect.isUniqueViolation(e) ? deleteOnce(stream, hard, expected) : Future.failedFuture(e))
        .onComplete(ar -> {
          head = -1;
          versions.remove(stream);
        });
  }

  private Future<Deleted> deleteOnce(String stream, boolean hard, ExpectedVersion expected) {
    return db.inTransaction(conn -> conn.preparedQuery(lockHead).execute().compose(headRows -> {
      long last = headRows.iterator().next().getLong(0);
      Future<RowSet<Row>> target = conn.preparedQuery(streamState).execute(Tuple.of(stream, stream, stream));
      Future<RowSet<Row>> markers = conn.preparedQuery(streamState).execute(Tuple.of(DELETED_STREAM, DELETED_STREAM, DELETED_STREAM));
      return Future.all(target, markers).compose(v -> {
        StreamState state = StreamState.of(target.result().iterator().next());
        if (state.hardDeleted()) {
          return Future.failedFuture(streamDeleted(stream));
        }
        if (state.version() < 0) {
          return Future.failedFuture(new Problem(404, "stream-not-found", "Not found", "stream '" + stream + "' has no events"));
        }
        if (!expected.matches(state.version())) {
          return Future.failedFuture(Problem.conflict("wrong-expected-version", "stream '" + stream + "': expected version "
              + expected + ", but its last version is " + state.version(), new JsonObject().put("current_version", state.version())));
        }
        long markerVersion = StreamState.of(markers.result().iterator().next()).version() + 1;
        long position = last + 1;
        String now = Instant.now().toString();
        Tuple meta = Tuple.of(hard ? null : state.version() + 1, state.version(), hard ? "hard" : "soft", now, stream);
        JsonObject data = new JsonObject().put("stream", stream).put("hard", hard).put("last_version", state.version());
        NewEvent event = new NewEvent(UUID.randomUUID().toString(), DELETED_TYPE, now, 1, data, new JsonObject());
        Future<?> metaWritten = conn.preparedQuery(upsertMetaUpdate).execute(meta).compose(updated -> updated.rowCount() > 0
            ? Future.succeededFuture() : conn.preparedQuery(upsertMetaInsert).execute(meta));
        return metaWritten
            .compose(x -> conn.preparedQuery(insertEvent).execute(Tuple.of(position, DELETED_STREAM, markerVersion, DELETED_STREAM,
                event.id(), event.type(), event.time(), event.dataversion(), dialect.json(data), dialect.json(event.metadata()),
                System.currentTimeMillis())))
            .compose(x -> conn.preparedQuery(markDeletion).execute(Tuple.of(position, hard ? 1 : 0)))
            .compose(x -> conn.preparedQuery(deleteSnapshot).execute(Tuple.of(stream)))
            .map(x -> new Deleted(stream, hard, state.version(), new Appended(DELETED_STREAM, markerVersion, markerVersion,
                position, position, false, List.of(new StoredEvent(position, DELETED_STREAM, markerVersion, event.id(),
                    event.type(), event.time(), event.dataversion(), data, event.metadata())))));
      });
    }));
  }

  // ---------------------------------------------------------------- erasure

  /** What an erasure removed from the store, and the ids of the events it removed (for the hub's other copies). */
  record Erased(int events, int snapshots, int metadata, int markers, List<String> eventIds) {
    JsonObject toJson() {
      return new JsonObject().put("events", events).put("snapshots", snapshots).put("stream_metadata", metadata)
          .put("deletion_markers", markers);
    }
  }

  private static final int ERASE_SCAN = 1000;

  /**
   * Removes for good every event of {@code streams}, or every event whose metadata field
   * {@code field} equals {@code value}, with the streams' snapshots, metadata and deletion markers.
   * The positions become holes ($all never reuses them); an erased stream may be written again, from
   * version 0. The rows go in one transaction under the head lock (ordered with appends); finding the
   * events by metadata scans {@code $all} before it, up to the head at the start.
   */
  Future<Erased> erase(Set<String> streams, String field, String value) {
    Future<List<Object[]>> byMetadata = field == null ? Future.succeededFuture(List.of())
        : head().compose(last -> scanMetadata(field, value, 0, last, new ArrayList<>()));
    return byMetadata.compose(matched -> db.inTransaction(conn -> conn.preparedQuery(lockHead).execute().compose(locked -> {
      Set<String> allStreams = new LinkedHashSet<>(streams);
      // Deletion markers name the stream they deleted: they go with it.
      return conn.preparedQuery(streamRows).execute(Tuple.of(DELETED_STREAM)).compose(markerRows -> {
        List<Tuple> positions = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        // Streams that keep other events keep their last version too: no version is written twice.
        Map<String, Long> lastVersions = new HashMap<>();
        for (Object[] m : matched) {
          positions.add(Tuple.of(m[0]));
          ids.add((String) m[1]);
          if (!allStreams.contains((String) m[2])) {
            lastVersions.merge((String) m[2], (Long) m[3], Math::max);
          }
        }
        int markers = 0;
        for (Row row : markerRows) {
          Object data = dialect.jsonValue(row.getValue(2));
          if (data instanceof JsonObject d && allStreams.contains(d.getString("stream"))) {
            positions.add(Tuple.of(row.getLong(0)));
            ids.add(row.getString(1));
            markers++;
          }
        }
        int markerCount = markers;
        Future<List<RowSet<Row>>> streamEvents = each(conn, streamRows, tuples(List.copyOf(allStreams)));
        return streamEvents.compose(results -> {
          for (RowSet<Row> rows : results) {
            for (Row row : rows) {
              positions.add(Tuple.of(row.getLong(0)));
              ids.add(row.getString(1));
            }
          }
          Future<?> events = positions.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(deleteAt).executeBatch(positions);
          Future<List<RowSet<Row>>> snapshots = each(conn, deleteSnapshot, tuples(List.copyOf(allStreams)));
          Future<List<RowSet<Row>>> metadata = each(conn, deleteMeta, tuples(List.copyOf(allStreams)));
          Future<?> counted = conn.preparedQuery(countDeletion).execute();
          Future<?> kept = keepVersions(conn, lastVersions);
          return Future.all(List.of(events, snapshots, metadata, counted, kept)).map(v -> new Erased(positions.size() - markerCount,
              snapshots.result().stream().mapToInt(RowSet::rowCount).sum(),
              metadata.result().stream().mapToInt(RowSet::rowCount).sum(), markerCount, ids));
        });
      });
    }))).onComplete(ar -> {
      head = -1;
      streams.forEach(versions::remove);
    });
  }

  /** A stream's last version, kept in its metadata (only ever raised) before its last events go. */
  private Future<Void> keepVersions(SqlConnection conn, Map<String, Long> lastVersions) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Long> e : lastVersions.entrySet()) {
      chain = chain.compose(v -> conn.preparedQuery(keepVersion).execute(Tuple.of(e.getValue(), e.getValue(), e.getKey()))
          .compose(updated -> updated.rowCount() > 0 ? Future.<Void>succeededFuture()
              : conn.preparedQuery(insertVersion).execute(Tuple.of(e.getKey(), e.getValue())).<Void>mapEmpty()));
    }
    return chain;
  }

  /** [position, id, stream, version] of the events up to {@code last} whose metadata field equals value. */
  private Future<List<Object[]>> scanMetadata(String field, String value, long after, long last, List<Object[]> found) {
    // Page after page from callbacks, not nested futures: a long scan must not build a deep stack.
    io.vertx.core.Promise<List<Object[]>> done = io.vertx.core.Promise.promise();
    scanPage(field, value, after, last, found, done);
    return done.future();
  }

  private void scanPage(String field, String value, long after, long last, List<Object[]> found,
                        io.vertx.core.Promise<List<Object[]>> done) {
    db.pool().preparedQuery(scanEvents).execute(Tuple.of(after, last, ERASE_SCAN)).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      long cursor = after;
      for (Row row : ar.result()) {
        cursor = row.getLong(0);
        JsonObject metadata = dialect.jsonObject(row.getValue(2));
        Object v = metadata == null ? null : metadata.getValue(field);
        if (v != null && String.valueOf(v).equals(value)) {
          found.add(new Object[] {row.getLong(0), row.getString(1), row.getString(3), row.getLong(4)});
        }
      }
      if (ar.result().size() < ERASE_SCAN) {
        done.complete(found);
      } else {
        scanPage(field, value, cursor, last, found, done);
      }
    });
  }


  // ---------------------------------------------------------------- metadata

  static final List<String> RULES = List.of("max_age_ms", "max_count", "truncate_before");

  /** The stream's metadata: its rules (null: none), deletion, and its category's defaults. */
  Future<JsonObject> metadata(String stream) {
    return db.pool().preparedQuery(readMeta).execute(Tuple.of(stream)).map(rows -> metadataJson(stream,
        rows.size() == 0 ? null : rows.iterator().next()));
  }

  private JsonObject metadataJson(String stream, Row row) {
    JsonObject out = new JsonObject().put("stream", stream);
    for (int i = 0; i < RULES.size(); i++) {
      out.put(RULES.get(i), row == null ? null : row.getLong(i));
    }
    out.put("deleted", row == null ? null : row.getString(4)).put("updated_at", row == null ? null : row.getString(5));
    Retention.Defaults defaults = retention.of(StreamName.category(stream));
    out.put("category_defaults", defaults == null ? null
        : new JsonObject().put("max_age_ms", defaults.maxAgeMs()).put("max_count", defaults.maxCount()));
    return out;
  }

  /**
   * Sets the rules named in {@code changes} (null clears one; rules left out keep their value).
   * Under the head lock, so it is ordered with deletes; reads apply the rules at once.
   */
  Future<JsonObject> putMetadata(String stream, JsonObject changes) {
    return putMetadataOnce(stream, changes)
        .recover(e -> Dialect.isUniqueViolation(e) ? putMetadataOnce(stream, changes) : Future.failedFuture(e));
  }

  private Future<JsonObject> putMetadataOnce(String stream, JsonObject changes) {
    return db.inTransaction(conn -> conn.preparedQuery(lockHead).execute()
        .compose(locked -> conn.preparedQuery(readMeta).execute(Tuple.of(stream)))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          if (row != null && "hard".equals(row.getString(4))) {
            return Future.failedFuture(streamDeleted(stream));
          }
          Long[] rules = new Long[RULES.size()];
          for (int i = 0; i < RULES.size(); i++) {
            rules[i] = changes.containsKey(RULES.get(i)) ? changes.getLong(RULES.get(i)) : row == null ? null : row.getLong(i);
          }
          Tuple values = Tuple.of(rules[0], rules[1], rules[2], Instant.now().toString(), stream);
          return conn.preparedQuery(row == null ? insertRules : updateRules).execute(values);
        })
        .compose(written -> conn.preparedQuery(readMeta).execute(Tuple.of(stream)))
        .map(rows -> metadataJson(stream, rows.iterator().next())));
  }

  // ---------------------------------------------------------------- reads

  /**
   * A stream's last version (-1: never written), also once its events were removed, and whether it
   * was deleted ({@code "soft"}, {@code "hard"} or null).
   */
  record StreamState(long version, String deleted) {
    static StreamState of(Row row) {
      Long max = row.getLong(0);
      Long kept = row.getLong(1);
      long version = Math.max(max == null ? -1L : max, kept == null ? -1L : kept);
      return new StreamState(version, row.getString(2));
    }

    boolean hardDeleted() {
      return "hard".equals(deleted);
    }
  }

  Future<StreamState> state(String stream) {
    return db.pool().preparedQuery(streamState).execute(Tuple.of(stream, stream, stream))
        .map(rows -> StreamState.of(rows.iterator().next()));
  }

  /** The last position handed out (0 before the first event). */
  Future<Long> head() {
    return db.pool().preparedQuery(readHead).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  Future<List<StoredEvent>> readStream(String stream, long from, int limit, boolean forward) {
    return query(forward ? readForward : readBackward, Tuple.of(stream, from, System.currentTimeMillis(), limit));
  }

  /** A page of $all that a subscription filtered by type keeps: its events, and how far it was read. */
  record Filtered(List<StoredEvent> events, long through) {}

  /**
   * The events after {@code after} whose type {@code wanted} accepts, reading only positions and
   * types until one matches (no JSON decoded for the rest); {@code through} is the last position the
   * page covers, {@code after} itself when there is nothing new. Positions become visible in order
   * (see the class comment), so nothing can appear later at or below {@code through}.
   */
  Future<Filtered> readAllOfTypes(long after, int limit, java.util.function.Predicate<String> wanted) {
    return db.pool().preparedQuery(readAllTypes).execute(Tuple.of(after, limit)).compose(rows -> {
      long first = -1;
      long scanned = after;
      for (Row row : rows) {
        scanned = row.getLong(0);
        if (first < 0 && wanted.test(row.getString(1))) {
          first = scanned;
        }
      }
      long through = scanned;
      if (first < 0) {
        return Future.succeededFuture(new Filtered(List.of(), through));
      }
      // Events past the scan are dropped below anyway, so the read stops at it.
      return query(readAllBetween, Tuple.of(first, through, System.currentTimeMillis(), limit)).map(events -> {
        // A full page may stop short of what the scan covered: then it covers up to its last event.
        long upTo = events.size() == limit ? Math.min(through, events.get(events.size() - 1).position()) : through;
        List<StoredEvent> kept = new ArrayList<>();
        for (StoredEvent e : events) {
          if (e.position() <= upTo && wanted.test(e.type())) {
            kept.add(e);
          }
        }
        return new Filtered(kept, upTo);
      });
    });
  }

  Future<List<StoredEvent>> readAll(long from, int limit, boolean forward) {
    return query(forward ? readAllForward : readAllBackward, Tuple.of(from, System.currentTimeMillis(), limit));
  }

  Future<List<StoredEvent>> readCategory(String category, long from, int limit, boolean forward) {
    return query(forward ? readCategoryForward : readCategoryBackward, Tuple.of(category, from, System.currentTimeMillis(), limit));
  }

  private Future<List<StoredEvent>> query(String sql, Tuple params) {
    return db.pool().preparedQuery(sql).execute(params).map(rows -> {
      List<StoredEvent> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        events.add(new StoredEvent(row.getLong(0), row.getString(1), row.getLong(2), row.getString(3), row.getString(4),
            row.getString(5), row.getInteger(6), dialect.jsonValue(row.getValue(7)), dialect.jsonObject(row.getValue(8))));
      }
      return events;
    });
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * Keeps {@code state} as the stream's snapshot at {@code version}, unless a newer one is stored
   * (409); the version must exist in the stream (422).
   */
  Future<JsonObject> putSnapshot(String stream, long version, Object state) {
    // Two first snapshots of a stream racing: the loser's insert breaks the unique key, and once
    // more (now an update) does the right thing.
    return writeSnapshot(stream, version, state)
        .recover(e -> Dialect.isUniqueViolation(e) ? writeSnapshot(stream, version, state) : Future.failedFuture(e));
  }

  private Future<JsonObject> writeSnapshot(String stream, long version, Object state) {
    return db.inTransaction(conn -> conn.preparedQuery(streamState).execute(Tuple.of(stream, stream, stream)).compose(rows -> {
      StreamState found = StreamState.of(rows.iterator().next());
      if (found.hardDeleted()) {
        return Future.failedFuture(streamDeleted(stream));
      }
      Long current = found.version() < 0 ? null : found.version();
      if (current == null || current < version) {
        return Future.failedFuture(Problem.invalid("unknown-version", "stream '" + stream + "' has no version " + version
            + (current == null ? " (it has no events)" : " (its last version is " + current + ")")));
      }
      String takenAt = Instant.now().toString();
      Object json = dialect.json(state);
      return conn.preparedQuery(updateSnapshot).execute(Tuple.of(version, json, takenAt, stream, version))
          .compose(updated -> updated.rowCount() > 0 ? Future.succeededFuture()
              : conn.preparedQuery(readSnapshot).execute(Tuple.of(stream)).compose(existing -> existing.size() > 0
                  ? Future.failedFuture(Problem.conflict("newer-snapshot", "stream '" + stream + "' has a snapshot at version "
                      + existing.iterator().next().getLong(0) + ", newer than " + version,
                      new JsonObject().put("snapshot_version", existing.iterator().next().getLong(0))))
                  : conn.preparedQuery(insertSnapshot).execute(Tuple.of(stream, version, json, takenAt))))
          .map(v -> new JsonObject().put("stream", stream).put("version", version).put("taken_at", takenAt));
    }));
  }

  /** The stream's latest snapshot {@code {"stream","version","state","taken_at"}}, or null. */
  Future<JsonObject> getSnapshot(String stream) {
    return db.pool().preparedQuery(readSnapshot).execute(Tuple.of(stream)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new JsonObject().put("stream", stream).put("version", row.getLong(0))
          .put("state", dialect.jsonValue(row.getValue(1))).put("taken_at", row.getString(2));
    });
  }

  /** The streams of a category, most recently written first: {@code [{"stream","version","position"}]}. */
  Future<JsonArray> streams(String category, int limit) {
    return db.pool().preparedQuery(listStreams).execute(Tuple.of(category, System.currentTimeMillis(), limit)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new JsonObject().put("stream", row.getString(0)).put("version", row.getLong(1)).put("position", row.getLong(2)));
      }
      return out;
    });
  }
}
