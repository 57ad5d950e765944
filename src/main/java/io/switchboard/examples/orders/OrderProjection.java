package io.switchboard.examples.orders;

import io.switchboard.core.Addresses;
import io.switchboard.cqrs.Projection;
import io.switchboard.cqrs.ProjectionTx;
import io.switchboard.cqrs.RecordedEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code orders} projection: one row per order in {@code order_read_model} and one per line
 * in {@code order_items_read_model}. The order's id is its stream's ({@code order-{id}}).
 */
public final class OrderProjection implements Projection {

  public static final String NAME = "orders";
  private static final String STREAM_PREFIX = Order.TYPE.category() + "-";
  /** Where the store appends its deletion markers (see the README, "what a reader sees"). */
  private static final String DELETED_STREAM = "$deleted";

  private static final String INSERT_ORDER = "INSERT INTO order_read_model (order_id, customer_id, status, total, item_count, "
      + "created_at, created_position, version, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  private static final String INSERT_ITEM = "INSERT INTO order_items_read_model (order_id, line, product_id, quantity, price) "
      + "VALUES ($1, $2, $3, $4, $5)";
  private static final String SHIP = "UPDATE order_read_model SET status = $1, tracking_number = $2, shipped_at = $3, version = $4 "
      + "WHERE order_id = $5";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> eventTypes() {
    return Set.of(OrderCreated.TYPE, OrderShipped.TYPE, Addresses.STREAM_DELETED_TYPE);
  }

  @Override
  public String migrations() {
    return "orders";
  }

  @Override
  public boolean pipelinable() {
    return true;
  }

  @Override
  public Future<Void> apply(RecordedEvent event, ProjectionTx tx) {
    if (Addresses.STREAM_DELETED_TYPE.equals(event.type())) {
      return removeDeleted(event, tx);
    }
    if (!event.stream().startsWith(STREAM_PREFIX)) {
      throw new IllegalArgumentException(event.type() + " on stream " + event.stream() + ", which is not an order's");
    }
    String orderId = event.stream().substring(STREAM_PREFIX.length());
    if (OrderCreated.TYPE.equals(event.type())) {
      OrderCreated created = OrderCreated.from(event.dataObject());
      List<Tuple> lines = new ArrayList<>(created.items().size());
      for (int i = 0; i < created.items().size(); i++) {
        OrderLine line = created.items().get(i);
        lines.add(Tuple.of(orderId, i, line.productId(), line.quantity(), line.price()));
      }
      // Issued together: on PostgreSQL both travel in one round trip, in this order.
      Future<?> order = tx.execute(INSERT_ORDER, Tuple.of(orderId, created.customerId(), Order.PENDING, created.total(),
          created.items().size(), event.time(), event.position(), event.version()).addString(event.correlationId()));
      Future<Void> items = tx.executeBatch(INSERT_ITEM, lines);
      return Future.all(order, items).mapEmpty();
    }
    OrderShipped shipped = OrderShipped.from(event.dataObject());
    return tx.execute(SHIP, Tuple.of(Order.SHIPPED, shipped.trackingNumber(), event.time(), event.version(), orderId))
        .compose(rows -> rows.rowCount() == 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("order.shipped for order " + orderId + ", which the read model does not have")));
  }

  /** An order's stream was deleted (soft or hard): the order leaves the read model. */
  private Future<Void> removeDeleted(RecordedEvent event, ProjectionTx tx) {
    String stream = event.dataObject().getString("stream", "");
    if (!DELETED_STREAM.equals(event.stream()) || !stream.startsWith(STREAM_PREFIX)) {
      return Future.succeededFuture();
    }
    String orderId = stream.substring(STREAM_PREFIX.length());
    return tx.execute("DELETE FROM order_items_read_model WHERE order_id = $1", Tuple.of(orderId))
        .compose(v -> tx.execute("DELETE FROM order_read_model WHERE order_id = $1", Tuple.of(orderId)))
        .mapEmpty();
  }

  @Override
  public Future<Void> reset(ProjectionTx tx) {
    return tx.execute("DELETE FROM order_items_read_model", Tuple.tuple())
        .compose(v -> tx.execute("DELETE FROM order_read_model", Tuple.tuple()))
        .mapEmpty();
  }
}
