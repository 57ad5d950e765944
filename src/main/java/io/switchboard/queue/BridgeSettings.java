package io.switchboard.queue;

import io.switchboard.core.Problem;
import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code rabbitmq} section of the configuration, checked once at start. */
record BridgeSettings(String uri, String nodeId, Map<String, QueueSpec> queues, long reconnectInitialMs,
                      long reconnectMaxMs, long confirmTimeoutMs, int maxInFlight, long maxDelayMs,
                      String topicExchange, List<TopicPattern> topicPatterns, long dedupeWindowMs, int dedupeMaxIds) {

  static BridgeSettings from(JsonObject conf) {
    JsonObject section = conf.getJsonObject("rabbitmq", new JsonObject());
    String at = "rabbitmq";
    Map<String, QueueSpec> queues = new LinkedHashMap<>();
    JsonArray list = section.getValue("queues") == null ? new JsonArray() : array(section, "queues", at);
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException(at + ".queues[" + i + "]: must be a JSON object");
      }
      QueueSpec spec = QueueSpec.parse(entry, at + ".queues[" + i + "]");
      if (queues.put(spec.name(), spec) != null) {
        throw new IllegalArgumentException(at + ".queues[" + i + "]: queue '" + spec.name() + "' is configured twice");
      }
    }
    JsonObject reconnect = section.getJsonObject("reconnect", new JsonObject());
    long initial = intOr(reconnect, "initial_ms", 500, at + ".reconnect");
    long max = Math.max(initial, intOr(reconnect, "max_ms", 10_000, at + ".reconnect"));
    JsonObject topics = section.getJsonObject("topics", new JsonObject());
    List<TopicPattern> patterns = new ArrayList<>();
    JsonArray patternList = topics.getValue("patterns") == null ? new JsonArray().add("#") : array(topics, "patterns", at + ".topics");
    for (Object p : patternList) {
      try {
        patterns.add(TopicPattern.parse(String.valueOf(p)));
      } catch (Problem e) {
        throw new IllegalArgumentException(at + ".topics.patterns: " + e.detail());
      }
    }
    String exchange = topics.getString("exchange", "switchboard.topics");
    return new BridgeSettings(section.getString("uri"), conf.getJsonObject("node").getString("id"), Map.copyOf(queues),
        initial, max, intOr(section, "confirm_timeout_ms", 10_000, at), (int) intOr(section, "max_in_flight", 10_000, at),
        intOr(section, "max_delay_ms", 86_400_000, at), exchange, List.copyOf(patterns),
        dedupeWindow(section, at), (int) intOr(section, "dedupe_max_ids", 100_000, at));
  }

  private static long dedupeWindow(JsonObject section, String at) {
    Integer window = QueueSpec.optionalInt(section, "dedupe_window_ms", 0, 86_400_000, at);
    return window == null ? 300_000 : window;
  }

  QueueSpec queue(String name) {
    QueueSpec spec = name == null ? null : queues.get(name);
    if (spec == null) {
      throw Problem.notFound("no queue named '" + (name == null ? "" : name.length() > 80 ? name.substring(0, 80) + "…" : name)
          + "' is configured (rabbitmq.queues)");
    }
    return spec;
  }

  private static JsonArray array(JsonObject json, String field, String at) {
    if (!(json.getValue(field) instanceof JsonArray array)) {
      throw new IllegalArgumentException(at + "." + field + ": must be a JSON array");
    }
    return array;
  }

  private static long intOr(JsonObject json, String field, int fallback, String at) {
    Integer value = QueueSpec.optionalInt(json, field, 1, Integer.MAX_VALUE, at);
    return value == null ? fallback : value;
  }
}
