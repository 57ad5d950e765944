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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Order example's commands over the hub's REST API from outside its process, as a client
 * would: CLIENTS clients, each creating an order ({@code POST /api/v1/orders}, two lines) and then
 * shipping it ({@code POST /api/v1/orders/{id}/ship}), again and again, one request in flight per
 * client. WARMUP seconds unmeasured, then SECONDS measured. Prints commands/s (a create and a ship
 * are two), p50/p99 per command and, given the hub's process id, the CPU the hub's process spent
 * per command and as a share of one core (from /proc/PID/stat, as {@link RestAppendBench}).
 *
 * <p>usage: RestCommandBench BASE_URL CLIENTS WARMUP SECONDS [HUB_PID] [LABEL]
 */
public final class RestCommandBench {

  public static void main(String[] args) throws Exception {
    java.net.URI uri = java.net.URI.create(args[0]);
    int clients = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    long pid = args.length > 4 ? Long.parseLong(args[4]) : -1;
    String label = args.length > 5 ? args[5] : "hub commands";
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
          .setDefaultPort(uri.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(clients));
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
      long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
      String run = Long.toString(System.currentTimeMillis(), 36);
      List<Client> all = new ArrayList<>();
      List<Future<Void>> loops = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        Client client = new Client(http, "cu-" + run + "-" + c, warmEnd, end);
        all.add(client);
        loops.add(client.start());
      }
      long toWarmEnd = warmEnd - System.nanoTime();
      if (toWarmEnd > 0) {
        TimeUnit.NANOSECONDS.sleep(toWarmEnd);
      }
      long cpuBefore = RestAppendBench.cpuTicks(pid);
      long wallBefore = System.nanoTime();
      long toEnd = end - System.nanoTime();
      if (toEnd > 0) {
        TimeUnit.NANOSECONDS.sleep(toEnd);
      }
      long cpuAfter = RestAppendBench.cpuTicks(pid);
      double wall = (System.nanoTime() - wallBefore) / 1e9;
      Future.all(loops).await(60, TimeUnit.SECONDS);

      long commands = 0;
      long failures = 0;
      int samples = 0;
      for (Client c : all) {
        commands += c.measured;
        failures += c.failures;
        samples += c.latencyCount;
      }
      long[] latencies = new long[samples];
      int at = 0;
      for (Client c : all) {
        System.arraycopy(c.latencies, 0, latencies, at, c.latencyCount);
        at += c.latencyCount;
      }
      Arrays.sort(latencies);
      String cpu = "";
      if (pid > 0) {
        double cpuSeconds = (cpuAfter - cpuBefore) / 100.0;   // clock ticks: USER_HZ = 100
        cpu = String.format(Locale.ROOT, "  server CPU %3.0f %% of a core, %4.0f µs/command",
            100 * cpuSeconds / wall, commands == 0 ? 0 : 1e6 * cpuSeconds / commands);
      }
      System.out.printf(Locale.ROOT, "%s x%d %9.0f commands/s  p50 %6.2f ms  p99 %6.2f ms%s  (%d failed)%n",
          label, clients, commands / (double) seconds, percentile(latencies, 0.50), percentile(latencies, 0.99), cpu, failures);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static double percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }

  /** One client: creates an order, ships it, and again; each answered command inside the window counts. */
  private static final class Client {
    private final HttpClient http;
    private final Buffer order;
    private final long warmEnd;
    private final long end;
    private final Promise<Void> done = Promise.promise();
    private long measured;
    private long failures;
    private long shipped;
    private long[] latencies = new long[4096];
    private int latencyCount;

    Client(HttpClient http, String customer, long warmEnd, long end) {
      this.http = http;
      this.order = new JsonObject().put("customer_id", customer).put("items", new JsonArray()
          .add(new JsonObject().put("product_id", "p-1").put("quantity", 2).put("price", 19.99))
          .add(new JsonObject().put("product_id", "p-2").put("quantity", 1).put("price", 5))).toBuffer();
      this.warmEnd = warmEnd;
      this.end = end;
    }

    Future<Void> start() {
      next();
      return done.future();
    }

    private void next() {
      if (System.nanoTime() >= end) {
        done.complete();
        return;
      }
      timed("/api/v1/orders", order, 201).compose(created -> created == null ? Future.succeededFuture()
              : timed("/api/v1/orders/" + created.getString("order_id") + "/ship",
                  new JsonObject().put("tracking_number", "T-" + shipped++).toBuffer(), 200))
          .onComplete(ar -> next());
    }

    /** One command: its answer (null when refused or failed), its latency kept when it fell in the window. */
    private Future<JsonObject> timed(String path, Buffer body, int expected) {
      long started = System.nanoTime();
      return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path).putHeader("Content-Type", "application/json"))
          .compose(request -> request.send(body))
          .compose(response -> response.body().map(bytes -> {
            if (response.statusCode() == expected) {
              return new JsonObject(bytes);
            }
            if (failures++ == 0) {
              System.err.println(path + ": " + response.statusCode() + " " + bytes);
            }
            return (JsonObject) null;
          }))
          .recover(e -> {
            if (failures++ == 0) {
              System.err.println(path + ": " + e);
            }
            return Future.succeededFuture(null);
          })
          .onSuccess(answer -> {
            long now = System.nanoTime();
            if (answer != null && started >= warmEnd && now <= end) {
              measured++;
              if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
              }
              latencies[latencyCount++] = now - started;
            }
          });
    }
  }
}
