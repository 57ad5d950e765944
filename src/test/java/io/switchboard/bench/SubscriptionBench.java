package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Consumer groups through the hub's public API, from this separate process: N events appended to a
 * category, then the raw {@code $all} read rate of the same events (1000-event pages over HTTP, one
 * reader: the baseline), then delivery with acks to 1 and 4 consumers over the WebSocket and over
 * HTTP pull (a fresh group from the beginning each, timed from the first consumer's start to the
 * last ack), then the lag at a steady append rate (one WebSocket consumer, single-event appends).
 * Prints one line per figure with the server's CPU per 1000 events (from /proc).
 *
 * <p>usage: SubscriptionBench URL SERVER_PID EVENTS LAG_RATE LAG_SECONDS
 */
public final class SubscriptionBench {

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static Vertx vertx;
  private static HttpClient http;
  private static WebSocketClient ws;
  private static long pid;

  private static void run(String[] args) throws Exception {
    java.net.URI base = java.net.URI.create(args[0]);
    pid = Long.parseLong(args[1]);
    int events = Integer.parseInt(args[2]);
    int lagRate = Integer.parseInt(args[3]);
    int lagSeconds = Integer.parseInt(args[4]);
    String run = Long.toString(System.nanoTime(), 36);
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort()),
        new PoolOptions().setHttp1MaxSize(16));
    ws = vertx.createWebSocketClient(new WebSocketClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
        .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024));
    String category = "bench" + run;

    long first = -1;
    for (int i = 0; i < events; i += 1000) {
      JsonArray batch = new JsonArray();
      for (int k = i; k < Math.min(events, i + 1000); k++) {
        batch.add(new JsonObject().put("type", "bench.happened").put("data", new JsonObject().put("n", k).put("pad", "x".repeat(64))));
      }
      JsonObject appended = call(HttpMethod.POST, "/api/v1/streams/" + category + "-" + (i / 1000 % 16) + "/events", batch);
      if (first < 0) {
        first = appended.getLong("position") - batch.size() + 1;
      }
    }
    long startAfter = first - 1;

    // warm-up: a small group over each transport
    consume("ws", 2, groupFrom(category, "warm-ws-" + run, startAfter), Math.min(events, 20_000));
    consume("http", 2, groupFrom(category, "warm-http-" + run, startAfter), Math.min(events, 20_000));
    readAll(startAfter, Math.min(events, 20_000));

    report("raw $all read (HTTP pages of 1000, 1 reader)", events, () -> readAll(startAfter, events));
    for (int consumers : new int[] {1, 4}) {
      String wsGroup = groupFrom(category, "ws" + consumers + "-" + run, startAfter);
      report("group over WebSocket, " + consumers + " consumer" + (consumers > 1 ? "s" : ""), events,
          () -> consume("ws", consumers, wsGroup, events));
      String httpGroup = groupFrom(category, "http" + consumers + "-" + run, startAfter);
      report("group over HTTP pull, " + consumers + " consumer" + (consumers > 1 ? "s" : ""), events,
          () -> consume("http", consumers, httpGroup, events));
    }
    lag(category, run, lagRate, lagSeconds);
  }

  private interface Phase {
    void run() throws Exception;
  }

  private static void report(String label, int events, Phase phase) throws Exception {
    long cpu = cpuTicks();
    long start = System.nanoTime();
    phase.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMs = (cpuTicks() - cpu) * 10.0;
    System.out.printf(Locale.ROOT, "%-48s %,9.0f events/s   server CPU %.2f ms per 1000 events%n", label, events / seconds,
        cpuMs / events * 1000);
  }

  private static String groupFrom(String category, String group, long after) throws Exception {
    call(HttpMethod.PUT, "/api/v1/subscriptions/" + group, new JsonObject().put("category", category).put("start", after)
        .put("max_in_flight", 1000).put("ack_timeout_ms", 60_000));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!"running".equals(call(HttpMethod.GET, "/api/v1/subscriptions/" + group, null).getString("status"))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("group " + group + " has no coordinator");
      }
      Thread.sleep(50);
    }
    return group;
  }

  private static void readAll(long after, int events) throws Exception {
    long position = after;
    int read = 0;
    while (read < events) {
      JsonArray page = call(HttpMethod.GET, "/api/v1/streams/$all?from_position=" + (position + 1) + "&limit=1000", null)
          .getJsonArray("events");
      read += page.size();
      position = page.getJsonObject(page.size() - 1).getLong("position");
    }
  }

  /** {@code consumers} consumers over the transport until {@code events} distinct deliveries were acked. */
  private static void consume(String transport, int consumers, String group, int events) throws Exception {
    AtomicLong acked = new AtomicLong();
    Promise<Void> done = Promise.promise();
    List<WebSocket> sockets = new ArrayList<>();
    boolean[] stop = new boolean[1];
    for (int c = 0; c < consumers; c++) {
      String name = "c" + c;
      if (transport.equals("ws")) {
        WebSocket socket = await(ws.connect("/ws"));
        sockets.add(socket);
        socket.textMessageHandler(text -> {
          JsonObject frame = new JsonObject(text);
          if ("deliveries".equals(frame.getString("type"))) {
            JsonArray ids = new JsonArray();
            frame.getJsonArray("deliveries").forEach(d -> ids.add(((JsonObject) d).getString("delivery_id")));
            socket.writeTextMessage(new JsonObject().put("type", "ack").put("ids", ids).encode());
            if (acked.addAndGet(ids.size()) >= events) {
              done.tryComplete();
            }
          } else if ("error".equals(frame.getString("type"))) {
            done.tryFail(frame.encode());
          }
        });
        socket.writeTextMessage(new JsonObject().put("type", "consume").put("group", group).encode());
      } else {
        vertx.runOnContext(v -> pull(group, name, acked, events, done, stop));
      }
    }
    done.future().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
    stop[0] = true;
    for (WebSocket socket : sockets) {
      await(socket.close());
    }
  }

  private static void pull(String group, String consumer, AtomicLong acked, int events, Promise<Void> done, boolean[] stop) {
    if (stop[0] || done.future().isComplete()) {
      return;
    }
    request(HttpMethod.POST, "/api/v1/subscriptions/" + group + "/fetch?consumer=" + consumer + "&max=1000&wait_ms=1000", null)
        .compose(reply -> {
          JsonArray ids = new JsonArray();
          reply.getJsonArray("deliveries").forEach(d -> ids.add(((JsonObject) d).getString("delivery_id")));
          if (ids.isEmpty()) {
            return Future.succeededFuture();
          }
          return request(HttpMethod.POST, "/api/v1/subscriptions/" + group + "/ack", new JsonObject().put("consumer", consumer)
              .put("ids", ids)).map(v -> {
                if (acked.addAndGet(ids.size()) >= events) {
                  done.tryComplete();
                }
                return null;
              });
        })
        .onSuccess(v -> pull(group, consumer, acked, events, done, stop))
        .onFailure(done::tryFail);
  }

  /** One WebSocket consumer of a group from the end while single events are appended at {@code rate}/s. */
  private static void lag(String category, String run, int rate, int seconds) throws Exception {
    String group = "lag-" + run;
    call(HttpMethod.PUT, "/api/v1/subscriptions/" + group, new JsonObject().put("category", category + "lag").put("start", "end"));
    while (!"running".equals(call(HttpMethod.GET, "/api/v1/subscriptions/" + group, null).getString("status"))) {
      Thread.sleep(50);
    }
    List<Long> lagsMicros = java.util.Collections.synchronizedList(new ArrayList<>());
    // by sent_us: when the append was answered, and when the event was delivered
    java.util.Map<Long, Long> answeredAt = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Map<Long, Long> deliveredAt = new java.util.concurrent.ConcurrentHashMap<>();
    WebSocket socket = await(ws.connect("/ws"));
    socket.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      if ("deliveries".equals(frame.getString("type"))) {
        JsonArray ids = new JsonArray();
        for (Object d : frame.getJsonArray("deliveries")) {
          JsonObject delivery = (JsonObject) d;
          ids.add(delivery.getString("delivery_id"));
          long sentUs = delivery.getJsonObject("event").getJsonObject("data").getLong("sent_us");
          long nowUs = System.nanoTime() / 1000;
          lagsMicros.add(nowUs - sentUs);
          deliveredAt.put(sentUs, nowUs);
        }
        socket.writeTextMessage(new JsonObject().put("type", "ack").put("ids", ids).encode());
      }
    });
    socket.writeTextMessage(new JsonObject().put("type", "consume").put("group", group).encode());
    Thread.sleep(500);
    long cpu = cpuTicks();
    long start = System.nanoTime();
    long total = (long) rate * seconds;
    AtomicLong failed = new AtomicLong();
    List<Long> appendMicros = java.util.Collections.synchronizedList(new ArrayList<>());
    for (long i = 0; i < total; i++) {
      long due = start + i * 1_000_000_000L / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      long n = i;
      vertx.runOnContext(v -> {
        long sent = System.nanoTime() / 1000;
        request(HttpMethod.POST, "/api/v1/streams/" + category + "lag-" + (n % 16) + "/events",
            new JsonObject().put("type", "bench.lag").put("data", new JsonObject().put("sent_us", sent)))
            .onSuccess(r -> {
              long nowUs = System.nanoTime() / 1000;
              appendMicros.add(nowUs - sent);
              answeredAt.put(sent, nowUs);
            })
            .onFailure(e -> failed.incrementAndGet());
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (lagsMicros.size() < total - failed.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    double cpuMs = (cpuTicks() - cpu) * 10.0;
    long[] sorted;
    synchronized (lagsMicros) {
      sorted = lagsMicros.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    long[] appends;
    synchronized (appendMicros) {
      appends = appendMicros.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    long[] afterAnswer = deliveredAt.entrySet().stream().filter(e -> answeredAt.containsKey(e.getKey()))
        .mapToLong(e -> e.getValue() - answeredAt.get(e.getKey())).sorted().toArray();
    System.out.printf(Locale.ROOT, "lag at %d appends/s, delivery after the append was answered (negative: before):"
            + " p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", rate, pct(afterAnswer, 0.50), pct(afterAnswer, 0.99),
        afterAnswer.length == 0 ? 0 : afterAnswer[afterAnswer.length - 1] / 1000.0);
    System.out.printf(Locale.ROOT, "lag at %d appends/s for %d s, 1 WebSocket consumer: append request to delivery p50 %.1f ms,"
            + " p99 %.1f ms, max %.1f ms (%d of %d delivered, %d appends failed); the append's own answer p50 %.1f ms, p99 %.1f ms"
            + "   server CPU %.2f ms per 1000 events (appends included)%n",
        rate, seconds, pct(sorted, 0.50), pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0,
        sorted.length, total, failed.get(), pct(appends, 0.50), pct(appends, 0.99), cpuMs / Math.max(1, total) * 1000);
    socket.close();
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1000.0;
  }

  private static JsonObject call(HttpMethod method, String path, Object body) throws Exception {
    return await(request(method, path, body));
  }

  private static Future<JsonObject> request(HttpMethod method, String path, Object body) {
    return http.request(new RequestOptions().setMethod(method).setURI(path).putHeader("Content-Type", "application/json"))
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body instanceof JsonObject o ? o.encode()
            : ((JsonArray) body).encode())))
        .compose(resp -> resp.body().map(buffer -> {
          if (resp.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " → " + resp.statusCode() + " " + buffer);
          }
          return buffer.length() == 0 ? new JsonObject() : buffer.toJsonObject();
        }));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static long cpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
