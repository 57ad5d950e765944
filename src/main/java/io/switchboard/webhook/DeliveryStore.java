package io.switchboard.webhook;

import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The outbox: writing deliveries (idempotently), listing them, and sending them again on request. */
final class DeliveryStore {

  private static final Logger log = LoggerFactory.getLogger(DeliveryStore.class);

  /** A delivery to write: one event for one endpoint. */
  record NewDelivery(String endpointId, int partition, String eventId, String eventType, String origin, String body) {}

  static final String PENDING = "pending";
  static final String DELIVERED = "delivered";
  static final String FAILED = "failed";

  private static final String LISTED = "id, endpoint_id, event_id, event_type, origin, status, attempts, next_attempt_at, "
      + "last_attempt_at, last_http_status, last_latency_ms, last_error, delivered_at, created_at, claim";

  private final Database db;
  private final Dialect dialect;
  private final String insert;

  DeliveryStore(Database db) {
    this.db = db;
    this.dialect = db.dialect();
    String columns = "id, endpoint_id, partition_no, event_id, event_type, origin, body, status, attempts, schedule_step, "
        + "next_attempt_at, created_at, updated_at";
    // Idempotent by (endpoint, event): a second write of the same pair is nothing. Only for an
    // endpoint that is active when the row is written (one switched off or deleted a moment ago may
    // still be in a fan-out's matcher). H2 has no ON CONFLICT; its NOT EXISTS form can still meet a
    // concurrent twin, which the caller retries row by row.
    this.insert = dialect == Dialect.POSTGRES
        ? "INSERT INTO webhook_deliveries (" + columns + ") SELECT $1::varchar, $2::varchar, $3::integer, $4::varchar, "
            + "$5::varchar, $6::varchar, $7::text, 'pending', 0, 0, $8::bigint, $9::bigint, $10::bigint "
            + "WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = $2::varchar AND e.active) "
            + "ON CONFLICT (endpoint_id, event_id) DO NOTHING"
        : "INSERT INTO webhook_deliveries (" + columns + ") SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS INTEGER), "
            + "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), 'pending', 0, 0, "
            + "CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT) "
            + "WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = ? AND e.active) "
            + "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?)";
  }

  /** The statement's parameters for one delivery, made due at {@code now}. */
  Tuple insertValues(NewDelivery d, long now) {
    String id = Ids.next(Ids.MESSAGE, now);
    Tuple t = Tuple.of(id, d.endpointId(), d.partition(), d.eventId(), d.eventType(), d.origin(), d.body(), now, now, now);
    if (dialect == Dialect.H2) {
      t.addString(d.endpointId()).addString(d.endpointId()).addString(d.eventId());
    }
    return t;
  }

  /** Writes the deliveries on {@code conn} (in the caller's transaction). */
  Future<Void> insert(SqlConnection conn, List<NewDelivery> deliveries) {
    if (deliveries.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = System.currentTimeMillis();
    List<Tuple> batch = new ArrayList<>(deliveries.size());
    deliveries.forEach(d -> batch.add(insertValues(d, now)));
    return conn.preparedQuery(insert).executeBatch(batch).mapEmpty();
  }

  /**
   * Writes the deliveries in a transaction of their own. When the database refuses the batch (not
   * when it is unreachable) they are written one by one: a twin written meanwhile (H2) is no
   * error, and a row the database refuses is dropped with an error in the log rather than holding
   * up every delivery behind it.
   */
  Future<Void> insert(List<NewDelivery> deliveries) {
    return db.inTransaction(conn -> insert(conn, deliveries)).recover(e -> {
      if (Dialect.isUnavailable(e)) {
        return Future.failedFuture(e);
      }
      Future<Void> chain = Future.succeededFuture();
      for (NewDelivery d : deliveries) {
        chain = chain.compose(v -> Writes.run(db, insert, insertValues(d, System.currentTimeMillis())).<Void>mapEmpty()
            .recover(one -> {
              if (Dialect.isUnavailable(one)) {
                return Future.failedFuture(one);
              }
              if (!Dialect.isUniqueViolation(one)) {
                log.error("webhook delivery of event {} to {} refused by the database, dropped: {}", d.eventId(), d.endpointId(),
                    one.getMessage());
              }
              return Future.succeededFuture();
            }));
      }
      return chain;
    });
  }

  /** Writes one delivery of a new event; the future holds its id (null when the endpoint is not active). */
  Future<String> insertOne(NewDelivery d) {
    Tuple values = insertValues(d, System.currentTimeMillis());
    return Writes.run(db, insert, values).map(rows -> rows.rowCount() == 1 ? values.getString(0) : null);
  }

  /**
   * Deliveries of an endpoint, newest first: {@code status}, {@code event_type}, {@code since} /
   * {@code until} (epoch ms, by creation), {@code before} (a delivery id: the page after it), {@code limit}.
   */
  Future<JsonObject> list(String endpointId, String status, String eventType, Long since, Long until, String before, int limit) {
    List<String> where = new ArrayList<>(List.of("endpoint_id = $1"));
    Tuple values = Tuple.of(endpointId);
    if (status != null) {
      where.add("status = $" + (values.size() + 1));
      values.addString(status);
    }
    if (eventType != null) {
      where.add("event_type = $" + (values.size() + 1));
      values.addString(eventType);
    }
    if (since != null) {
      where.add("id >= $" + (values.size() + 1));
      values.addString(Ids.floor(Ids.MESSAGE, since));
    }
    if (until != null) {
      where.add("id < $" + (values.size() + 1));
      values.addString(Ids.floor(Ids.MESSAGE, until));
    }
    if (before != null) {
      where.add("id < $" + (values.size() + 1));
      values.addString(before);
    }
    String sql = db.sql("SELECT " + LISTED + " FROM webhook_deliveries WHERE " + String.join(" AND ", where)
        + " ORDER BY endpoint_id DESC, id DESC LIMIT $" + (values.size() + 1));   // endpoint_id: for H2, see SenderStore
    values.addInteger(limit + 1);
    return db.pool().preparedQuery(sql).execute(values).map(rows -> {
      JsonArray out = new JsonArray();
      String next = null;
      for (Row row : rows) {
        if (out.size() == limit) {
          next = out.getJsonObject(limit - 1).getString("id");
          break;
        }
        out.add(listed(row));
      }
      return new JsonObject().put("deliveries", out).put("next", next);
    });
  }

  /** One delivery with its event and every attempt, oldest first; 404 when it is not the endpoint's. */
  Future<JsonObject> get(String endpointId, String deliveryId) {
    if (!Ids.plausible(deliveryId, Ids.MESSAGE)) {
      return Future.failedFuture(notFound(deliveryId));
    }
    String delivery = db.sql("SELECT " + LISTED + ", body FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2");
    String attempts = db.sql("SELECT id, attempted_at, outcome, http_status, latency_ms, response_excerpt, error "
        + "FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id");
    return db.pool().preparedQuery(delivery).execute(Tuple.of(deliveryId, endpointId)).compose(rows -> {
      if (rows.size() == 0) {
        throw notFound(deliveryId);
      }
      Row row = rows.iterator().next();
      JsonObject out = listed(row);
      String body = row.getString(15);
      try {
        out.put("event", new JsonObject(body));
      } catch (DecodeException e) {
        out.put("event", body);
      }
      return db.pool().preparedQuery(attempts).execute(Tuple.of(deliveryId)).map(list -> {
        JsonArray attemptList = new JsonArray();
        for (Row a : list) {
          attemptList.add(new JsonObject().put("id", a.getString(0)).put("attempted_at", Endpoint.time(a.getLong(1)))
              .put("outcome", attemptOutcome(a.getString(2))).put("http_status", a.getInteger(3)).put("latency_ms", a.getInteger(4))
              .put("response", a.getString(5)).put("error", a.getString(6)));
        }
        return out.put("attempt_list", attemptList);
      });
    });
  }

  private JsonObject listed(Row row) {
    long now = System.currentTimeMillis();
    String status = row.getString(5);
    boolean inFlight = PENDING.equals(status) && row.getString(14) != null && row.getLong(7) > now;
    return new JsonObject()
        .put("id", row.getString(0))
        .put("webhook_id", row.getString(0))
        .put("endpoint_id", row.getString(1))
        .put("event_id", row.getString(2))
        .put("event_type", row.getString(3))
        .put("origin", row.getString(4))
        .put("status", inFlight ? "sending" : status)
        .put("attempts", row.getInteger(6))
        .put("next_attempt_at", PENDING.equals(status) && !inFlight ? Endpoint.time(row.getLong(7)) : null)
        .put("last_attempt_at", Endpoint.time(row.getLong(8)))
        .put("http_status", row.getInteger(9))
        .put("latency_ms", row.getInteger(10))
        .put("error", row.getString(11))
        .put("delivered_at", Endpoint.time(row.getLong(12)))
        .put("created_at", Endpoint.time(row.getLong(13)));
  }

  /**
   * Makes a delivery due now, with the retry schedule from its start; 409 while an attempt of it is
   * in flight (it would be sent twice at once).
   */
  Future<JsonObject> retry(String endpointId, String deliveryId) {
    if (!Ids.plausible(deliveryId, Ids.MESSAGE)) {
      return Future.failedFuture(notFound(deliveryId));
    }
    long now = System.currentTimeMillis();
    String sql = db.sql("UPDATE webhook_deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = $1, "
        + "claim = NULL, updated_at = $2 WHERE id = $3 AND endpoint_id = $4 AND (claim IS NULL OR next_attempt_at <= $5)");
    return Writes.run(db, sql, Tuple.of(now, now, deliveryId, endpointId, now)).compose(updated -> {
      if (updated.rowCount() == 1) {
        return Future.succeededFuture(new JsonObject().put("id", deliveryId).put("status", PENDING));
      }
      return get(endpointId, deliveryId).map(found -> {
        throw Problem.conflict("delivery-in-flight", "delivery " + deliveryId + " is being attempted right now; "
            + "retry it once that attempt is over", null);
      });
    });
  }

  /**
   * Makes every delivery of the endpoint created since {@code since} due now (those with an
   * attempt in flight excepted): the events are sent again with their original webhook-id.
   */
  Future<Integer> replay(String endpointId, long since, String status) {
    long now = System.currentTimeMillis();
    String sql = db.sql("UPDATE webhook_deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = $1, "
        + "claim = NULL, updated_at = $2 WHERE endpoint_id = $3 AND id >= $4 AND (claim IS NULL OR next_attempt_at <= $5)"
        + (status == null ? "" : " AND status = $6"));
    Tuple values = Tuple.of(now, now, endpointId, Ids.floor(Ids.MESSAGE, since), now);
    if (status != null) {
      values.addString(status);
    }
    return Writes.run(db, sql, values).map(rows -> rows.rowCount());
  }

  /**
   * Removes delivered and failed deliveries created before the cut-off, the attempts made before it,
   * and the deliveries of endpoints that no longer exist, at most {@code limit} of each per call;
   * the future holds how many deliveries went.
   */
  Future<Integer> cleanUp(long cutoff, int limit) {
    String oldAttempts = db.sql("DELETE FROM webhook_attempts WHERE id IN (SELECT id FROM webhook_attempts "
        + "WHERE id < $1 LIMIT $2)");
    String oldDeliveries = db.sql("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
        + "WHERE id < $1 AND status <> 'pending' LIMIT $2)");
    String orphans = db.sql("DELETE FROM webhook_deliveries WHERE id IN (SELECT d.id FROM webhook_deliveries d "
        + "WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id) LIMIT $1)");
    return Writes.run(db, oldAttempts, Tuple.of(Ids.floor(Ids.ATTEMPT, cutoff), limit))
        .compose(a -> Writes.run(db, oldDeliveries, Tuple.of(Ids.floor(Ids.MESSAGE, cutoff), limit)))
        .compose(old -> Writes.run(db, orphans, Tuple.of(limit)).map(o -> old.rowCount() + o.rowCount()));
  }

  /**
   * Embedded (H2) only: the database file admits one process, so the claims and leases found at
   * start belong to a hub that died; they are let go at once instead of waiting for them to expire.
   */
  Future<Void> releaseLeftovers() {
    long now = System.currentTimeMillis();
    return db.inTransaction(conn -> Future.all(
        conn.preparedQuery(db.sql("UPDATE webhook_deliveries SET claim = NULL, next_attempt_at = $1 "
            + "WHERE status = 'pending' AND claim IS NOT NULL")).execute(Tuple.of(now)),
        conn.query("UPDATE webhook_partitions SET owner = NULL, lease_until = 0").execute(),
        conn.query("DELETE FROM webhook_senders").execute(),
        conn.query("UPDATE webhook_checkpoints SET owner = NULL, lease_until = 0").execute())).mapEmpty();
  }

  static Problem notFound(String deliveryId) {
    return new Problem(404, "delivery-not-found", "Not found", "this endpoint has no delivery '" + deliveryId + "'");
  }

  /** An attempt's outcome, in the words deliveries and metrics use (rows written before 0.2 say "succeeded"). */
  static String attemptOutcome(String stored) {
    return "succeeded".equals(stored) ? DELIVERED : stored;
  }
}
