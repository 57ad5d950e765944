package io.switchboard.examples.orders;

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

  public static OrderCreated from(JsonObject json) {
    JsonArray lines = json.getJsonArray("items");
    List<OrderLine> items = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      items.add(OrderLine.from(lines.getJsonObject(i)));
    }
    return new OrderCreated(json.getString("order_id"), json.getString("customer_id"), List.copyOf(items),
        Money.of(json.getValue("total")));
  }
}
