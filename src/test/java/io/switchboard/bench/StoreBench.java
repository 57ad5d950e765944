package io.switchboard.bench;

import io.switchboard.core.Addresses;
import io.switchboard.testing.TestHub;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
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
 * <p>usage: StoreBench pg SECONDS POSTGRES_URI SCHEMA [PHASE…] | StoreBench h2 SECONDS [PHASE…], phases
 * append1, append16, batch100, reads (default: all); each runs 3 s unmeasured first.
 */
public final class StoreBench {

  private static final String DATA = new JsonObject().put("order_id", "o-1").put("amount", 125).put("currency", "EUR").encode();

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int seconds = Integer.parseInt(args[1]);
    // The scavenger runs when the scavenge phase asks, not on its timer.
    JsonObject overrides = new JsonObject().put("eventstore", new JsonObject().put("max_read_limit", 1000)
        .put("scavenge_ms", 3_600_000).put("scavenge_batch", Integer.getInteger("bench.scavenge.batch", 500))
        .put("scavenge_pause_ms", Integer.getInteger("bench.scavenge.pause", 100)));
    int phasesFrom = 2;
    if (kind.equals("pg")) {
      overrides.put("postgres", new JsonObject().put("uri", args[2]).put("schema", args[3]).put("pool_size", 8));
      phasesFrom = 4;
    }
    List<String> phases = args.length > phasesFrom ? List.of(args).subList(phasesFrom, args.length)
        : List.of("append1", "append16", "batch100", "reads");
    TestHub hub = TestHub.start(overrides, "topic-router", "event-store");
    try {
      EventBus bus = hub.vertx.eventBus();
      String run = Long.toString(System.nanoTime(), 36);
      for (String phase : phases) {
        switch (phase) {
          case "append1" -> {
            measure(bus, 1, 3, w -> single("warm-" + run), Addresses.EVENTSTORE_APPEND);
            report(kind, "append x1  ", measure(bus, 1, seconds, w -> single("one-" + run), Addresses.EVENTSTORE_APPEND), 1, "appends/s");
          }
          case "append16" -> {
            measure(bus, 16, 3, w -> single("warm-" + run + "-" + w), Addresses.EVENTSTORE_APPEND);
            report(kind, "append x16 ", measure(bus, 16, seconds, w -> single("many-" + run + "-" + w),
                Addresses.EVENTSTORE_APPEND), 1, "appends/s");
          }
          case "batch100" -> {
            measure(bus, 1, 3, w -> batch("warm-batch-" + run, 100), Addresses.EVENTSTORE_APPEND);
            report(kind, "batch100 x1", measure(bus, 1, seconds, w -> batch("batch-" + run, 100),
                Addresses.EVENTSTORE_APPEND), 100, "events/s");
          }
          case "reads" -> reads(bus, kind, seconds, "read-" + run);
          case "scavenge" -> scavenge(bus, kind, seconds, run);
          default -> throw new IllegalArgumentException("unknown phase " + phase);
        }
      }
    } finally {
      hub.close();
    }
  }

  /** Stream and $all reads of 1000-event pages, 4 readers, over a stream of 10,000 events. */
  private static void reads(EventBus bus, String kind, int seconds, String stream) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      TestHub.await(bus.request(Addresses.EVENTSTORE_APPEND, batch(stream, 100)));
    }
    long first = TestHub.await(bus.<JsonObject>request(Addresses.EVENTSTORE_READ, new JsonObject().put("stream", stream)
        .put("limit", 1))).body().getJsonArray("events").getJsonObject(0).getLong("position");
    IntFunction<JsonObject> streamPage = w -> new JsonObject().put("stream", stream)
        .put("from", ThreadLocalRandom.current().nextInt(9) * 1000).put("limit", 1000);
    IntFunction<JsonObject> allPage = w -> new JsonObject().put("stream", "$all")
        .put("from_position", first + ThreadLocalRandom.current().nextInt(9) * 1000).put("limit", 1000);
    measure(bus, 4, 3, streamPage, Addresses.EVENTSTORE_READ);
    report(kind, "read x4    ", measure(bus, 4, seconds, streamPage, Addresses.EVENTSTORE_READ), 1000, "events/s");
    report(kind, "read$all x4", measure(bus, 4, seconds, allPage, Addresses.EVENTSTORE_READ), 1000, "events/s");
  }

  /**
   * Appends at 16 writers while the scavenger deletes {@code bench.scavenge.events} (default
   * 200,000) events, against the same appends just before without it. The events are written in
   * streams of 1000 and hidden by {@code truncate_before}; the pass runs alongside the second
   * measurement (and what it deleted within it is reported).
   */
  private static void scavenge(EventBus bus, String kind, int seconds, String run) throws InterruptedException {
    int total = Integer.getInteger("bench.scavenge.events", 200_000);
    for (int i = 0; i < total / 1000; i++) {
      String stream = "old-" + run + "-" + i;
      TestHub.await(bus.request(Addresses.EVENTSTORE_APPEND, batch(stream, 1000)));
      TestHub.await(bus.request(Addresses.EVENTSTORE_METADATA_PUT, new JsonObject().put("stream", stream).put("truncate_before", 1000)));
    }
    measure(bus, 16, 3, w -> single("warm-s-" + run + "-" + w), Addresses.EVENTSTORE_APPEND);
    Result without = measure(bus, 16, seconds, w -> single("plain-" + run + "-" + w), Addresses.EVENTSTORE_APPEND);
    long start = System.nanoTime();
    AtomicLong finishedAt = new AtomicLong();
    io.vertx.core.Future<io.vertx.core.eventbus.Message<JsonObject>> pass = bus.request(Addresses.EVENTSTORE_SCAVENGE, new JsonObject(),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(600_000));
    pass.onComplete(ar -> finishedAt.set(System.nanoTime()));
    Result with = measure(bus, 16, seconds, w -> single("busy-" + run + "-" + w), Addresses.EVENTSTORE_APPEND);
    JsonObject done;
    try {
      done = pass.toCompletionStage().toCompletableFuture().get(600, TimeUnit.SECONDS).body();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the scavenger pass did not finish", e);
    }
    double passSeconds = ((finishedAt.get() == 0 ? System.nanoTime() : finishedAt.get()) - start) / 1e9;
    report(kind, "append x16 without scavenger", without, 1, "appends/s");
    report(kind, "append x16 while scavenging ", with, 1, "appends/s");
    System.out.printf(Locale.ROOT, "%s ratio %.2f; the pass deleted %,d events (%,d bytes) in %.1f s (%,.0f events/s); "
            + "the measurement took %.1f s%n", kind, (with.calls() / with.seconds()) / (without.calls() / without.seconds()),
        done.getLong("events"), done.getLong("bytes"), passSeconds, done.getLong("events") / passSeconds, with.seconds());
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
