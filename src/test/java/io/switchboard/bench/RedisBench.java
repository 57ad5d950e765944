package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Redis → subscriber: messages PUBLISHed to a channel are received either by a bare
 * vertx-redis-client PSUBSCRIBE (the baseline) or through the hub on an SSE stream (Redis → relay →
 * router → gateway → SSE). Two measurements each:
 *
 * <ul>
 *   <li>throughput: redis-benchmark PUBLISHes N messages pipelined, faster than either subscriber
 *       can take them (Redis holds the rest in the subscriber's output buffer); the rate is N over
 *       the time from the first to the last message received;
 *   <li>latency: a vertx-redis-client publisher sends messages carrying their send time at a
 *       steady R msg/s, below both subscribers' capacity, so the figure is transit, not queueing.
 * </ul>
 *
 * <p>usage: RedisBench bare REDIS_URI CHANNEL_PREFIX N R
 * <br>      RedisBench hub  REDIS_URI CHANNEL_PREFIX N R HUB_URL
 * <br>{@code -Dbench.pid=PID}: the receiving process (the hub; for bare, this process by default),
 * whose CPU (utime + stime from /proc) during the throughput run is printed per message.
 */
public final class RedisBench {

  private static final String PAD = "x".repeat(100);
  private static final java.util.List<HttpClient> KEEP = new java.util.concurrent.CopyOnWriteArrayList<>();

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String redisUri = args[1];
    String prefix = args[2];
    int messages = Integer.parseInt(args[3]);
    int pacedRate = Integer.parseInt(args[4]);
    String topic = "bench.t" + System.nanoTime();

    Vertx vertx = Vertx.vertx();
    Receiver receiver = new Receiver();
    if (mode.equals("bare")) {
      subscribeBare(vertx, redisUri, prefix + topic + "*", receiver).await(10, TimeUnit.SECONDS);
    } else {
      subscribeSse(vertx, URI.create(args[5]), topic + ".%23", receiver).await(10, TimeUnit.SECONDS);
    }
    RedisConnection publisher = Redis.createClient(vertx, redisUri).connect().await(10, TimeUnit.SECONDS);

    // warm-up (JIT), not measured: as many messages as measured (20,000 left the hub's compiler at work
    // through the measured second), in rounds, so the compiler sees the path at full speed
    int warmup = Integer.getInteger("bench.warmup", messages);
    boolean complete = true;
    for (int sent = 0; sent < warmup; sent += 50_000) {
      int round = Math.min(50_000, warmup - sent);
      receiver.expect(round);
      redisBenchmark(redisUri, prefix + topic + ".warmup", round);
      complete &= receiver.await();
    }

    long pid = Long.getLong("bench.pid", mode.equals("bare") ? ProcessHandle.current().pid() : -1L);
    receiver.expect(messages);
    long self = ProcessHandle.current().pid();
    long cpuBefore = RestAppendBench.cpuTicks(pid);
    long clientCpuBefore = RestAppendBench.cpuTicks(self);
    long started = System.nanoTime();
    redisBenchmark(redisUri, prefix + topic + ".burst", messages);
    double publishRate = messages / ((System.nanoTime() - started) / 1e9);
    complete &= receiver.await();
    double cpuPerMessage = 1e6 * (RestAppendBench.cpuTicks(pid) - cpuBefore) / (double) RestAppendBench.CLOCK_TICKS / messages;
    // The SSE client shares the cores with the hub (the bare subscriber has no such second process).
    String clientCpu = pid == self ? "" : String.format(Locale.ROOT, " (SSE client %.1f)",
        1e6 * (RestAppendBench.cpuTicks(self) - clientCpuBefore) / (double) RestAppendBench.CLOCK_TICKS / messages);
    double throughput = (receiver.received() - 1) / ((receiver.last() - receiver.first()) / 1e9);

    int pacedCount = Math.max(pacedRate * 5, 1000);
    receiver.expect(pacedCount);
    publishPaced(vertx, publisher, prefix + topic + ".paced", pacedCount, pacedRate).await(300, TimeUnit.SECONDS);
    complete &= receiver.await();
    long[] paced = receiver.latencies();

    System.out.println(String.format(Locale.ROOT,
        "%-5s throughput %7.0f msg/s (redis-benchmark offered %7.0f msg/s) | receiver CPU %.1f µs/msg%s | latency at %d msg/s: p50 %.2f ms p99 %.2f ms%s",
        mode, throughput, publishRate, cpuPerMessage, clientCpu, pacedRate, pct(paced, 0.50), pct(paced, 0.99), complete ? "" : " (INCOMPLETE)"));
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(complete ? 0 : 1);
  }

  /** N pipelined PUBLISHes from 4 connections, 64 deep, with a payload whose send time is 0 (not measured). */
  private static void redisBenchmark(String redisUri, String channel, int messages) throws Exception {
    Process process = new ProcessBuilder("redis-benchmark", "-u", redisUri, "-n", String.valueOf(messages), "-c", "4",
        "-P", "64", "-q", "PUBLISH", channel, "{\"sent\":0,\"pad\":\"" + PAD + "\"}")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("redis-benchmark failed");
    }
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e6;
  }

  /** Collects send-to-receive latencies for one run. */
  private static final class Receiver {
    private volatile long[] latencies = new long[0];
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicLong last = new AtomicLong();
    private final AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    private volatile CountDownLatch done = new CountDownLatch(0);
    private volatile boolean incomplete;

    void expect(int count) {
      latencies = new long[count];
      incomplete = false;
      received.set(0);
      first.set(Long.MAX_VALUE);
      last.set(0);
      done = new CountDownLatch(count);
    }

    void record(long sent) {
      long now = System.nanoTime();
      int i = received.getAndIncrement();
      long[] l = latencies;
      if (i < l.length) {
        l[i] = sent == 0 ? 0 : now - sent;
      }
      first.accumulateAndGet(now, Math::min);
      last.accumulateAndGet(now, Math::max);
      done.countDown();
    }

    /** The hub dropped messages for this (too slow) client and said so: the run is incomplete. */
    void missed(int count) {
      System.err.println("the hub dropped " + count + " messages for the slow SSE client (sse.slow_policy)");
      for (int i = 0; i < count; i++) {
        done.countDown();
      }
      incomplete = true;
    }

    boolean await() throws InterruptedException {
      boolean all = done.await(120, TimeUnit.SECONDS) && !incomplete;
      if (!all) {
        System.err.println("only " + received.get() + " of " + latencies.length + " messages arrived");
      }
      return all;
    }

    int received() {
      return Math.min(received.get(), latencies.length);
    }

    long first() {
      return first.get();
    }

    long last() {
      return last.get();
    }

    long[] latencies() {
      long[] sorted = Arrays.copyOf(latencies, received());
      Arrays.sort(sorted);
      return sorted;
    }
  }

  private static Buffer payload() {
    return Buffer.buffer("{\"sent\":" + System.nanoTime() + ",\"pad\":\"" + PAD + "\"}");
  }

  private static Future<Void> publishPaced(Vertx vertx, RedisConnection conn, String channel, int messages, int rate) {
    Promise<Void> done = Promise.promise();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    long start = System.nanoTime();
    vertx.setPeriodic(1, timer -> {
      long due = Math.min(messages, (System.nanoTime() - start) * rate / 1_000_000_000L + 1);
      while (sent.get() < due) {
        sent.incrementAndGet();
        conn.send(Request.cmd(Command.PUBLISH).arg(channel).arg(payload())).onComplete(ar -> {
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else if (completed.incrementAndGet() == messages) {
            done.tryComplete();
          }
        });
      }
      if (sent.get() >= messages) {
        vertx.cancelTimer(timer);
      }
    });
    return done.future();
  }

  /** The baseline: what any vertx-redis-client subscriber gets, parsing the same JSON. */
  private static Future<Void> subscribeBare(Vertx vertx, String redisUri, String pattern, Receiver receiver) {
    return Redis.createClient(vertx, redisUri).connect().compose(conn -> {
      Promise<Void> subscribed = Promise.promise();
      conn.handler(push -> {
        String kind = push.get(0).toString();
        if ("pmessage".equals(kind)) {
          Response payload = push.get(3);
          receiver.record(new JsonObject(payload.toBuffer()).getLong("sent"));
        } else if ("psubscribe".equals(kind)) {
          subscribed.tryComplete();
        }
      });
      return conn.send(Request.cmd(Command.PSUBSCRIBE).arg(pattern)).compose(v -> subscribed.future());
    });
  }

  private static Future<Void> subscribeSse(Vertx vertx, URI hub, String topics, Receiver receiver) {
    HttpClient sse = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(hub.getHost()).setDefaultPort(hub.getPort()));
    KEEP.add(sse); // Vert.x closes HTTP clients that become unreachable
    return SseSubscription.open(sse, topics, frame -> {
      String data = SseSubscription.data(frame);
      if (data != null) {
        JsonObject event = new JsonObject(data);
        if ("switchboard.gap".equals(event.getString("type"))) {
          receiver.missed(event.getJsonObject("data").getLong("dropped", 0L).intValue());
        } else {
          receiver.record(event.getJsonObject("data").getLong("sent"));
        }
      }
    });
  }
}
