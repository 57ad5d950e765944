package io.switchboard.examples.orders;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;

/** One line of an order: a product, how many, and the unit price. */
public record OrderLine(String productId, int quantity, BigDecimal price) {

  public JsonObject toJson() {
    return new JsonObject().put("product_id", productId).put("quantity", quantity).put("price", Money.json(price));
  }

  static OrderLine from(JsonObject json) {
    return new OrderLine(json.getString("product_id"), json.getInteger("quantity"), Money.of(json.getValue("price")));
  }

  BigDecimal amount() {
    return price.multiply(BigDecimal.valueOf(quantity));
  }
}
