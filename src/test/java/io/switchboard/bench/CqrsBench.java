package io.switchboard.bench;

import io.switchboard.core.Addresses;
import io.switchboard.cqrs.ProjectorVerticle;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Order projection's throughput on PostgreSQL, in a hub started in this JVM: {@code rebuild
 * EVENTS}: EVENTS order events (order.created + order.shipped per order, appended straight to the
 * store) caught up by a projector started afterwards, then rebuilt from zero on request; prints
 * events/s for both. (Commands over REST: {@link RestCommandBench}, from a separate process.)
 *
 * <p>usage: CqrsBench POSTGRES_URI SCHEMA rebuild EVENTS
 */
public final class CqrsBench {

  public static void main(String[] args) throws Exception {
    JsonObject overrides = new JsonObject().put("postgres", new JsonObject().put("uri", args[0]).put("schema", args[1]));
    switch (args[2]) {
      case "rebuild" -> rebuild(overrides, Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("unknown phase " + args[2]);
    }
    System.exit(0);
  }

  // ------------------------------------------------------------------ projection catch-up and rebuild

  private static void rebuild(JsonObject overrides, int events) throws Exception {
    TestHub hub = TestHub.start(overrides, "topic-router", "event-store");
    try {
      EventBus bus = hub.vertx.eventBus();
      load(bus, events / 2);
      long head = head(bus);
      long start = System.nanoTime();
      TestHub.await(hub.vertx.deployVerticle(ProjectorVerticle.class, new DeploymentOptions().setConfig(hub.conf)));
      awaitPosition(bus, head);
      report("catch-up", head, start);

      start = System.nanoTime();
      TestHub.await(bus.request(Addresses.PROJECTIONS_ADMIN, new JsonObject().put("name", "orders").put("action", "rebuild")));
      awaitPosition(bus, head);
      report("rebuild ", head, start);
    } finally {
      hub.close();
    }
  }

  /** {@code orders} orders, each created and shipped in one append of two events, 32 appends in flight. */
  private static void load(EventBus bus, int orders) throws Exception {
    AtomicLong next = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int w = 0; w < 32; w++) {
      Promise<Void> finished = Promise.promise();
      loops.add(finished.future());
      append(bus, orders, next, finished);
    }
    Future.all(loops).await(600, TimeUnit.SECONDS);
  }

  private static void append(EventBus bus, int orders, AtomicLong next, Promise<Void> finished) {
    long n = next.getAndIncrement();
    if (n >= orders) {
      finished.complete();
      return;
    }
    String id = UUID.randomUUID().toString();
    JsonObject created = new JsonObject().put("order_id", id).put("customer_id", "cu-" + (n % 1000)).put("items", new JsonArray()
        .add(new JsonObject().put("product_id", "p-1").put("quantity", 2).put("price", 19.99))
        .add(new JsonObject().put("product_id", "p-2").put("quantity", 1).put("price", 5))).put("total", 44.98);
    JsonObject append = new JsonObject().put("stream", "order-" + id).put("expected_version", "no_stream").put("events", new JsonArray()
        .add(new JsonObject().put("type", "order.created").put("data", created))
        .add(new JsonObject().put("type", "order.shipped").put("data", new JsonObject().put("order_id", id).put("tracking_number", "T-" + n))));
    bus.request(Addresses.EVENTSTORE_APPEND, append).onComplete(ar -> {
      if (ar.failed()) {
        finished.tryFail(ar.cause());
        return;
      }
      append(bus, orders, next, finished);
    });
  }

  private static long head(EventBus bus) {
    JsonArray last = TestHub.await(bus.<JsonObject>request(Addresses.EVENTSTORE_READ, new JsonObject().put("stream", "$all")
        .put("direction", "backward").put("limit", 1))).body().getJsonArray("events");
    return last.isEmpty() ? 0 : last.getJsonObject(0).getLong("position");
  }

  private static JsonObject ordersProjection(EventBus bus) {
    JsonArray list = TestHub.await(bus.<JsonObject>request(Addresses.PROJECTIONS_LIST, new JsonObject())).body().getJsonArray("projections");
    for (int i = 0; i < list.size(); i++) {
      if (list.getJsonObject(i).getString("name").equals("orders")) {
        return list.getJsonObject(i);
      }
    }
    throw new IllegalStateException("no orders projection in " + list.encode());
  }

  private static void awaitPosition(EventBus bus, long head) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        JsonObject orders = ordersProjection(bus);
        if (orders.getLong("position") >= head && "running".equals(orders.getString("status"))) {
          return;
        }
      } catch (RuntimeException notYet) {
        // the projector is still starting
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the projection did not reach " + head);
  }

  private static void report(String what, long events, long startNanos) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf(Locale.ROOT, "pg projection %s %,10.0f events/s (%,d order events in %.1f s)%n", what, events / seconds,
        events, seconds);
  }
}
