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
 */
final class SqlEventStore {

  private static final String COLUMNS = "position, stream, version, id, type, event_time, dataversion, data, metadata";

  private static final int KNOWN_STREAMS = 100_000;

  private final Database db;
  private final Dialect dialect;
  /** Each stream's last version as this writer's commits left it (least recently used dropped). */
  private final Map<String, Long> versions = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > KNOWN_STREAMS;
    }
  };
  /** The head as this writer's last commit left it; -1 when unknown. */
  private long head = -1;
  private final String lockHead;
  private final String currentVersion;
  private final String findId;
  private final String insertEvent;
  private final String updateHead;
  private final String readHead;
  private final String readForward;
  private final String readBackward;
  private final String readAllForward;
  private final String readAllBackward;
  private final String readCategoryForward;
  private final String readCategoryBackward;
  private final String updateSnapshot;
  private final String insertSnapshot;
  private final String readSnapshot;
  private final String listStreams;

  SqlEventStore(Database db) {
    this.db = db;
    this.dialect = db.dialect();
    lockHead = db.sql("SELECT last_position FROM store_head WHERE id = 1 FOR UPDATE");
    currentVersion = db.sql("SELECT MAX(version) AS version FROM events WHERE stream = $1");
    findId = db.sql("SELECT stream, version, position FROM events WHERE id = $1");
    insertEvent = db.sql("INSERT INTO events (position, stream, version, category, id, type, event_time, dataversion, data, metadata) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    updateHead = db.sql("UPDATE store_head SET last_position = $1 WHERE id = 1");
    readHead = db.sql("SELECT last_position FROM store_head WHERE id = 1");
    // ORDER BY names the equality column too: then H2 reads the index in order and stops at the
    // LIMIT instead of sorting every matching row (PostgreSQL does so either way).
    readForward = db.sql("SELECT " + COLUMNS + " FROM events WHERE stream = $1 AND version >= $2 ORDER BY stream, version LIMIT $3");
    readBackward = db.sql("SELECT " + COLUMNS + " FROM events WHERE stream = $1 AND version <= $2 ORDER BY stream DESC, version DESC LIMIT $3");
    readAllForward = db.sql("SELECT " + COLUMNS + " FROM events WHERE position >= $1 ORDER BY position LIMIT $2");
    readAllBackward = db.sql("SELECT " + COLUMNS + " FROM events WHERE position <= $1 ORDER BY position DESC LIMIT $2");
    readCategoryForward = db.sql("SELECT " + COLUMNS + " FROM events WHERE category = $1 AND position >= $2 ORDER BY category, position LIMIT $3");
    readCategoryBackward = db.sql("SELECT " + COLUMNS + " FROM events WHERE category = $1 AND position <= $2 ORDER BY category DESC, position DESC LIMIT $3");
    updateSnapshot = db.sql("UPDATE snapshots SET version = $1, state = $2, taken_at = $3 WHERE stream = $4 AND version <= $5");
    insertSnapshot = db.sql("INSERT INTO snapshots (stream, version, state, taken_at) VALUES ($1, $2, $3, $4)");
    readSnapshot = db.sql("SELECT version, state, taken_at FROM snapshots WHERE stream = $1");
    listStreams = db.sql("SELECT stream, MAX(version), MAX(position) FROM events WHERE category = $1"
        + " GROUP BY stream ORDER BY MAX(position) DESC LIMIT $2");
  }

  // ---------------------------------------------------------------- append

  /** One outcome per request, in order: an {@link Appended} or the {@link Problem} to answer. */
  Future<List<Object>> append(List<AppendRequest> batch) {
    Plan known = planFromCache(batch);
    if (known == null) {
      return readAndWrite(batch);
    }
    long knownHead = head;
    return db.inPipelinedTransaction((conn, commit) -> {
      // The lock first: statements run in order, so the inserts run holding it. Nothing commits
      // unless it was granted on the head this plan starts from (on PostgreSQL a stale plan also
      // collides with the primary key; H2 does not abort a transaction on a failed statement).
      Future<?> locked = conn.preparedQuery(lockHead).execute().compose(rows -> rows.iterator().next().getLong(0) == knownHead
          ? Future.succeededFuture() : Future.failedFuture(new StaleKnowledge()));
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
    for (AppendRequest request : batch) {
      Long version = versions.get(request.stream());
      if (version == null) {
        return null;
      }
      current.put(request.stream(), version);
    }
    Plan plan = plan(batch, current, null, head);
    return plan.needsIds().isEmpty() ? plan : null;
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
    return currentVersion(request.stream()).map(current -> List.of(wrongVersion(request, current)));
  }

  private Future<List<Object>> write(SqlConnection conn, Database.Commit commit, List<AppendRequest> batch, boolean lookUpIds) {
    // One round trip: the lock, then (same pipeline, so after the lock is granted) the versions.
    Future<RowSet<Row>> locked = conn.preparedQuery(lockHead).execute();
    Set<String> streams = new LinkedHashSet<>();
    batch.forEach(r -> streams.add(r.stream()));
    List<String> streamList = List.copyOf(streams);
    Future<List<RowSet<Row>>> versions = each(conn, currentVersion, tuples(streamList));
    Future<Map<String, StoredRef>> ids = lookUpIds ? findIds(conn, batch) : Future.succeededFuture(null);
    return Future.all(locked, versions, ids).compose(all -> {
      long lastPosition = locked.result().iterator().next().getLong(0);
      Map<String, Long> current = new HashMap<>();
      for (int i = 0; i < streamList.size(); i++) {
        Long version = versions.result().get(i).iterator().next().getLong(0);
        current.put(streamList.get(i), version == null ? -1L : version);
      }
      Plan plan = plan(batch, current, ids.result(), lastPosition);
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
            return insert(conn, commit, plan(batch, current, merged, checked, lastPosition), locked);
          });
    });
  }

  private record StoredRef(String stream, long version, long position) {}

  /**
   * @param versionsAfter each stream's last version once this transaction commits
   * @param lastPosition  the head once it commits
   */
  private record Plan(List<Object> outcomes, List<Tuple> rows, long lastPosition, List<AppendRequest> needsIds,
                      Map<String, Long> versionsAfter) {}

  private Plan plan(List<AppendRequest> batch, Map<String, Long> current, Map<String, StoredRef> ids, long lastPosition) {
    return plan(batch, current, ids, ids == null ? Set.of() : new HashSet<>(batch), lastPosition);
  }

  /** Decides every append of the batch in order, against the versions the earlier ones leave. */
  private Plan plan(List<AppendRequest> batch, Map<String, Long> currentVersions, Map<String, StoredRef> ids,
                    Set<AppendRequest> idsChecked, long lastPosition) {
    Map<String, Long> current = new HashMap<>(currentVersions);
    List<Object> outcomes = new ArrayList<>(batch.size());
    List<Tuple> rows = new ArrayList<>();
    List<AppendRequest> needsIds = new ArrayList<>();
    long position = lastPosition;
    for (AppendRequest request : batch) {
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
        rows.add(Tuple.of(position, request.stream(), version, category, e.id(), e.type(), e.time(), e.dataversion(),
            dialect.json(e.data()), dialect.json(e.metadata())));
        written.add(new StoredEvent(position, request.stream(), version, e.id(), e.type(), e.time(), e.dataversion(),
            e.data(), e.metadata()));
      }
      current.put(request.stream(), version);
      outcomes.add(new Appended(request.stream(), first, version, firstPosition, position, false, List.copyOf(written)));
    }
    return new Plan(outcomes, rows, position, needsIds, current);
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
    Future<?> events = conn.preparedQuery(insertEvent).executeBatch(plan.rows());
    Future<?> newHead = conn.preparedQuery(updateHead).execute(Tuple.of(plan.lastPosition()));
    return commit.after(List.of(locked, events, newHead)).map(v -> {
      remember(plan);
      return plan.outcomes();
    });
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

  // ---------------------------------------------------------------- reads

  /** The stream's last version, or -1 when it has no events. */
  Future<Long> currentVersion(String stream) {
    return db.pool().preparedQuery(currentVersion).execute(Tuple.of(stream)).map(rows -> {
      Long version = rows.iterator().next().getLong(0);
      return version == null ? -1L : version;
    });
  }

  /** The last position handed out (0 before the first event). */
  Future<Long> head() {
    return db.pool().preparedQuery(readHead).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  Future<List<StoredEvent>> readStream(String stream, long from, int limit, boolean forward) {
    return query(forward ? readForward : readBackward, Tuple.of(stream, from, limit));
  }

  Future<List<StoredEvent>> readAll(long from, int limit, boolean forward) {
    return query(forward ? readAllForward : readAllBackward, Tuple.of(from, limit));
  }

  Future<List<StoredEvent>> readCategory(String category, long from, int limit, boolean forward) {
    return query(forward ? readCategoryForward : readCategoryBackward, Tuple.of(category, from, limit));
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
    return db.inTransaction(conn -> conn.preparedQuery(currentVersion).execute(Tuple.of(stream)).compose(rows -> {
      Long current = rows.iterator().next().getLong(0);
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
    return db.pool().preparedQuery(listStreams).execute(Tuple.of(category, limit)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new JsonObject().put("stream", row.getString(0)).put("version", row.getLong(1)).put("position", row.getLong(2)));
      }
      return out;
    });
  }
}
