package io.switchboard.webhook;

import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** A sender's SQL: claiming due deliveries, and writing down what became of them. */
final class SenderStore {

  private static final String CLAIMED = "id, event_id, event_type, body, attempts, schedule_step";

  private final Database db;
  private final String claim;
  private final String candidates;
  private final String attemptInsert;
  private final String attempted;
  private final String released;
  private final String endpointState;
  private final String disable;

  SenderStore(Database db) {
    this.db = db;
    // PostgreSQL, one statement: the due rows of one endpoint, locked (rows another claim holds are
    // skipped), leased to this claim (next_attempt_at moves to the end of the lease) and returned.
    // Only the sender holding the endpoint's partition gets any.
    this.claim = "UPDATE webhook_deliveries SET next_attempt_at = $1, claim = $2 WHERE id IN ("
        + "SELECT id FROM webhook_deliveries WHERE endpoint_id = $3 AND status = 'pending' AND next_attempt_at <= $4 "
        + "AND partition_no IN (SELECT partition_no FROM webhook_partitions WHERE owner = $5) "
        + "ORDER BY next_attempt_at LIMIT $6 FOR UPDATE SKIP LOCKED) RETURNING " + CLAIMED;
    // H2 locks every row a FOR UPDATE query reads (all the due rows, not the LIMIT of them), so there
    // the candidates are read without locks, and the lease is taken by an UPDATE that checks each of
    // them again under its row lock (H2 re-reads a row it waited for): a row another claim took first
    // no longer matches and is left out.
    // (H2 reads the index in order, and stops at the limit, only when ORDER BY names its leading columns.)
    this.candidates = db.sql("SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending' "
        + "AND next_attempt_at <= $2 ORDER BY endpoint_id, status, next_attempt_at LIMIT $3");
    this.attemptInsert = db.sql("INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, attempted_at, outcome, http_status, "
        + "latency_ms, response_excerpt, error, sender) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    // Only while the claim is still this one's: a manual retry may have taken it back meanwhile.
    this.attempted = db.sql("UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, schedule_step = $2, "
        + "next_attempt_at = $3, claim = NULL, last_attempt_at = $4, last_http_status = $5, last_latency_ms = $6, "
        + "last_error = $7, delivered_at = $8, updated_at = $9 WHERE id = $10 AND claim = $11");
    this.released = db.sql("UPDATE webhook_deliveries SET next_attempt_at = $1, claim = NULL WHERE id = $2 AND claim = $3");
    this.endpointState = db.sql("UPDATE webhook_endpoints SET failing_since = $1, circuit = $2 WHERE id = $3");
    this.disable = db.sql("UPDATE webhook_endpoints SET active = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3");
  }

  /** Claims up to {@code limit} due deliveries of an endpoint for {@code leaseMs}. */
  Future<List<Claimed>> claim(String endpointId, String sender, int limit, long leaseMs) {
    long now = System.currentTimeMillis();
    long leaseUntil = now + leaseMs;
    String token = Ids.next("c_");
    Future<RowSet<Row>> claimed;
    if (db.dialect() == Dialect.POSTGRES) {
      claimed = db.pool().preparedQuery(claim).execute(Tuple.of(leaseUntil, token, endpointId, now, sender, limit));
    } else {
      claimed = db.inTransaction(conn -> conn.preparedQuery(candidates).execute(Tuple.of(endpointId, now, limit)).compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(rows);
        }
        Tuple values = Tuple.of(leaseUntil, token);
        StringBuilder ids = new StringBuilder();
        for (Row row : rows) {
          ids.append(ids.isEmpty() ? "?" : ", ?");
          values.addString(row.getString(0));
        }
        values.addLong(now).addString(sender);
        return conn.preparedQuery("SELECT " + CLAIMED + " FROM FINAL TABLE (UPDATE webhook_deliveries SET next_attempt_at = ?, "
            + "claim = ? WHERE id IN (" + ids + ") AND status = 'pending' AND next_attempt_at <= ? "
            + "AND partition_no IN (SELECT partition_no FROM webhook_partitions WHERE owner = ?))").execute(values);
      }));
    }
    return claimed.map(rows -> {
      List<Claimed> out = new ArrayList<>(rows.size());
      for (Row row : rows) {
        out.add(new Claimed(row.getString(0), endpointId, row.getString(1), row.getString(2), row.getString(3),
            row.getInteger(4), row.getInteger(5), token, leaseUntil));
      }
      return out;
    });
  }

  /** Writes a batch of outcomes in one transaction. */
  Future<Void> write(List<Outcome> outcomes, String sender) {
    List<Tuple> attempts = new ArrayList<>();
    List<Tuple> updates = new ArrayList<>();
    List<Tuple> releases = new ArrayList<>();
    List<Tuple> states = new ArrayList<>();
    List<Tuple> disables = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Outcome outcome : outcomes) {
      if (outcome instanceof Outcome.Attempted a) {
        Claimed d = a.delivery();
        boolean delivered = DeliveryStore.DELIVERED.equals(a.status());
        attempts.add(Tuple.of(Ids.next(Ids.ATTEMPT, a.attemptedAt()), d.id(), d.endpointId(), a.attemptedAt(),
            delivered ? DeliveryStore.DELIVERED : "failed", a.httpStatus(), a.latencyMs(), a.excerpt(), a.error(), sender));
        updates.add(Tuple.of(a.status(), a.scheduleStep(), a.nextAttemptAt(), a.attemptedAt(), a.httpStatus(), a.latencyMs(),
            a.error(), delivered ? (Long) (a.attemptedAt() + a.latencyMs()) : null, now, d.id(), d.claim()));
      } else if (outcome instanceof Outcome.Released r) {
        releases.add(Tuple.of(r.dueAt(), r.delivery().id(), r.delivery().claim()));
      } else if (outcome instanceof Outcome.EndpointState st) {
        states.add(Tuple.of(st.failingSince(), st.circuit(), st.endpointId()));
      } else if (outcome instanceof Outcome.Disabled d) {
        disables.add(Tuple.of(d.reason(), now, d.endpointId()));
      }
    }
    return db.inTransaction(conn -> {
      List<Future<?>> statements = new ArrayList<>();
      if (!attempts.isEmpty()) {
        statements.add(conn.preparedQuery(attemptInsert).executeBatch(attempts));
        statements.add(conn.preparedQuery(attempted).executeBatch(updates));
      }
      if (!releases.isEmpty()) {
        statements.add(conn.preparedQuery(released).executeBatch(releases));
      }
      if (!states.isEmpty()) {
        statements.add(conn.preparedQuery(endpointState).executeBatch(states));
      }
      if (!disables.isEmpty()) {
        statements.add(conn.preparedQuery(disable).executeBatch(disables));
      }
      return Future.all(statements).mapEmpty();
    });
  }
}
