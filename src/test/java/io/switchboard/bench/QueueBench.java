package io.switchboard.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.switchboard.Main;
import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.launch.Hub;
import io.switchboard.launch.HubSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.switchboard.core.metrics.GuardedMetricsFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge path end to end, in one JVM as PerfTest runs: a publisher keeps C requests in flight
 * on {@code switchboard.queue.publish} (1 KB persistent CloudEvents, each answered after RabbitMQ's
 * confirm), the bridge consumes the queue with manual acks and the given prefetch and sends each
 * message to a handler on the event bus, whose reply acks it. Prints messages/s both ways,
 * publish-to-handler latency and confirm latency.
 *
 * <p>usage: QueueBench AMQP_URI SECONDS IN_FLIGHT PREFETCH
 */
public final class QueueBench {

  private static final int SIZE = 1000;
  private static final long WARM_UP_MS = 10_000;

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int seconds = Integer.parseInt(args[1]);
    int inFlight = Integer.parseInt(args[2]);
    int prefetch = Integer.parseInt(args[3]);
    String queue = "bench_bridge_" + Long.toString(System.nanoTime(), 36);
    String handler = "bench.handler";

    JsonObject conf = HubSettings.defaultConf(new JsonObject()
        .put("node", new JsonObject().put("id", "bench"))
        .put("rabbitmq", new JsonObject().put("uri", uri)
            .put("topics", new JsonObject().put("patterns", new JsonArray()))
            .put("queues", new JsonArray().add(new JsonObject().put("name", queue).put("handler", handler).put("prefetch", prefetch)))));
    List<io.switchboard.launch.VerticleDescriptor> bridge = HubSettings.builtInDescriptors().stream()
        .filter(d -> d.name().equals("rabbitmq-bridge")).toList();
    Vertx vertx = Vertx.builder().with(Main.vertxOptions()).withMetrics(GuardedMetricsFactory.micrometer()).build();
    Hub hub = Hub.start(vertx, new HubSettings(conf, bridge)).await(60, TimeUnit.SECONDS);

    String pad = padFor(SIZE);
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    int capacity = 4_000_000;
    long[] consumerLatency = new long[capacity];
    long[] confirmLatency = new long[capacity];
    AtomicInteger received = new AtomicInteger();
    AtomicInteger confirmed = new AtomicInteger();
    AtomicLong failed = new AtomicLong();

    vertx.eventBus().<JsonObject>consumer(handler, m -> {
      if (measuring.get()) {
        long sent = m.body().getJsonObject("data").getLong("sent");
        int i = received.getAndIncrement();
        if (i < capacity) {
          consumerLatency[i] = System.nanoTime() - sent;
        }
      }
      m.reply(null);
    }).completion().await(10, TimeUnit.SECONDS);

    Runnable[] send = new Runnable[1];
    send[0] = () -> {
      if (!running.get()) {
        return;
      }
      long sent = System.nanoTime();
      JsonObject request = new JsonObject().put("queue", queue).put("event", new JsonObject()
          .put("type", "bench.event").put("data", new JsonObject().put("sent", sent).put("pad", pad)));
      vertx.eventBus().<JsonObject>request(Addresses.QUEUE_PUBLISH, request).onComplete(ar -> {
        if (ar.failed()) {
          failed.incrementAndGet();
          vertx.setTimer(10, t -> send[0].run());
          return;
        }
        if (measuring.get()) {
          int i = confirmed.getAndIncrement();
          if (i < capacity) {
            confirmLatency[i] = System.nanoTime() - sent;
          }
        }
        send[0].run();
      });
    };
    vertx.runOnContext(v -> {
      for (int i = 0; i < inFlight; i++) {
        send[0].run();
      }
    });

    Thread.sleep(WARM_UP_MS);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    measuring.set(true);
    long cpuStart = os.getProcessCpuTime();
    long start = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    measuring.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = os.getProcessCpuTime() - cpuStart;
    running.set(false);
    int c = Math.min(confirmed.get(), capacity);
    int r = Math.min(received.get(), capacity);
    long[] consumer = Arrays.copyOf(consumerLatency, r);
    long[] confirm = Arrays.copyOf(confirmLatency, c);
    Arrays.sort(consumer);
    Arrays.sort(confirm);
    System.out.printf(Locale.ROOT, "bridge  sent %8.0f msg/s | received %8.0f msg/s | consumer latency median %.2f ms p99 %.2f ms"
            + " | confirm latency median %.2f ms p99 %.2f ms | failed publishes %d | JVM CPU %.1f µs/msg%n",
        c / elapsed, r / elapsed, pct(consumer, 0.5), pct(consumer, 0.99), pct(confirm, 0.5), pct(confirm, 0.99), failed.get(),
        cpu / 1e3 / Math.max(1, r));

    Thread.sleep(1000);
    hub.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dlq");
    }
    System.exit(0);
  }

  /** Padding that makes the published envelope {@code size} bytes, as PerfTest's bodies are. */
  private static String padFor(int size) {
    JsonObject sample = Envelope.of(new JsonObject().put("type", "bench.event")
        .put("data", new JsonObject().put("sent", System.nanoTime()).put("pad", "")), "/switchboard/bench").toJson();
    int overhead = sample.encode().length();
    return "x".repeat(Math.max(0, size - overhead));
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e6;
  }
}
