package io.switchboard.examples.orders;

import io.switchboard.cqrs.CqrsSettings;
import io.vertx.core.json.JsonObject;

/**
 * The {@code orders} section of the configuration.
 *
 * @param maxItems     lines one order may have
 * @param defaultLimit orders a customer query returns when it gives no limit
 * @param maxLimit     the largest limit a customer query may ask for
 */
record OrderSettings(int maxItems, int defaultLimit, int maxLimit) {

  static OrderSettings from(JsonObject conf) {
    Object value = conf.getValue("orders");
    if (value != null && !(value instanceof JsonObject)) {
      throw new IllegalArgumentException("orders must be a JSON object");
    }
    JsonObject orders = value == null ? new JsonObject() : (JsonObject) value;
    int maxLimit = CqrsSettings.integer(orders, "orders", "max_limit", 1000, 1);
    int defaultLimit = CqrsSettings.integer(orders, "orders", "default_limit", 100, 1);
    if (defaultLimit > maxLimit) {
      throw new IllegalArgumentException("orders.default_limit (" + defaultLimit + ") is above orders.max_limit (" + maxLimit + ")");
    }
    return new OrderSettings(CqrsSettings.integer(orders, "orders", "max_items", 100, 1), defaultLimit, maxLimit);
  }
}
