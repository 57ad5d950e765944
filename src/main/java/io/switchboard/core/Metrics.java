package io.switchboard.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.concurrent.atomic.AtomicLong;

/** Access to the node's Micrometer registry, scraped at {@code GET /metrics}. */
public final class Metrics {

  private Metrics() {}

  /** The node's registry, or a throw-away one when metrics are off (tests that do not need them). */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : new CompositeMeterRegistry();
  }

  /**
   * {@code switchboard.topics.rejected}: topic publishes refused as invalid events (422), wherever the
   * event was checked: by the router (JSON requests), a gateway (REST, WebSocket, the bridges) or the Redis relay.
   */
  public static Counter topicsRejected() {
    return Counter.builder("switchboard.topics.rejected").description("Topic publishes refused as invalid")
        .register(registry());
  }

  /** {@code refused}, counted in {@link #topicsRejected} when it refuses an invalid event (422): {@code throw countedIfInvalid(p)}. */
  public static Problem countedIfInvalid(Problem refused) {
    if (refused.status() == 422) {
      topicsRejected().increment();
    }
    return refused;
  }

  /**
   * A gauge shared by every verticle instance of this node: each instance adds and subtracts its
   * own share (its open connections, say) and the node reports the sum.
   */
  public static AtomicLong nodeGauge(Vertx vertx, String name, String description, String... tags) {
    LocalMap<String, SharedValue> gauges = vertx.sharedData().getLocalMap("switchboard.metrics.gauges");
    String key = name + "|" + String.join(",", tags);
    SharedValue created = new SharedValue();
    SharedValue existing = gauges.putIfAbsent(key, created);
    if (existing != null) {
      return existing.value;
    }
    Gauge.builder(name, created.value, AtomicLong::get).description(description).tags(tags).register(registry());
    return created.value;
  }

  /**
   * This node's values of a gauge registered through {@link #nodeGauge} with one tag, by tag value:
   * {@code gaugeByTag(vertx, "switchboard.connections", "transport")} → {@code {"sse": 3, ...}}.
   */
  public static JsonObject gaugeByTag(Vertx vertx, String name, String tag) {
    JsonObject out = new JsonObject();
    String prefix = name + "|" + tag + ",";
    LocalMap<String, SharedValue> gauges = vertx.sharedData().getLocalMap("switchboard.metrics.gauges");
    gauges.forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        out.put(key.substring(prefix.length()), value.value.get());
      }
    });
    return out;
  }

  private static final class SharedValue implements Shareable {
    final AtomicLong value = new AtomicLong();
  }
}
