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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends over the hub's REST API from outside its process, as a client would: WRITERS writers,
 * each appending single events to its own stream with the exact expected version (no_stream, then
 * 0, 1, …), one request in flight per writer. WARMUP seconds unmeasured, then SECONDS measured.
 * Prints appends/s, p50/p99 latency and, given the hub's process id, the CPU the hub's process
 * spent (from /proc/PID/stat) per append and as a share of one core.
 *
 * <p>With EVENTS above 1 each append carries that many events (a JSON array), and the rate is
 * also printed in events/s.
 *
 * <p>usage: RestAppendBench BASE_URL WRITERS WARMUP SECONDS [HUB_PID] [LABEL] [EVENTS=1]
 */
public final class RestAppendBench {

  static final long CLOCK_TICKS = 100;   // USER_HZ, 100 on Linux x86-64 and arm64

  public static void main(String[] args) throws Exception {
    String base = args[0];
    int writers = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    long pid = args.length > 4 ? Long.parseLong(args[4]) : -1;
    String label = args.length > 5 ? args[5] : "hub REST";
    int events = args.length > 6 ? Integer.parseInt(args[6]) : 1;
    java.net.URI uri = java.net.URI.create(base);
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
          .setDefaultPort(uri.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(writers));
      String run = Long.toString(System.currentTimeMillis(), 36);
      Writer[] all = new Writer[writers];
      for (int w = 0; w < writers; w++) {
        all[w] = new Writer(client, "order-rb" + run + "w" + w, events);
      }
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
      long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Void>> loops = new ArrayList<>();
      for (Writer w : all) {
        loops.add(w.start(warmEnd, end));
      }
      // The CPU reading brackets the measured window only.
      long toWarmEnd = warmEnd - System.nanoTime();
      if (toWarmEnd > 0) {
        TimeUnit.NANOSECONDS.sleep(toWarmEnd);
      }
      long cpuBefore = cpuTicks(pid);
      long wallBefore = System.nanoTime();
      long toEnd = end - System.nanoTime();
      if (toEnd > 0) {
        TimeUnit.NANOSECONDS.sleep(toEnd);
      }
      long cpuAfter = cpuTicks(pid);
      double wall = (System.nanoTime() - wallBefore) / 1e9;
      Future.all(loops).await(60, TimeUnit.SECONDS);

      long appends = 0;
      long failures = 0;
      int samples = 0;
      for (Writer w : all) {
        appends += w.measured;
        failures += w.failures;
        samples += w.latencyCount;
      }
      long[] latencies = new long[samples];
      int at = 0;
      for (Writer w : all) {
        System.arraycopy(w.latencies, 0, latencies, at, w.latencyCount);
        at += w.latencyCount;
      }
      Arrays.sort(latencies);
      double rate = appends / (double) seconds;
      String cpu = "";
      if (pid > 0) {
        double cpuSeconds = (cpuAfter - cpuBefore) / (double) CLOCK_TICKS;
        cpu = String.format(Locale.ROOT, "  server CPU %3.0f %% of a core, %4.0f µs/append",
            100 * cpuSeconds / wall, appends == 0 ? 0 : 1e6 * cpuSeconds / appends);
      }
      String perEvent = "";
      if (events > 1 && pid > 0 && appends > 0) {
        perEvent = String.format(Locale.ROOT, ", %4.1f µs/event", 1e6 * (cpuAfter - cpuBefore) / (double) CLOCK_TICKS / (appends * events));
      }
      System.out.printf(Locale.ROOT, "%s x%d %9.0f appends/s%s  p50 %6.2f ms  p99 %6.2f ms%s%s  (%d failed)%n",
          label, writers, rate, events > 1 ? String.format(Locale.ROOT, " of %d events (%.0f events/s)", events, rate * events) : "",
          percentile(latencies, 0.50), percentile(latencies, 0.99), cpu, perEvent, failures);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static double percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }

  /** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
  static long cpuTicks(long pid) throws IOException {
    if (pid <= 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // fields 14, 15 counted from pid = 1
  }

  /** One writer: its own stream, one append in flight, the next expected version known exactly. */
  private static final class Writer {
    private final HttpClient client;
    private final String stream;
    private final String path;
    private final int events;
    private final AtomicLong sent = new AtomicLong();
    private long version = -1;
    private long measured;
    private long failures;
    private long[] latencies = new long[4096];
    private int latencyCount;

    Writer(HttpClient client, String stream, int events) {
      this.events = events;
      this.client = client;
      this.stream = stream;
      this.path = "/api/v1/streams/" + stream + "/events";
    }

    private JsonObject event(long n) {
      return new JsonObject().put("type", "order.placed").put("data", new JsonObject()
          .put("order_id", stream + "-" + n).put("amount", 125).put("currency", "EUR"));
    }

    Future<Void> start(long warmEnd, long end) {
      Promise<Void> done = Promise.promise();
      next(warmEnd, end, done);
      return done.future();
    }

    private void next(long warmEnd, long end, Promise<Void> done) {
      long started = System.nanoTime();
      if (started >= end) {
        done.complete();
        return;
      }
      long n = sent.getAndIncrement();
      Buffer body;
      if (events == 1) {
        body = Buffer.buffer(event(n).encode());
      } else {
        io.vertx.core.json.JsonArray array = new io.vertx.core.json.JsonArray();
        for (int i = 0; i < events; i++) {
          array.add(event(n * events + i));
        }
        body = Buffer.buffer(array.encode());
      }
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
              .putHeader("Content-Type", "application/json")
              .putHeader("Expected-Version", version < 0 ? "no_stream" : Long.toString(version)))
          .compose(request -> request.send(body))
          .compose(response -> response.body().map(bytes -> {
            if (response.statusCode() == 201) {
              version = new JsonObject(bytes).getLong("last_version");
              return true;
            }
            if (failures++ == 0) {
              System.err.println(stream + ": " + response.statusCode() + " " + bytes);
            }
            if (response.statusCode() == 409) {
              Long current = new JsonObject(bytes).getLong("current_version");
              version = current == null ? version : current;
            }
            return false;
          }))
          .onComplete(ar -> {
            long now = System.nanoTime();
            if (ar.failed() && failures++ == 0) {
              System.err.println(stream + ": " + ar.cause());
            }
            if (ar.succeeded() && ar.result() && started >= warmEnd && now <= end) {
              measured++;
              if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
              }
              latencies[latencyCount++] = now - started;
            }
            next(warmEnd, end, done);
          });
    }
  }
}
