package io.switchboard.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderTest {

  static List<OrderLine> lines() {
    return List.of(new OrderLine("p-1", 2, new BigDecimal("19.99")), new OrderLine("p-2", 1, new BigDecimal("5")));
  }

  @Test
  void anOrderIsCreatedPendingWithItsTotalAndShipsOnce() {
    Order order = new Order("o-1");
    order.create("cu-1", lines());
    assertThat(order.status()).isEqualTo("pending");
    assertThat(order.total()).isEqualByComparingTo("44.98");
    assertThat(order.uncommittedEvents()).hasSize(1);
    OrderCreated created = (OrderCreated) order.uncommittedEvents().get(0);
    assertThat(created.toJson().encode()).isEqualTo("{\"order_id\":\"o-1\",\"customer_id\":\"cu-1\",\"items\":["
        + "{\"product_id\":\"p-1\",\"quantity\":2,\"price\":19.99},{\"product_id\":\"p-2\",\"quantity\":1,\"price\":5}],"
        + "\"total\":44.98}");
    order.ship("T-1");
    assertThat(order.status()).isEqualTo("shipped");
    assertThat(order.version()).isEqualTo(1);
    Problem twice = (Problem) catchThrowable(() -> order.ship("T-2"));
    assertThat(twice.status()).isEqualTo(409);
    assertThat(twice.code()).isEqualTo("order-not-pending");
    assertThat(twice.toJson().getInteger("status")).isEqualTo(409);
    assertThat(twice.toJson().getString("order_status")).isEqualTo("shipped");
    assertThat(order.uncommittedEvents()).hasSize(2);
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  @Test
  void onlyAnOrderThatExistsShipsAndOnlyOneThatDoesNotIsCreated() {
    Order missing = new Order("o-2");
    assertThatThrownBy(() -> missing.ship("T")).isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(404));
    Order order = new Order("o-3");
    order.create("cu", lines());
    assertThatThrownBy(() -> order.create("cu", lines()))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code()).isEqualTo("order-exists"));
  }

  @Test
  void snapshotStateRestoresTheSameOrder() {
    Order order = new Order("o-4");
    order.create("cu", lines());
    order.ship("T-9");
    Order restored = new Order("o-4");
    restored.restoreState(order.snapshotState());
    assertThat(restored.snapshotState()).isEqualTo(order.snapshotState());
    assertThat(restored.status()).isEqualTo("shipped");
    assertThat(restored.trackingNumber()).isEqualTo("T-9");
    assertThat(restored.items()).isEqualTo(order.items());
  }

  @Test
  void createOrderListsEveryProblem() {
    JsonObject bad = new JsonObject().put("customer_id", " ").put("colour", "red").put("items", new JsonArray()
        .add(new JsonObject().put("product_id", "p").put("quantity", 1.5).put("price", "9"))
        .add("not an item")
        .add(new JsonObject().put("product_id", "q").put("quantity", 1).put("price", 0.00001)));
    Problem problem = (Problem) catchThrowable(() -> OrderCommands.createOrder(bad, 100));
    assertThat(problem.status()).isEqualTo(422);
    assertThat(problem.code()).isEqualTo("invalid-command");
    JsonArray errors = problem.toJson().getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field"))).containsExactly(
        "colour", "customer_id", "items[0].quantity", "items[0].price", "items[1]", "items[2].price");
    assertThat(problem.detail()).startsWith("CreateOrder is invalid: colour is not a field of CreateOrder");

    JsonObject tooMany = new JsonObject().put("customer_id", "c").put("items", new JsonArray()
        .add(new JsonObject().put("product_id", "p").put("quantity", 1).put("price", 1))
        .add(new JsonObject().put("product_id", "p").put("quantity", 1).put("price", 1)));
    assertThat(((Problem) catchThrowable(() -> OrderCommands.createOrder(tooMany, 1))).detail()).contains("at most 1");
    OrderCommands.CreateOrder ok = OrderCommands.createOrder(tooMany, 2);
    assertThat(ok.items()).hasSize(2);
    assertThat(ok.orderId()).isNull();
  }

  @Test
  void shipOrderNeedsATrackingNumberAndAValidId() {
    Problem problem = (Problem) catchThrowable(() -> OrderCommands.shipOrder(new JsonObject().put("order_id", "a b")));
    assertThat(problem.toJson().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactly("order_id", "tracking_number");
  }

  @Test
  void moneyIsWrittenPlainly() {
    assertThat(Money.json(new BigDecimal("20.0000"))).isEqualTo(20L);
    assertThat(Money.json(new BigDecimal("2E+1"))).isEqualTo(20L);
    assertThat(new JsonObject().put("p", Money.json(new BigDecimal("19.9900"))).encode()).isEqualTo("{\"p\":19.99}");
    assertThat(Money.of(19.99)).isEqualByComparingTo("19.99");
  }
}
