package io.switchboard.examples.orders;

import io.switchboard.core.Problem;
import io.switchboard.cqrs.Aggregate;
import io.switchboard.cqrs.AggregateType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** The Order aggregate: created pending, then shipped once. Its stream is {@code order-{id}}. */
public final class Order extends Aggregate {

  public static final AggregateType<Order> TYPE = new AggregateType<>("order", Order::new);
  public static final String PENDING = "pending";
  public static final String SHIPPED = "shipped";

  private String customerId;
  private List<OrderLine> items = List.of();
  private BigDecimal total = BigDecimal.ZERO;
  private String status;
  private String trackingNumber;

  public Order(String id) {
    super(id);
    on(OrderCreated.TYPE, OrderCreated::from, this::created);
    on(OrderShipped.TYPE, OrderShipped::from, this::shipped);
  }

  // ------------------------------------------------------------------ decisions

  public void create(String customer, List<OrderLine> lines) {
    if (exists()) {
      throw Problem.conflict("order-exists", "order " + id() + " exists already", new JsonObject().put("order_status", status));
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (OrderLine line : lines) {
      sum = sum.add(line.amount());
    }
    raise(new OrderCreated(id(), customer, List.copyOf(lines), sum));
  }

  public void ship(String tracking) {
    if (!exists()) {
      throw new Problem(404, "order-not-found", "Not found", "there is no order " + id());
    }
    if (!PENDING.equals(status)) {
      throw Problem.conflict("order-not-pending", "order " + id() + " is " + status + ": only a pending order can ship",
          new JsonObject().put("order_status", status).put("tracking_number", trackingNumber));
    }
    raise(new OrderShipped(id(), tracking));
  }

  // ------------------------------------------------------------------ state

  private void created(OrderCreated event) {
    customerId = event.customerId();
    items = event.items();
    total = event.total();
    status = PENDING;
  }

  private void shipped(OrderShipped event) {
    trackingNumber = event.trackingNumber();
    status = SHIPPED;
  }

  public String status() {
    return status;
  }

  public String customerId() {
    return customerId;
  }

  public BigDecimal total() {
    return total;
  }

  public String trackingNumber() {
    return trackingNumber;
  }

  public List<OrderLine> items() {
    return items;
  }

  // ------------------------------------------------------------------ snapshots

  @Override
  protected boolean takesSnapshots() {
    return true;
  }

  @Override
  protected JsonObject snapshotState() {
    JsonArray lines = new JsonArray();
    items.forEach(line -> lines.add(line.toJson()));
    return new JsonObject().put("customer_id", customerId).put("items", lines).put("total", Money.json(total))
        .put("status", status).put("tracking_number", trackingNumber);
  }

  @Override
  protected void restoreState(JsonObject state) {
    customerId = state.getString("customer_id");
    List<OrderLine> lines = new ArrayList<>();
    JsonArray stored = state.getJsonArray("items", new JsonArray());
    for (int i = 0; i < stored.size(); i++) {
      lines.add(OrderLine.from(stored.getJsonObject(i)));
    }
    items = List.copyOf(lines);
    total = Money.of(state.getValue("total", 0));
    status = state.getString("status");
    trackingNumber = state.getString("tracking_number");
  }
}
