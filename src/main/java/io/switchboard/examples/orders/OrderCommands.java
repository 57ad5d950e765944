package io.switchboard.examples.orders;

import io.switchboard.cqrs.AggregateType;
import io.switchboard.cqrs.Violations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The Order commands, read and checked from their JSON (a 422 listing every problem when invalid). */
final class OrderCommands {

  static final String CREATE = "CreateOrder";
  static final String SHIP = "ShipOrder";

  private static final int MAX_TEXT = 100;
  private static final int MAX_QUANTITY = 1_000_000;
  private static final BigDecimal MAX_PRICE = new BigDecimal("1000000000");

  /** {@code CreateOrder {"customer_id", "items": [{"product_id","quantity","price"}], "order_id"?}}. */
  record CreateOrder(String orderId, String customerId, List<OrderLine> items) {}

  /** {@code ShipOrder {"order_id", "tracking_number"}}. */
  record ShipOrder(String orderId, String trackingNumber) {}

  private OrderCommands() {}

  static CreateOrder createOrder(JsonObject payload, int maxItems) {
    Violations v = new Violations(CREATE);
    v.onlyFields(payload, Set.of("customer_id", "items", "order_id"), "");
    String customer = v.text(payload, "customer_id", "customer_id", MAX_TEXT, true);
    String orderId = orderId(payload, v, false);
    List<OrderLine> lines = new ArrayList<>();
    Object items = payload.getValue("items");
    if (!(items instanceof JsonArray array) || array.isEmpty()) {
      v.add("items", "must be a non-empty list of {product_id, quantity, price}");
    } else if (array.size() > maxItems) {
      v.add("items", "has " + array.size() + " lines; an order has at most " + maxItems);
    } else {
      for (int i = 0; i < array.size(); i++) {
        OrderLine line = line(array.getValue(i), "items[" + i + "]", v);
        if (line != null) {
          lines.add(line);
        }
      }
    }
    v.throwIfAny();
    return new CreateOrder(orderId, customer, List.copyOf(lines));
  }

  static ShipOrder shipOrder(JsonObject payload) {
    Violations v = new Violations(SHIP);
    v.onlyFields(payload, Set.of("order_id", "tracking_number"), "");
    String orderId = orderId(payload, v, true);
    String tracking = v.text(payload, "tracking_number", "tracking_number", MAX_TEXT, true);
    v.throwIfAny();
    return new ShipOrder(orderId, tracking);
  }

  private static String orderId(JsonObject payload, Violations v, boolean required) {
    String id = v.text(payload, "order_id", "order_id", MAX_TEXT, required);
    if (id != null && !AggregateType.isValidId(id)) {
      v.add("order_id", "must be 1-100 of A-Z a-z 0-9 _ . : -");
      return null;
    }
    return id;
  }

  private static OrderLine line(Object value, String path, Violations v) {
    if (!(value instanceof JsonObject item)) {
      v.add(path, "must be an object {product_id, quantity, price}");
      return null;
    }
    v.onlyFields(item, Set.of("product_id", "quantity", "price"), path + ".");
    String product = v.text(item, "product_id", path + ".product_id", MAX_TEXT, true);
    Object quantity = item.getValue("quantity");
    boolean quantityOk = (quantity instanceof Integer || quantity instanceof Long)
        && ((Number) quantity).longValue() >= 1 && ((Number) quantity).longValue() <= MAX_QUANTITY;
    if (!quantityOk) {
      v.add(path + ".quantity", "must be a whole number from 1 to " + MAX_QUANTITY);
    }
    BigDecimal price = null;
    Object priceValue = item.getValue("price");
    if (!(priceValue instanceof Number)) {
      v.add(path + ".price", "must be a number");
    } else {
      price = Money.of(priceValue);
      if (price.signum() < 0 || price.compareTo(MAX_PRICE) > 0) {
        v.add(path + ".price", "must be from 0 to " + MAX_PRICE.toPlainString());
        price = null;
      } else if (price.stripTrailingZeros().scale() > Money.SCALE) {
        v.add(path + ".price", "has more than " + Money.SCALE + " decimal places");
        price = null;
      }
    }
    return product == null || !quantityOk || price == null ? null
        : new OrderLine(product, ((Number) quantity).intValue(), price.stripTrailingZeros());
  }
}
