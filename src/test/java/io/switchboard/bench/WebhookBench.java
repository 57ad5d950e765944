package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Webhook deliveries to a local receiver, beside a bare vertx-web-client POST loop to the same
 * receiver at the same concurrency, in one run.
 *
 * <ul>
 *   <li><b>bare</b>: C requests in flight of a 330-byte CloudEvent with Standard Webhooks headers, for S
 *       seconds after a warm-up: requests/s;</li>
 *   <li><b>throughput</b>: E endpoints (each {@code max_in_flight} = C / E, at least 1) for every event;
 *       N events appended to the event store in batches of 500; deliveries/s from the first append to
 *       the last receipt (the hub fans out, signs, sends and records every attempt meanwhile);</li>
 *   <li><b>latency</b>: topic messages published over HTTP at R/s for S seconds, each carrying its send
 *       time; publish-to-receipt per delivery, same clock.</li>
 * </ul>
 *
 * <p>The receiver answers 204 at once, or after RECEIVER_MS (a timer, no thread held), like a receiver
 * that does some work per event.
 *
 * <p>usage: WebhookBench HUB_URL ENDPOINTS CONCURRENCY EVENTS RATE SECONDS [RECEIVER_MS]
 */
public final class WebhookBench {

  private static final String BODY = new JsonObject().put("specversion", "1.0").put("id", "bench-0000000000000000")
      .put("source", "/switchboard/bench").put("type", "bench.tick").put("time", "2026-11-27T00:00:00.000Z")
      .put("datacontenttype", "application/json").put("data", new JsonObject().put("order_id", "o-1").put("amount", 125)
          .put("currency", "EUR").put("note", "x".repeat(120))).encode();

  public static void main(String[] args) throws Exception {
    java.net.URI hub = java.net.URI.create(args[0]);
    int endpoints = Integer.parseInt(args[1]);
    int concurrency = Integer.parseInt(args[2]);
    int events = Integer.parseInt(args[3]);
    int rate = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    long receiverMs = args.length > 6 ? Long.parseLong(args[6]) : 0;
    int perEndpoint = Math.max(1, concurrency / endpoints);
    int sameConcurrency = perEndpoint * endpoints;
    String run = Long.toString(System.nanoTime(), 36);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Receiver receiver = new Receiver();
    HttpServer server = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Runnable answer = () -> {
        if (!req.path().equals("/bare")) {
          receiver.got(body);
        }
        req.response().setStatusCode(204).end();
      };
      if (receiverMs > 0) {
        vertx.setTimer(receiverMs, t -> answer.run());
      } else {
        answer.run();
      }
    })).listen(0, "127.0.0.1"));
    String target = "http://127.0.0.1:" + server.actualPort();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setFollowRedirects(false),
        new PoolOptions().setHttp1MaxSize(sameConcurrency));

    // ------------------------------------------------------------- bare loop
    bareLoop(client, target, sameConcurrency, 2);
    double bare = bareLoop(client, target, sameConcurrency, seconds);
    System.out.printf(Locale.ROOT, "bare   %d in flight, receiver answering after %d ms: %,.0f POST/s%n", sameConcurrency,
        receiverMs, bare);

    // ------------------------------------------------------------- the hub
    for (int e = 0; e < endpoints; e++) {
      JsonObject endpoint = new JsonObject().put("url", target + "/e" + e).put("events", new JsonArray().add("bench" + run + ".#"))
          .put("max_in_flight", perEndpoint);
      HttpResponse<Buffer> created = await(client.postAbs(hub + "/api/v1/webhooks").sendJsonObject(endpoint));
      if (created.statusCode() != 201) {
        throw new IllegalStateException("cannot create an endpoint: " + created.bodyAsString());
      }
    }
    String type = "bench" + run + ".stored";
    // Warm-up, then the measured backlog.
    append(client, hub, "warm" + run, type, Math.min(2000, events), 0);
    receiver.await(Math.min(2000, events) * (long) endpoints, 120);
    receiver.reset();
    long start = System.nanoTime();
    append(client, hub, "load" + run, type, events, 0);
    long appended = System.nanoTime();
    receiver.await((long) events * endpoints, 600);
    double elapsed = (receiver.last.get() - start) / 1e9;
    double hubRate = events * (double) endpoints / elapsed;
    System.out.printf(Locale.ROOT, "hub    %d endpoint(s) x %d in flight: %,d deliveries in %.2f s = %,.0f deliveries/s "
        + "(appends took %.2f s)%n", endpoints, perEndpoint, (long) events * endpoints, elapsed, hubRate, (appended - start) / 1e9);
    System.out.printf(Locale.ROOT, "ratio  hub / bare = %.2f%n", hubRate / bare);

    // ------------------------------------------------------------- latency
    receiver.reset();
    receiver.timing = true;
    String topicType = "bench" + run + ".published";
    int total = rate * seconds;
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long begin = System.nanoTime();
    AtomicInteger refused = new AtomicInteger();
    for (int i = 0; i < total; i++) {
      long due = begin + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      client.postAbs(hub + "/api/v1/topics/bench").putHeader("ce-type", topicType)
          .sendBuffer(Buffer.buffer("{\"sent\":" + System.nanoTime() + "}"))
          .onComplete(ar -> {
            if (ar.failed() || ar.result().statusCode() != 202) {
              refused.incrementAndGet();
            }
          });
    }
    receiver.await((long) total * endpoints, 120);
    long[] latencies = receiver.latencies();
    Arrays.sort(latencies);
    System.out.printf(Locale.ROOT, "latency %d msg/s x %d endpoint(s) for %d s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d publishes refused)%n",
        rate, endpoints, seconds, latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6,
        latencies[latencies.length - 1] / 1e6, refused.get());
    vertx.close();
  }

  private static double bareLoop(WebClient client, String target, int concurrency, int seconds) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch finished = new CountDownLatch(concurrency);
    Buffer body = Buffer.buffer(BODY);
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      bareNext(client, target + "/bare", body, end, done, finished);
    }
    finished.await();
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void bareNext(WebClient client, String url, Buffer body, long end, AtomicLong done, CountDownLatch finished) {
    if (System.nanoTime() > end) {
      finished.countDown();
      return;
    }
    client.requestAbs(HttpMethod.POST, url).putHeader("content-type", "application/cloudevents+json; charset=utf-8")
        .putHeader("webhook-id", "msg_bench").putHeader("webhook-timestamp", String.valueOf(System.currentTimeMillis() / 1000))
        .putHeader("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        .sendBuffer(body).onComplete(ar -> {
          if (ar.succeeded() && ar.result().statusCode() < 300) {
            done.incrementAndGet();
          }
          bareNext(client, url, body, end, done, finished);
        });
  }

  private static void append(WebClient client, java.net.URI hub, String stream, String type, int count, int from) {
    for (int done = 0; done < count; done += 500) {
      JsonArray batch = new JsonArray();
      for (int i = done; i < Math.min(count, done + 500); i++) {
        batch.add(new JsonObject().put("type", type).put("data", new JsonObject().put("n", from + i).put("note", "x".repeat(120))));
      }
      HttpResponse<Buffer> response = await(client.postAbs(hub + "/api/v1/streams/" + stream + "-" + done + "/events")
          .sendJson(batch));
      if (response.statusCode() != 201) {
        throw new IllegalStateException("append failed: " + response.bodyAsString());
      }
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts the hub's deliveries, and for timed messages the latency from their send time. */
  private static final class Receiver {
    final AtomicLong count = new AtomicLong();
    final AtomicLong last = new AtomicLong();
    volatile boolean timing;
    private long[] latencies = new long[1 << 20];
    private final AtomicInteger timed = new AtomicInteger();

    void got(Buffer body) {
      long now = System.nanoTime();
      if (timing && body.toJsonObject().getValue("data") instanceof JsonObject d && d.getValue("sent") instanceof Number sent) {
        int i = timed.getAndIncrement();
        if (i < latencies.length) {
          latencies[i] = now - sent.longValue();
        }
      }
      count.incrementAndGet();
      last.set(now);
    }

    void reset() {
      count.set(0);
      timed.set(0);
    }

    long[] latencies() {
      return Arrays.copyOf(latencies, Math.min(timed.get(), latencies.length));
    }

    void await(long expected, int timeoutSeconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (count.get() < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + count.get() + " of " + expected + " deliveries arrived");
        }
        Thread.sleep(5);
      }
    }
  }
}
