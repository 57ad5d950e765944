package io.switchboard.bench;

import io.switchboard.core.Addresses;
import io.switchboard.testing.TestHub;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The event store's throughput over the event bus, in a hub with the store and the topic router
 * (each append also becomes topic messages, as in production): single-event appends with 1 and
 * 16 writers on distinct streams, appends of 100 events, and stream and $all reads of 1000-event
 * pages. Prints one line per figure.
 *
 * <p>usage: StoreBench pg|h2 SECONDS [POSTGRES_URI SCHEMA]
 */
public final class StoreBench {

  private static final String DATA = new JsonObject().put("order_id", "o-1").put("amount", 125).put("currency", "EUR").encode();

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int seconds = Integer.parseInt(args[1]);
    JsonObject overrides = new JsonObject().put("eventstore", new JsonObject().put("max_read_limit", 1000));
    if (kind.equals("pg")) {
      overrides.put("postgres", new JsonObject().put("uri", args[2]).put("schema", args[3]).put("pool_size", 8));
    }
    TestHub hub = TestHub.start(overrides, System.getProperty("bench.verticles", "topic-router,event-store").split(","));
    try {
      EventBus bus = hub.vertx.eventBus();
      String run = Long.toString(System.nanoTime(), 36);
      // warm-up (JIT, connections), not measured
      measure(bus, 16, Math.min(seconds, 3), w -> single("warm-" + run + "-" + w));

      report(kind, "append x1  ", measure(bus, 1, seconds, w -> single("one-" + run)), 1, "appends/s");
      report(kind, "append x16 ", measure(bus, 16, seconds, w -> single("many-" + run + "-" + w)), 1, "appends/s");
      report(kind, "batch100 x1", measure(bus, 1, seconds, w -> batch("batch-" + run, 100)), 100, "events/s");

      String readStream = "read-" + run;
      for (int i = 0; i < 100; i++) {
        TestHub.await(bus.request(Addresses.EVENTSTORE_APPEND, batch(readStream, 100)));
      }
      report(kind, "read x4    ", measure(bus, 4, seconds, w -> new JsonObject().put("stream", readStream)
          .put("from", ThreadLocalRandom.current().nextInt(9) * 1000).put("limit", 1000), Addresses.EVENTSTORE_READ),
          1000, "events/s");
      report(kind, "read$all x4", measure(bus, 4, seconds, w -> new JsonObject().put("stream", "$all")
          .put("from_position", 1 + ThreadLocalRandom.current().nextInt(9) * 1000).put("limit", 1000),
          Addresses.EVENTSTORE_READ), 1000, "events/s");
    } finally {
      hub.close();
    }
  }

  private static JsonObject single(String stream) {
    return new JsonObject().put("stream", stream)
        .put("events", new JsonObject().put("type", "order.placed").put("data", new JsonObject(DATA)));
  }

  private static JsonObject batch(String stream, int size) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < size; i++) {
      events.add(new JsonObject().put("type", "order.placed").put("data", new JsonObject(DATA)));
    }
    return new JsonObject().put("stream", stream).put("events", events);
  }

  private record Result(long calls, double seconds) {}

  private static Result measure(EventBus bus, int concurrency, int seconds, IntFunction<JsonObject> request) throws InterruptedException {
    return measure(bus, concurrency, seconds, request, Addresses.EVENTSTORE_APPEND);
  }

  /** Each of {@code concurrency} loops sends its next request when the last is answered, for the duration. */
  private static Result measure(EventBus bus, int concurrency, int seconds, IntFunction<JsonObject> request, String address)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong calls = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int w = 0; w < concurrency; w++) {
      int writer = w;
      Runnable[] loop = new Runnable[1];
      loop[0] = () -> {
        if (System.nanoTime() > deadline) {
          done.countDown();
          return;
        }
        bus.request(address, request.apply(writer)).onComplete(ar -> {
          if (ar.succeeded()) {
            calls.incrementAndGet();
          } else if (failures.incrementAndGet() == 1) {
            System.err.println("request failed: " + ar.cause());
          }
          loop[0].run();
        });
      };
      loop[0].run();
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
    return new Result(calls.get(), (System.nanoTime() - start) / 1e9);
  }

  private static void report(String kind, String label, Result r, int perCall, String unit) {
    System.out.printf(Locale.ROOT, "%s %s %,10.0f %s%n", kind, label, r.calls() * perCall / r.seconds(), unit);
  }
}
