package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes N messages over HTTP (C in flight) to one topic and, when subscribers are asked for,
 * receives them on K SSE streams; prints publish rate, end-to-end rate and publish-to-receive
 * latency percentiles. The same run against a bare server gives the baseline.
 *
 * <p>usage: TopicBench URL MESSAGES CONCURRENCY SUBSCRIBERS LABEL [SUBSCRIBER_URLS]
 * <br>SUBSCRIBER_URLS (comma-separated, default URL): the subscribers are spread over them in turn,
 * e.g. over the nodes of a cluster while every message is published to the first.
 * <br>{@code -Dbench.pid=PID}: the server's process; the CPU it spent (utime + stime from /proc)
 * from the first measured publish to the last delivery is printed per message.
 */
public final class TopicBench {

  private static final List<HttpClient> KEEP = new java.util.concurrent.CopyOnWriteArrayList<>();

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable failed) {
      // the event loops are not daemon threads: without the exit a failed run would hang its script
      System.err.println("TopicBench against " + args[0] + " (" + (args.length > 4 ? args[4] : "?") + ") failed:");
      failed.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String url = args[0];
    int messages = Integer.parseInt(args[1]);
    int concurrency = Integer.parseInt(args[2]);
    int subscribers = Integer.parseInt(args[3]);
    String label = args[4];
    java.net.URI base = java.net.URI.create(url);
    List<java.net.URI> subscriberBases = Arrays.stream((args.length > 5 ? args[5] : url).split(","))
        .map(java.net.URI::create).toList();

    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(concurrency));
    String topic = "bench.t" + System.nanoTime();

    long[] latencies = new long[messages * Math.max(subscribers, 1)];
    AtomicInteger received = new AtomicInteger();
    CountDownLatch allReceived = new CountDownLatch(messages * subscribers);
    AtomicLong lastReceive = new AtomicLong();
    List<Future<?>> opened = new ArrayList<>();
    for (int s = 0; s < subscribers; s++) {
      opened.add(subscribe(vertx, subscriberBases.get(s % subscriberBases.size()), topic, latencies, received, allReceived, lastReceive));
    }
    Future.all(opened).await(10, TimeUnit.SECONDS);

    // Warm-up (JIT), not measured: as many messages as measured, to the same subscribers (a topic
    // nobody read left the delivery path to compile in the window), marked so they skip them.
    publishAll(client, topic, messages, concurrency, true).await(120, TimeUnit.SECONDS);

    long pid = Long.getLong("bench.pid", -1L);
    long self = ProcessHandle.current().pid();
    long cpuBefore = RestAppendBench.cpuTicks(pid);
    long selfBefore = RestAppendBench.cpuTicks(self);
    long start = System.nanoTime();
    publishAll(client, topic, messages, concurrency, false).await(300, TimeUnit.SECONDS);
    long published = System.nanoTime();
    if (subscribers > 0 && !allReceived.await(120, TimeUnit.SECONDS)) {
      System.err.println("only " + received.get() + " of " + (messages * subscribers) + " deliveries arrived");
    }
    long cpuAfter = RestAppendBench.cpuTicks(pid);
    long selfAfter = RestAppendBench.cpuTicks(self);
    long end = Math.max(published, lastReceive.get());
    double publishSeconds = (published - start) / 1e9;
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-6s publish %8.0f msg/s", label, messages / publishSeconds));
    if (subscribers > 0) {
      int n = received.get();
      long[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      double e2eSeconds = (lastReceive.get() - start) / 1e9;
      out.append(String.format(Locale.ROOT, " | delivered %8.0f msg/s to %d subscribers (%d deliveries/s) | p50 %.2f ms p99 %.2f ms",
          messages / e2eSeconds, subscribers, (long) (n / e2eSeconds), pct(sorted, 0.50), pct(sorted, 0.99)));
    }
    if (pid > 0) {
      double cpuSeconds = (cpuAfter - cpuBefore) / (double) RestAppendBench.CLOCK_TICKS;
      out.append(String.format(Locale.ROOT, " | server CPU %.0f %% of a core, %.1f µs/msg",
          100 * cpuSeconds / ((end - start) / 1e9), 1e6 * cpuSeconds / messages));
    }
    // The load generator shares the machine: what it spent (publishing, and parsing every SSE frame) bounds the rest.
    double selfSeconds = (selfAfter - selfBefore) / (double) RestAppendBench.CLOCK_TICKS;
    out.append(String.format(Locale.ROOT, " | load generator CPU %.0f %% of a core, %.1f µs/msg",
        100 * selfSeconds / ((end - start) / 1e9), 1e6 * selfSeconds / messages));
    System.out.println(out);
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e6;
  }

  /** {@code warm}: the warm-up's messages, of the measured ones' shape ("warm":1, not 0). */
  private static Future<Void> publishAll(HttpClient client, String topic, int messages, int concurrency, boolean warm) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/v1/topics/" + topic)
        .putHeader("Content-Type", "application/json").putHeader("ce-type", "bench.event")
        .setIdleTimeout(30_000);   // a request left unanswered fails the run instead of stalling it
    Runnable[] send = new Runnable[1];
    send[0] = () -> {
      if (next.getAndIncrement() >= messages) {
        return;
      }
      Buffer body = Buffer.buffer("{\"sent\":" + System.nanoTime() + ",\"warm\":" + (warm ? 1 : 0) + ",\"pad\":\""
          + "x".repeat(100) + "\"}");
      client.request(options).compose(req -> req.send(body)).compose(resp -> {
        if (resp.statusCode() != 202) {
          return Future.failedFuture("status " + resp.statusCode());
        }
        return resp.body();
        // Bounded as a whole: a request whose connection went away could leave its body future
        // pending past the idle timeout, and the run waited 300 s for it (2026-12-07, against the bare server).
      }).timeout(30, TimeUnit.SECONDS).onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (completed.incrementAndGet() == messages) {
          done.tryComplete();
        } else {
          send[0].run();
        }
      });
    };
    for (int i = 0; i < concurrency; i++) {
      send[0].run();
    }
    return done.future();
  }

  private static Future<Void> subscribe(Vertx vertx, java.net.URI base, String topic, long[] latencies,
                                        AtomicInteger received, CountDownLatch allReceived, AtomicLong lastReceive) {
    HttpClient sse = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort()));
    KEEP.add(sse); // Vert.x closes HTTP clients that become unreachable
    return SseSubscription.open(sse, topic, frame -> {
      String data = SseSubscription.data(frame);
      if (data != null) {
        long now = System.nanoTime();
        JsonObject message = new JsonObject(data).getJsonObject("data");
        if (message.getInteger("warm") == 1) {
          return;
        }
        long sent = message.getLong("sent");
        int i = received.getAndIncrement();
        if (i < latencies.length) {
          latencies[i] = now - sent;
        }
        lastReceive.accumulateAndGet(now, Math::max);
        allReceived.countDown();
      }
    });
  }
}
