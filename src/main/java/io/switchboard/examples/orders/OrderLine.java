package io.switchboard.examples.orders;

import io.switchboard.cqrs.Undecodable;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;

/** One line of an order: a product, how many, and the unit price. */
public record OrderLine(String productId, int quantity, BigDecimal price) {

  public JsonObject toJson() {
    return new JsonObject().put("product_id", productId).put("quantity", quantity).put("price", Money.json(price));
  }

  static OrderLine from(JsonObject json) {
    return from(json, "");
  }

  /** Decodes a line found at {@code path} of an event; what it lacks is an {@link Undecodable} naming the field. */
  static OrderLine from(JsonObject json, String path) {
    Number quantity = Undecodable.number(json, path, "quantity");
    return new OrderLine(Undecodable.string(json, path, "product_id"), quantity.intValue(),
        Money.of(Undecodable.number(json, path, "price")));
  }

  BigDecimal amount() {
    return price.multiply(BigDecimal.valueOf(quantity));
  }
}
