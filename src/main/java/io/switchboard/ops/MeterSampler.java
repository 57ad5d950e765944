package io.switchboard.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the node's own Micrometer meters into one sample of what an operator charts: per-second
 * rates of the counters since the previous sample, and the gauges as they stand. Pure reading:
 * the meters stay the single source (what {@code /metrics} exports).
 */
final class MeterSampler {

  private final MeterRegistry registry;
  private final Map<String, Double> previous = new HashMap<>();
  private long previousAt = -1;

  MeterSampler(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One sample at {@code nowMs}; the first one has all rates 0 (nothing to compare with). */
  JsonObject sample(long nowMs) {
    double seconds = previousAt < 0 ? 0 : Math.max(0.001, (nowMs - previousAt) / 1000.0);
    Map<String, Double> current = new HashMap<>();
    Rates rates = new Rates(current, seconds);

    JsonObject queues = new JsonObject();
    for (String[] metric : QUEUE_RATES) {
      rates.byTag("switchboard.queue." + metric[0], "queue").forEach((queue, rate) ->
          entry(queues, queue).put(metric[1], rate));
    }
    JsonObject projections = new JsonObject();
    gaugesByTag("switchboard.cqrs.projection.lag.events", "projection").forEach((name, value) ->
        entry(projections, name).put("lag_events", value.longValue()));
    gaugesByTag("switchboard.cqrs.projection.lag.ms", "projection").forEach((name, value) ->
        entry(projections, name).put("lag_ms", value.longValue()));

    // Consumer groups (issue 17) register these gauges on the node that coordinates each group;
    // without groups there are none and the slot stays empty (the console then hides its chart).
    JsonObject groups = new JsonObject();
    gaugesByTag("switchboard.groups.lag.events", "group").forEach((name, value) ->
        entry(groups, name).put("lag_events", value.longValue()));
    gaugesByTag("switchboard.groups.lag.ms", "group").forEach((name, value) ->
        entry(groups, name).put("lag_ms", value.longValue()));

    JsonObject sample = new JsonObject()
        .put("time", nowMs)
        .put("messages_in", rates.byTagJson("switchboard.messages.in", "transport"))
        .put("messages_out", rates.byTagJson("switchboard.messages.out", "transport"))
        .put("connections", toJson(gaugesByTag("switchboard.connections", "transport")))
        .put("queues", queues)
        .put("webhooks", new JsonObject()
            .put("delivered", rates.total("switchboard.webhooks.attempts", "outcome", "delivered"))
            .put("failed", rates.total("switchboard.webhooks.attempts", "outcome", "failed"))
            .put("open_circuits", (long) gaugeTotal("switchboard.webhooks.circuits.open")))
        .put("projections", projections)
        .put("store", new JsonObject().put("appended", rates.total("switchboard.eventstore.appended", null, null)))
        .put("consumer_groups", groups);
    previous.clear();
    previous.putAll(current);
    previousAt = nowMs;
    return sample;
  }

  /** Counter suffix → the sample's field, per queue. */
  private static final String[][] QUEUE_RATES = {
    {"published", "published"}, {"consumed", "delivered"}, {"acked", "acked"}, {"dead_lettered", "dead_lettered"},
  };

  /** The object under {@code name} in {@code byName}, created when absent. */
  private static JsonObject entry(JsonObject byName, String name) {
    JsonObject entry = byName.getJsonObject(name);
    if (entry == null) {
      entry = new JsonObject();
      byName.put(name, entry);
    }
    return entry;
  }

  private Map<String, Double> gaugesByTag(String name, String tag) {
    Map<String, Double> out = new HashMap<>();
    for (Gauge gauge : registry.find(name).gauges()) {
      String value = gauge.getId().getTag(tag);
      if (value != null && !Double.isNaN(gauge.value())) {
        out.merge(value, gauge.value(), Double::sum);
      }
    }
    return out;
  }

  private double gaugeTotal(String name) {
    double sum = 0;
    for (Gauge gauge : registry.find(name).gauges()) {
      if (!Double.isNaN(gauge.value())) {
        sum += gauge.value();
      }
    }
    return sum;
  }

  private static JsonObject toJson(Map<String, Double> values) {
    JsonObject out = new JsonObject();
    values.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey(), e.getValue().longValue()));
    return out;
  }

  /** Counter rates against the previous sample; records every counter read into {@code current}. */
  private final class Rates {
    private final Map<String, Double> current;
    private final double seconds;

    Rates(Map<String, Double> current, double seconds) {
      this.current = current;
      this.seconds = seconds;
    }

    Map<String, Double> byTag(String name, String tag) {
      Map<String, Double> counts = new HashMap<>();
      for (Counter counter : registry.find(name).counters()) {
        String value = counter.getId().getTag(tag);
        if (value != null) {
          counts.merge(value, counter.count(), Double::sum);
        }
      }
      Map<String, Double> out = new HashMap<>();
      counts.forEach((value, count) -> out.put(value, rate(name + "|" + tag + "=" + value, count)));
      return out;
    }

    JsonObject byTagJson(String name, String tag) {
      JsonObject out = new JsonObject();
      byTag(name, tag).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.put(e.getKey(), e.getValue()));
      return out;
    }

    double total(String name, String tag, String tagValue) {
      double count = 0;
      for (Counter counter : registry.find(name).counters()) {
        if (tag == null || tagValue.equals(counter.getId().getTag(tag))) {
          count += counter.count();
        }
      }
      return rate(name + "|" + tag + "=" + tagValue, count);
    }

    private double rate(String key, double count) {
      current.put(key, count);
      if (seconds == 0) {
        return 0.0;
      }
      // A counter first seen now was created since the last sample (a first message by a transport).
      double before = previous.getOrDefault(key, 0.0);
      // A counter that went down was re-registered (a verticle redeployed): no negative rates.
      return Math.round(Math.max(0, count - before) / seconds * 100) / 100.0;
    }
  }
}
