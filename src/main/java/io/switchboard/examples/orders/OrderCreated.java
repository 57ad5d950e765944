package io.switchboard.examples.orders;

import io.switchboard.cqrs.Undecodable;
import io.switchboard.cqrs.DomainEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** {@code order.created}: a customer placed an order for these lines, worth {@code total}. */
public record OrderCreated(String orderId, String customerId, List<OrderLine> items, BigDecimal total) implements DomainEvent {

  public static final String TYPE = "order.created";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public JsonObject toJson() {
    JsonArray lines = new JsonArray();
    items.forEach(line -> lines.add(line.toJson()));
    return new JsonObject().put("order_id", orderId).put("customer_id", customerId).put("items", lines)
        .put("total", Money.json(total));
  }

  /** Decodes the event's data; what it lacks or has wrong is an {@link Undecodable} naming the field. */
  public static OrderCreated from(JsonObject json) {
    JsonArray lines = Undecodable.array(json, "", "items");
    List<OrderLine> items = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      if (!(lines.getValue(i) instanceof JsonObject line)) {
        throw new Undecodable("has `items[" + i + "]` that is not an object");
      }
      items.add(OrderLine.from(line, "items[" + i + "]"));
    }
    return new OrderCreated(Undecodable.string(json, "", "order_id"), Undecodable.string(json, "", "customer_id"),
        List.copyOf(items), Money.of(Undecodable.number(json, "", "total")));
  }
}
