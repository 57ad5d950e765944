package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fan-out load: C connections (half SSE, half WebSocket for the hub; all WebSocket for the bare
 * server) spread over T topics, then R messages/s published over HTTP for S seconds. Prints
 * delivery rate and latency percentiles, the server's heap per idle connection (after a GC, from
 * jcmd) and its CPU over the publish window (from /proc).
 *
 * <p>usage: FanoutBench hub|bare URL SERVER_PID CONNECTIONS TOPICS RATE SECONDS [SSE_SHARE (hub: 0.5)]
 */
public final class FanoutBench {

  private static final List<Object> KEEP = new ArrayList<>();

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1); // Vert.x threads would keep the JVM alive
    }
  }

  private static void run(String[] args) throws Exception {
    String mode = args[0];
    java.net.URI base = java.net.URI.create(args[1]);
    long pid = Long.parseLong(args[2]);
    int connections = Integer.parseInt(args[3]);
    int topics = Integer.parseInt(args[4]);
    int rate = Integer.parseInt(args[5]);
    int seconds = Integer.parseInt(args[6]);
    boolean hub = mode.equals("hub");
    String run = Long.toString(System.nanoTime(), 36);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    long[] latencies = new long[rate * seconds * (connections / topics + 1) + 1024];
    AtomicInteger received = new AtomicInteger();
    AtomicLong measuring = new AtomicLong(); // 0 = not yet: deliveries before the window are ignored

    long heapBefore = heapUsedKb(pid);
    HttpClient sse = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()), new PoolOptions().setHttp1MaxSize(connections));
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setMaxConnections(connections));
    KEEP.add(sse);
    KEEP.add(ws);
    double sseShare = args.length > 7 ? Double.parseDouble(args[7]) : 0.5;
    int sseCount = hub ? (int) (connections * sseShare) : 0;
    for (int start = 0; start < connections; start += 200) {
      List<Future<?>> batch = new ArrayList<>();
      for (int i = start; i < Math.min(connections, start + 200); i++) {
        String topic = "fan" + run + ".t" + (i % topics);
        batch.add(i < sseCount ? openSse(sse, topic, latencies, received, measuring)
            : openWebSocket(ws, hub, topic, latencies, received, measuring));
      }
      Future.all(batch).await(60, TimeUnit.SECONDS);
    }
    long heapAfter = heapUsedKb(pid);

    HttpClient publisher = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()), new PoolOptions().setHttp1MaxSize(64));
    KEEP.add(publisher);
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long cpuBefore = cpuTicks(pid);
    long windowStart = System.nanoTime();
    measuring.set(1);
    int perTick = Math.max(1, rate / 100);
    long timer = vertx.setPeriodic(10, id -> {
      for (int i = 0; i < perTick; i++) {
        String topic = "fan" + run + ".t" + ThreadLocalRandom.current().nextInt(topics);
        Buffer body = Buffer.buffer("{\"sent\":" + System.nanoTime() + ",\"pad\":\"" + "x".repeat(64) + "\"}");
        RequestOptions options = hub
            ? new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/v1/topics/" + topic)
                .putHeader("Content-Type", "application/json").putHeader("ce-type", "bench.fanout")
            : new RequestOptions().setMethod(HttpMethod.POST).setURI("/pub/" + topic);
        publisher.request(options).compose(r -> r.send(body)).compose(r -> r.body())
            .onSuccess(b -> sent.incrementAndGet()).onFailure(e -> failed.incrementAndGet());
      }
    });
    Thread.sleep(seconds * 1000L);
    vertx.cancelTimer(timer);
    Thread.sleep(1000); // let the last deliveries land
    double window = (System.nanoTime() - windowStart) / 1e9;
    long cpu = cpuTicks(pid) - cpuBefore;

    int n = Math.min(received.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "%-4s %d connections (%d SSE + %d WS), %d topics: published %d msg/s (%d failed), "
            + "delivered %.0f msg/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms | heap %.1f KB per idle connection | server CPU %.0f%% of one core%n",
        mode, connections, sseCount, connections - sseCount, topics, (int) (sent.get() / (window - 1)), failed.get(),
        n / window, pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 0.999),
        (heapAfter - heapBefore) / (double) connections, cpu / window);
    System.exit(0);
  }

  private static void record(String frame, long[] latencies, AtomicInteger received, AtomicLong measuring) {
    if (measuring.get() == 0) {
      return;
    }
    int at = frame.indexOf("\"sent\":");
    if (at < 0) {
      return;
    }
    int end = at + 7;
    while (end < frame.length() && Character.isDigit(frame.charAt(end))) {
      end++;
    }
    long latency = System.nanoTime() - Long.parseLong(frame.substring(at + 7, end));
    int i = received.getAndIncrement();
    if (i < latencies.length) {
      latencies[i] = latency;
    }
  }

  private static Future<?> openSse(HttpClient client, String topic, long[] latencies, AtomicInteger received, AtomicLong measuring) {
    return SseSubscription.open(client, topic, frame -> record(frame, latencies, received, measuring));
  }

  private static Future<?> openWebSocket(WebSocketClient client, boolean hub, String topic, long[] latencies,
                                         AtomicInteger received, AtomicLong measuring) {
    return client.connect(new WebSocketConnectOptions().setURI(hub ? "/ws" : "/ws/" + topic)).compose(socket -> {
      io.vertx.core.Promise<Void> ready = io.vertx.core.Promise.promise();
      socket.textMessageHandler(text -> {
        if (text.startsWith("{\"type\":\"subscribed\"")) {
          ready.tryComplete();
        } else {
          record(text, latencies, received, measuring);
        }
      });
      if (hub) {
        socket.writeTextMessage("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
      } else {
        ready.complete();
      }
      return ready.future();
    });
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e6;
  }

  /** Heap in use after a full GC, in KB, as jcmd reports it. */
  private static long heapUsedKb(long pid) throws Exception {
    exec("jcmd", String.valueOf(pid), "GC.run");
    String info = exec("jcmd", String.valueOf(pid), "GC.heap_info");
    Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("no heap figure in:\n" + info);
    }
    return Long.parseLong(m.group(1));
  }

  /** utime + stime of the process, in clock ticks (1/100 s). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static String exec(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }
}
