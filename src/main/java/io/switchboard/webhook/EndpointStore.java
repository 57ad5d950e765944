package io.switchboard.webhook;

import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The endpoints table. */
final class EndpointStore {

  /** Endpoints are spread over this many partitions (the rows db/webhook/V1 creates). */
  static final int PARTITIONS = 64;

  private final Database db;
  private final Dialect dialect;
  private final String insert;
  private final String selectOne;
  private final String selectAll;
  private final String selectPartitionsOf;

  EndpointStore(Database db) {
    this.db = db;
    this.dialect = db.dialect();
    this.insert = db.sql("INSERT INTO webhook_endpoints (" + Endpoint.COLUMNS + ") "
        + "VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, $7, $8, NULL, NULL, 'closed', $9, $10, $11)");
    this.selectOne = db.sql("SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints WHERE id = $1");
    this.selectAll = "SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints ORDER BY id";
    this.selectPartitionsOf = db.sql("SELECT " + Endpoint.COLUMNS + " FROM webhook_endpoints WHERE partition_no IN "
        + "(SELECT partition_no FROM webhook_partitions WHERE owner = $1)");
  }

  static int partitionOf(String endpointId) {
    return Math.floorMod(endpointId.hashCode(), PARTITIONS);
  }

  /** Inserts a validated create request ({@link EndpointInput#create}). */
  Future<Endpoint> create(JsonObject input) {
    String id = Ids.next(Ids.ENDPOINT);
    long now = System.currentTimeMillis();
    Tuple row = Tuple.tuple().addString(id).addString(input.getString("url"))
        .addValue(dialect.json(input.getJsonArray("events"))).addString(input.getString("description"))
        .addString(input.getString("secret")).addInteger(input.getInteger("rate_limit"))
        .addInteger(input.getInteger("max_in_flight")).addBoolean(input.getBoolean("active"))
        .addInteger(partitionOf(id)).addLong(now).addLong(now);
    return Writes.run(db, insert, row).compose(v -> get(id));
  }

  /** The endpoint, or a 404 problem. */
  Future<Endpoint> get(String id) {
    if (!Ids.plausible(id, Ids.ENDPOINT)) {
      return Future.failedFuture(notFound(id));
    }
    return db.pool().preparedQuery(selectOne).execute(Tuple.of(id)).map(rows -> {
      if (rows.size() == 0) {
        throw notFound(id);
      }
      return Endpoint.of(rows.iterator().next(), dialect);
    });
  }

  Future<List<Endpoint>> all() {
    return db.pool().query(selectAll).execute().map(this::endpoints);
  }

  /** The endpoints in the partitions {@code owner} holds. */
  Future<List<Endpoint>> ownedBy(String owner) {
    return db.pool().preparedQuery(selectPartitionsOf).execute(Tuple.of(owner)).map(this::endpoints);
  }

  private List<Endpoint> endpoints(Iterable<Row> rows) {
    List<Endpoint> out = new ArrayList<>();
    rows.forEach(row -> out.add(Endpoint.of(row, dialect)));
    return out;
  }

  /**
   * Applies a validated change ({@link EndpointInput#patch}). Turning an endpoint on again also
   * clears why it was disabled and its failure streak, so it starts afresh.
   */
  Future<Endpoint> update(String id, JsonObject change) {
    List<String> sets = new ArrayList<>();
    Tuple values = Tuple.tuple();
    for (String field : List.of("url", "events", "description", "rate_limit", "max_in_flight", "active")) {
      if (change.containsKey(field)) {
        sets.add(field + " = $" + (values.size() + 1));
        Object value = change.getValue(field);
        values.addValue("events".equals(field) ? dialect.json(value) : value);
      }
    }
    if (Boolean.TRUE.equals(change.getValue("active"))) {
      sets.add("disabled_reason = NULL");
      sets.add("failing_since = NULL");
    }
    sets.add("updated_at = $" + (values.size() + 1));
    values.addLong(System.currentTimeMillis());
    String sql = db.sql("UPDATE webhook_endpoints SET " + String.join(", ", sets) + " WHERE id = $" + (values.size() + 1));
    values.addString(id);
    return get(id).compose(found -> Writes.run(db, sql, values)).compose(v -> get(id));
  }

  /**
   * A new secret; the previous one keeps signing for {@code graceMs}, so receivers can switch
   * without losing events (both signatures are sent meanwhile).
   */
  Future<Endpoint> rotate(String id, String secret, long graceMs) {
    long now = System.currentTimeMillis();
    String sql = db.sql("UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $1, secret = $2, "
        + "updated_at = $3 WHERE id = $4");
    return get(id)
        .compose(found -> Writes.run(db, sql, Tuple.of(now + graceMs, secret, now, id)))
        .compose(v -> get(id));
  }

  /** Deletes the endpoint with its deliveries and attempts, in one transaction. */
  Future<Endpoint> delete(String id) {
    return get(id).compose(found -> db.inTransaction(conn -> Future.all(
            conn.preparedQuery(db.sql("DELETE FROM webhook_attempts WHERE delivery_id IN "
                + "(SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)")).execute(Tuple.of(id)),
            conn.preparedQuery(db.sql("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")).execute(Tuple.of(id)),
            conn.preparedQuery(db.sql("DELETE FROM webhook_endpoints WHERE id = $1")).execute(Tuple.of(id))))
        .map(found));
  }

  static Problem notFound(String id) {
    return new Problem(404, "webhook-not-found", "Not found", "no webhook endpoint '" + id + "'");
  }
}
