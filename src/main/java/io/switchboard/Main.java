package io.switchboard;

import com.hazelcast.config.Config;
import io.switchboard.core.Listening;
import io.switchboard.launch.ClusterSettings;
import io.switchboard.launch.Hub;
import io.switchboard.launch.HubSettings;
import io.switchboard.launch.LaunchException;
import io.switchboard.launch.LaunchOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.NodeInfo;
import io.switchboard.core.metrics.GuardedMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher: reads conf/ and verticles/ (or the packaged defaults), applies the environment
 * overrides, deploys each enabled verticle, and on SIGTERM undeploys them within 10 seconds.
 * Exit codes: 2 for bad configuration, 1 when a verticle fails to start.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final long STOP_TIMEOUT_MS = 10_000;

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("keygen")) {
      System.exit(KeyGen.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    LaunchOptions options;
    HubSettings settings;
    boolean clustered;
    Config hazelcast = null;
    try {
      options = LaunchOptions.parse(args);
      settings = HubSettings.load(options, System.getenv(), Path.of(""));
      clustered = options.cluster() || settings.conf().getJsonObject("cluster").getBoolean("enabled", false);
      if (clustered) {
        ClusterSettings.requireSharedStore(settings.conf());
        hazelcast = ClusterSettings.hazelcast(settings.conf(), Path.of(""));
      }
    } catch (LaunchException e) {
      System.err.println("switchboard: " + e.getMessage());
      System.exit(2);
      return;
    }

    Vertx vertx;
    HazelcastClusterManager clusterManager = clustered ? new HazelcastClusterManager(hazelcast) : null;
    try {
      vertx = clustered
          ? await(Vertx.builder().with(vertxOptions().setEventBusOptions(ClusterSettings.eventBus(settings.conf())))
              .withMetrics(GuardedMetricsFactory.micrometer()).withClusterManager(clusterManager)
              .buildClustered(), 120_000)
          : Vertx.builder().with(vertxOptions()).withMetrics(GuardedMetricsFactory.micrometer()).build();
    } catch (Exception e) {
      System.err.println("switchboard: cannot join the cluster: " + (e.getCause() != null ? e.getCause() : e).getMessage());
      System.exit(1);
      return;
    }
    Hub hub;
    try {
      hub = await(Hub.start(vertx, settings), 120_000);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("switchboard: " + cause.getMessage());
      await(vertx.close(), STOP_TIMEOUT_MS);
      System.exit(1);
      return;
    }
    // What the verticles really bound (a descriptor may bind elsewhere than the global conf says, a port 0 anywhere).
    StringBuilder listeners = new StringBuilder();
    Listening.bound(vertx).forEach((name, address) -> listeners.append(listeners.length() == 0 ? "" : ", ")
        .append(name).append(' ').append(address));
    if (clusterManager != null) {
      NodeInfo bus = clusterManager.getNodeInfo();
      listeners.append(listeners.length() == 0 ? "" : ", ").append("cluster event bus ").append(bus.host()).append(':')
          .append(bus.port()).append(ClusterSettings.eventBus(settings.conf()).isSsl() ? " (TLS)" : " (clear text)");
    }
    log.info("switchboard node {} is up: {}", settings.conf().getJsonObject("node").getString("id"),
        listeners.length() == 0 ? "no listeners" : listeners);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, hub), "switchboard-shutdown"));
  }

  private static void stop(Vertx vertx, Hub hub) {
    long started = System.nanoTime();
    log.info("stopping");
    try {
      // Two waits, not one chain: a chain bound to an event loop cannot complete once close() has ended it.
      await(hub.stop(), STOP_TIMEOUT_MS);
      await(vertx.close(), Math.max(1, STOP_TIMEOUT_MS - (System.nanoTime() - started) / 1_000_000));
      log.info("stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
    } catch (Exception e) {
      log.warn("did not stop cleanly within {} ms: {}", STOP_TIMEOUT_MS, e.toString());
    }
  }

  /** Vert.x with Prometheus metrics: what every node, and the tests, run. */
  public static VertxOptions vertxOptions() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        // A topic message crosses the event bus several times; per-message bus metrics cost more
        // than they tell. The hub's own counters (switchboard_*) cover the flows.
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  private static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }
}
