package io.switchboard.examples.orders;

import io.switchboard.cqrs.Undecodable;
import io.switchboard.cqrs.DomainEvent;
import io.vertx.core.json.JsonObject;

/** {@code order.shipped}: the order left with this tracking number. */
public record OrderShipped(String orderId, String trackingNumber) implements DomainEvent {

  public static final String TYPE = "order.shipped";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("order_id", orderId).put("tracking_number", trackingNumber);
  }

  public static OrderShipped from(JsonObject json) {
    return new OrderShipped(json.getString("order_id"), Undecodable.string(json, "", "tracking_number"));
  }
}
