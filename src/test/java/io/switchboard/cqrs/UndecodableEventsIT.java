package io.switchboard.cqrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.testing.Http;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * What the README's store example once did to the Order example: an {@code order.created} without
 * {@code items} on an order's stream. The {@code orders} projection reports what is wrong with the
 * event (never a NullPointerException) and stops; with {@code cqrs.undecodable.orders: skip} it
 * records the event as skipped, shows it in its status, and the Order example goes on.
 */
class UndecodableEventsIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String JSON = "application/json";

  @Test
  void anUndecodableEventIsNamedAndStopsTheProjectionOrIsSkippedByPolicy() {
    JsonObject fast = new JsonObject().put("eventstore", new JsonObject().put("poll_ms", 100))
        .put("cqrs", new JsonObject().put("lock_retry_ms", 100).put("lag_refresh_ms", 100));
    try (TestHub hub = TestHub.start(fast, "gateway", "event-store", "orders")) {
      String stop = TestHub.await(hub.vertx.deployVerticle(ProjectorVerticle.class, new DeploymentOptions().setConfig(hub.conf)));
      HttpResponse<String> appended = Http.post(hub.uri("/api/v1/streams/order-1/events"),
          new JsonArray().add(new JsonObject().put("type", "order.created").put("data", new JsonObject().put("total", 42)))
              .add(new JsonObject().put("type", "order.paid").put("data", new JsonObject())).encode(),
          "Content-Type", JSON, "Expected-Version", "no_stream");
      assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
      long position = Http.json(appended).getLong("position") - 1;

      // The default policy, stop: the status says which event and what it lacks.
      await(() -> "failed".equals(orders(hub).getString("status")), "the orders projection stops");
      JsonObject failed = orders(hub);
      assertThat(failed.getString("error")).isEqualTo("order.created at position " + position + " lacks `items`");
      assertThat(failed.getJsonObject("failed_event").getLong("position")).isEqualTo(position);
      assertThat(failed.getLong("skipped_events")).isZero();

      // The skip policy (per projection, in conf): a retry passes over the event and records it.
      TestHub.await(hub.vertx.undeploy(stop));
      JsonObject skipConf = hub.conf.copy();
      skipConf.getJsonObject("cqrs").put("undecodable", new JsonObject().put("orders", "skip"));
      TestHub.await(hub.vertx.deployVerticle(ProjectorVerticle.class, new DeploymentOptions().setConfig(skipConf)));
      await(() -> Http.post(hub.uri("/api/v1/projections/orders/retry"), "").statusCode() == 200, "a runner takes the retry");
      await(() -> "running".equals(orders(hub).getString("status")) && orders(hub).getLong("lag_events") == 0,
          "the orders projection passes the event over");
      JsonObject running = orders(hub);
      assertThat(running.getLong("skipped_events")).isEqualTo(1);
      assertThat(running.getLong("last_skipped_position")).isEqualTo(position);

      // The Order example works after it.
      HttpResponse<String> created = Http.post(hub.uri("/api/v1/orders"), new JsonObject().put("customer_id", "c-1")
          .put("items", new JsonArray().add(new JsonObject().put("product_id", "p-1").put("quantity", 1).put("price", 5))).encode(),
          "Content-Type", JSON);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String orderId = Http.json(created).getString("order_id");
      await(() -> Http.get(hub.uri("/api/v1/orders/" + orderId)).statusCode() == 200, "the new order is readable");

      // A skip policy that is neither stop nor skip is refused, naming the field.
      JsonObject wrong = hub.conf.copy();
      wrong.getJsonObject("cqrs").put("undecodable", new JsonObject().put("orders", "ignore"));
      assertThatThrownBy(() -> CqrsSettings.from(wrong)).hasMessageContaining("cqrs.undecodable.orders");
    }
  }

  private static JsonObject orders(TestHub hub) {
    HttpResponse<String> list = Http.get(hub.uri("/api/v1/projections"));
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    for (Object p : Http.json(list).getJsonArray("projections")) {
      if (((JsonObject) p).getString("name").equals("orders")) {
        return (JsonObject) p;
      }
    }
    throw new AssertionError("no orders projection in " + list.body());
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
