package io.switchboard.examples.orders;

import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.cqrs.AggregateType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/** GetOrderById and GetOrdersByCustomer, read from the orders projection's tables. */
final class OrderQueries {

  static final String BY_ID = "GetOrderById";
  static final String BY_CUSTOMER = "GetOrdersByCustomer";

  private static final String COLUMNS = "order_id, customer_id, status, total, item_count, tracking_number, created_at, "
      + "shipped_at, version, correlation_id";

  private final Database db;
  private final OrderSettings settings;
  private final String selectOrder;
  private final String selectItems;
  private final String selectByCustomer;
  private final String selectByCustomerAndStatus;

  OrderQueries(Database db, OrderSettings settings) {
    this.db = db;
    this.settings = settings;
    this.selectOrder = db.sql("SELECT " + COLUMNS + " FROM order_read_model WHERE order_id = $1");
    this.selectItems = db.sql("SELECT product_id, quantity, price FROM order_items_read_model WHERE order_id = $1 ORDER BY line");
    String byCustomer = "SELECT " + COLUMNS + " FROM order_read_model WHERE customer_id = $1";
    this.selectByCustomer = db.sql(byCustomer + " ORDER BY created_position DESC LIMIT $2");
    this.selectByCustomerAndStatus = db.sql(byCustomer + " AND status = $2 ORDER BY created_position DESC LIMIT $3");
  }

  /** {@code {"order_id"}} → the order with its items; 404 when the read model has no such order. */
  Future<JsonObject> byId(JsonObject query) {
    Object id = query.getValue("order_id");
    if (!(id instanceof String orderId) || !AggregateType.isValidId(orderId)) {
      throw Problem.badRequest("invalid-order-id", "an order id is 1-100 of A-Z a-z 0-9 _ . : -");
    }
    // One connection: on PostgreSQL both queries go out in one round trip.
    return db.pool().withConnection(conn -> {
      Future<RowSet<Row>> order = conn.preparedQuery(selectOrder).execute(Tuple.of(orderId));
      Future<RowSet<Row>> items = conn.preparedQuery(selectItems).execute(Tuple.of(orderId));
      return Future.all(order, items).map(both -> {
        if (!order.result().iterator().hasNext()) {
          throw new Problem(404, "order-not-found", "Not found", "there is no order " + orderId
              + " in the read model (just created? pass the position the command answered as min_position)");
        }
        JsonArray lines = new JsonArray();
        for (Row row : items.result()) {
          lines.add(new JsonObject().put("product_id", row.getString(0)).put("quantity", row.getInteger(1))
              .put("price", Money.json(row.getBigDecimal(2))));
        }
        return order(order.result().iterator().next()).put("items", lines);
      });
    }).recover(e -> Future.failedFuture(db.problem(e, BY_ID)));
  }

  /** {@code {"customer_id", "status"?, "limit"?}} → {@code {"orders": [...]}}, newest first. */
  Future<JsonObject> byCustomer(JsonObject query) {
    Object customer = query.getValue("customer_id");
    if (!(customer instanceof String customerId) || customerId.isBlank() || customerId.length() > 100) {
      throw Problem.badRequest("invalid-parameter", "customer_id is required (1-100 characters)");
    }
    Object status = query.getValue("status");
    if (status != null && !Order.PENDING.equals(status) && !Order.SHIPPED.equals(status)) {
      throw Problem.badRequest("invalid-parameter", "status must be " + Order.PENDING + " or " + Order.SHIPPED + ", not " + status);
    }
    Object limitValue = query.getValue("limit", settings.defaultLimit());
    if (!(limitValue instanceof Integer || limitValue instanceof Long) || ((Number) limitValue).longValue() < 1
        || ((Number) limitValue).longValue() > settings.maxLimit()) {
      throw Problem.badRequest("invalid-parameter", "limit must be from 1 to " + settings.maxLimit() + ", not " + limitValue);
    }
    int limit = ((Number) limitValue).intValue();
    Future<RowSet<Row>> rows = status == null
        ? db.pool().preparedQuery(selectByCustomer).execute(Tuple.of(customerId, limit))
        : db.pool().preparedQuery(selectByCustomerAndStatus).execute(Tuple.of(customerId, status, limit));
    return rows.map(result -> {
      JsonArray orders = new JsonArray();
      result.forEach(row -> orders.add(order(row)));
      JsonObject answer = new JsonObject().put("customer_id", customerId).put("orders", orders).put("limit", limit);
      return status == null ? answer : answer.put("status", status);
    }).recover(e -> Future.failedFuture(db.problem(e, BY_CUSTOMER)));
  }

  private static JsonObject order(Row row) {
    JsonObject order = new JsonObject().put("order_id", row.getString(0)).put("customer_id", row.getString(1))
        .put("status", row.getString(2)).put("total", Money.json(row.getBigDecimal(3))).put("item_count", row.getInteger(4))
        .put("created_at", row.getString(6)).put("version", row.getLong(8));
    if (row.getString(5) != null) {
      order.put("tracking_number", row.getString(5)).put("shipped_at", row.getString(7));
    }
    if (row.getString(9) != null) {
      order.put("correlation_id", row.getString(9));
    }
    return order;
  }
}
