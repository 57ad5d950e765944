package io.switchboard.eventstore;

import io.switchboard.core.db.Database;
import io.switchboard.core.db.RunnerLocks;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes from the tables what the store's reads no longer show ({@link Retention}): events
 * outside their stream's {@code max_age_ms}, {@code max_count} or {@code truncate_before}, and the
 * events of deleted streams. One per cluster: whoever holds the scavenger lock (the projector's
 * lock: a PostgreSQL advisory lock, node-local for H2) runs the passes; the others only try to take
 * it. Fencing is not needed: deleting what is hidden is idempotent, so two scavengers at once (a
 * lock lost mid-pass) delete nothing extra.
 *
 * <p>A pass walks {@code $all} by position in small batches, each its own short transaction that
 * never takes the append lock (appends go on meanwhile; they only add rows above the head). Before
 * a stream's events go, its metadata keeps its last version, so its versions continue and are never
 * reused. Positions are never reused either: the head row keeps the last one handed out.
 */
final class Scavenger {

  private static final Logger log = LoggerFactory.getLogger(Scavenger.class);
  static final String LOCK = "$scavenger";

  /** What one pass removed. */
  record Pass(boolean ran, long events, long bytes, int streams) {
    JsonObject toJson() {
      return new JsonObject().put("ran", ran).put("events", events).put("bytes", bytes).put("streams", streams);
    }
  }

  interface Meter {
    void scavenged(long events, long bytes);
  }

  private final Vertx vertx;
  private final Database db;
  private final RunnerLocks locks;
  private final int batch;
  private final long pauseMs;
  private final Meter meter;
  private final String candidates;
  private final String keepVersion;
  private final String insertVersion;
  private final String deleteEvent;
  private Future<Pass> running;

  Scavenger(Vertx vertx, Database db, Retention retention, RunnerLocks locks, int batch, long pauseMs, Meter meter) {
    this.vertx = vertx;
    this.db = db;
    this.locks = locks;
    this.batch = batch;
    this.pauseMs = pauseMs;
    this.meter = meter;
    candidates = db.sql("SELECT e.position, e.stream, e.version, e.data, e.metadata FROM events e "
        + "LEFT JOIN stream_meta m ON m.stream = e.stream WHERE e.position > $1 AND " + retention.hidden("CAST($2 AS BIGINT)")
        + " ORDER BY e.position LIMIT $3");
    keepVersion = db.sql("UPDATE stream_meta SET last_version = CASE WHEN last_version IS NULL OR last_version < $1 THEN $2 "
        + "ELSE last_version END WHERE stream = $3");
    insertVersion = db.sql("INSERT INTO stream_meta (stream, last_version) VALUES ($1, $2)");
    deleteEvent = db.sql("DELETE FROM events WHERE position = $1");
  }

  /** Runs a pass if this instance holds (or takes) the lock; a pass under way is joined, not doubled. */
  Future<Pass> pass() {
    if (running != null) {
      return running;
    }
    Promise<Pass> promise = Promise.promise();
    Future<Pass> pass = promise.future();
    running = pass;
    locks.check()
        .otherwiseEmpty()
        .compose(v -> locks.tryLock(LOCK))
        .compose(held -> held ? batches(0, new Pass(true, 0, 0, 0)) : Future.succeededFuture(new Pass(false, 0, 0, 0)))
        .onComplete(ar -> {
          running = null;
          if (ar.succeeded() && ar.result().events() > 0) {
            log.info("scavenged {} events ({} bytes) of {} streams", ar.result().events(), ar.result().bytes(), ar.result().streams());
          }
          promise.handle(ar);
        });
    return pass; // not running: a pass that ended within this call has already cleared it
  }

  /**
   * Runs the batches one after another, each started from a timer: a loop, not a chain of nested
   * futures (a pass of thousands of batches would complete thousands of them in one call stack).
   */
  private Future<Pass> batches(long after, Pass sofar) {
    Promise<Pass> done = Promise.promise();
    next(after, sofar, done);
    return done.future();
  }

  private void next(long after, Pass sofar, Promise<Pass> done) {
    long started = System.nanoTime();
    db.pool().preparedQuery(candidates).execute(Tuple.of(after, System.currentTimeMillis(), batch)).onComplete(read -> {
      if (read.failed()) {
        done.fail(read.cause());
        return;
      }
      RowSet<Row> rows = read.result();
      if (rows.size() == 0) {
        done.complete(sofar);
        return;
      }
      List<Tuple> positions = new ArrayList<>(rows.size());
      Map<String, Long> lastVersions = new LinkedHashMap<>();
      long bytes = 0;
      long last = after;
      for (Row row : rows) {
        last = row.getLong(0);
        positions.add(Tuple.of(last));
        lastVersions.merge(row.getString(1), row.getLong(2), Math::max);
        bytes += size(row.getValue(3)) + size(row.getValue(4));
      }
      long freed = bytes;
      long cursor = last;
      db.inTransaction(conn -> keepVersions(conn, lastVersions).compose(v -> conn.preparedQuery(deleteEvent).executeBatch(positions)))
          .onComplete(deleted -> {
            if (deleted.failed()) {
              done.fail(deleted.cause());
              return;
            }
            meter.scavenged(positions.size(), freed);
            Pass now = new Pass(true, sofar.events() + positions.size(), sofar.bytes() + freed, sofar.streams() + lastVersions.size());
            // A pause between batches at least as long as the batch took: the scavenger never takes
            // more than about half of the database's time from appends and reads.
            long pause = Math.max(pauseMs, (System.nanoTime() - started) / 1_000_000);
            vertx.setTimer(Math.max(1, pause), id -> next(cursor, now, done));
          });
    });
  }

  /** Each stream keeps its last version in its metadata before its events go (versions continue). */
  private Future<Void> keepVersions(SqlConnection conn, Map<String, Long> lastVersions) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Long> e : lastVersions.entrySet()) {
      chain = chain.compose(v -> conn.preparedQuery(keepVersion).execute(Tuple.of(e.getValue(), e.getValue(), e.getKey()))
          .compose((RowSet<Row> updated) -> updated.rowCount() > 0 ? Future.<Void>succeededFuture()
              : conn.preparedQuery(insertVersion).execute(Tuple.of(e.getKey(), e.getValue())).<Void>mapEmpty()));
    }
    return chain;
  }

  /** The bytes a stored JSON value takes, near enough (its text). */
  private static long size(Object json) {
    return json == null ? 0 : String.valueOf(json).length();
  }

  Future<Void> close() {
    return locks.close();
  }

}
