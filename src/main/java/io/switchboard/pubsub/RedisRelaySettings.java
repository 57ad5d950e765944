package io.switchboard.pubsub;

import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code redis} section of the configuration, checked once at start so a typo stops the relay
 * with the field named instead of misbehaving later.
 *
 * @param uri             where Redis is, e.g. {@code redis://127.0.0.1:6379}
 * @param channelPrefix   the channel namespace both ways: {@code switchboard:orders.created} is topic {@code orders.created}
 * @param inboundChannels PSUBSCRIBE glob patterns under the prefix ({@code *} = every channel with the prefix); empty = no inbound
 * @param wrapType        CloudEvent type given to Redis messages that are not CloudEvents
 * @param maxMessageBytes larger Redis messages are rejected
 * @param outboundTopics  hub topic patterns written to Redis; empty = no outbound
 * @param outboundBuffer  PUBLISHes held while Redis is unreachable (or slow) before they are dropped
 * @param reconnectInitialMs first reconnect delay; it doubles per failed attempt
 * @param reconnectMaxMs  longest reconnect delay
 * @param heartbeatMs     how often the relay proves its connections alive through Redis
 */
record RedisRelaySettings(String uri, String channelPrefix, List<String> inboundChannels, String wrapType,
                          int maxMessageBytes, List<TopicPattern> outboundTopics, int outboundBuffer,
                          long reconnectInitialMs, long reconnectMaxMs, long heartbeatMs) {

  static RedisRelaySettings from(JsonObject conf) {
    JsonObject redis = object(conf, "redis", "redis");
    JsonObject inbound = object(redis, "inbound", "redis.inbound");
    JsonObject outbound = object(redis, "outbound", "redis.outbound");
    JsonObject reconnect = object(redis, "reconnect", "redis.reconnect");

    String uri = redis.getValue("uri") instanceof String s && !s.isBlank() ? s : null;
    if (uri == null) {
      throw invalid("redis.uri", "must be set for the Redis relay to run");
    }
    String prefix = string(redis, "channel_prefix", "switchboard:", "redis.channel_prefix", true);

    List<String> channels = new ArrayList<>();
    for (Object c : array(inbound, "channels", new JsonArray().add("*"), "redis.inbound.channels")) {
      if (!(c instanceof String s) || s.isEmpty()) {
        throw invalid("redis.inbound.channels", "each entry must be a non-empty glob pattern such as \"*\" or \"orders.*\"");
      }
      channels.add(s);
    }
    String wrapType = string(inbound, "wrap_type", "switchboard.redis.message", "redis.inbound.wrap_type", false);
    try {
      Envelope.of(new JsonObject().put("type", wrapType), "/");
    } catch (Problem problem) {
      throw invalid("redis.inbound.wrap_type", problem.detail());
    }
    int maxBytes = integer(inbound, "max_message_bytes", 1024 * 1024, 1, Integer.MAX_VALUE, "redis.inbound.max_message_bytes");

    List<TopicPattern> topics = new ArrayList<>();
    JsonArray topicList = array(outbound, "topics", new JsonArray().add("#"), "redis.outbound.topics");
    for (int i = 0; i < topicList.size(); i++) {
      String field = "redis.outbound.topics[" + i + "]";
      if (!(topicList.getValue(i) instanceof String pattern)) {
        throw invalid(field, "must be a topic pattern string such as \"orders.#\"");
      }
      try {
        topics.add(TopicPattern.parse(pattern));
      } catch (Problem problem) {
        throw invalid(field, problem.detail());
      }
    }
    int buffer = integer(outbound, "buffer", 10_000, 0, 10_000_000, "redis.outbound.buffer");

    long initial = integer(reconnect, "initial_ms", 100, 1, 600_000, "redis.reconnect.initial_ms");
    long max = integer(reconnect, "max_ms", 5_000, 1, 600_000, "redis.reconnect.max_ms");
    if (max < initial) {
      throw invalid("redis.reconnect.max_ms", "must not be smaller than redis.reconnect.initial_ms (" + initial + ")");
    }
    long heartbeat = integer(redis, "heartbeat_ms", 5_000, 50, 600_000, "redis.heartbeat_ms");
    return new RedisRelaySettings(uri, prefix, List.copyOf(channels), wrapType, maxBytes, List.copyOf(topics), buffer,
        initial, max, heartbeat);
  }

  /** The PSUBSCRIBE arguments: each pattern under the prefix, the prefix's own glob characters escaped. */
  List<String> subscribePatterns() {
    String escaped = channelPrefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    return inboundChannels.stream().map(c -> escaped + c).toList();
  }

  boolean inboundEnabled() {
    return !inboundChannels.isEmpty();
  }

  boolean outboundEnabled() {
    return !outboundTopics.isEmpty();
  }

  private static JsonObject object(JsonObject parent, String name, String field) {
    Object value = parent.getValue(name);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject object)) {
      throw invalid(field, "must be a JSON object");
    }
    return object;
  }

  private static JsonArray array(JsonObject parent, String name, JsonArray fallback, String field) {
    Object value = parent.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof JsonArray array)) {
      throw invalid(field, "must be a JSON array");
    }
    return array;
  }

  private static String string(JsonObject parent, String name, String fallback, String field, boolean mayBeEmpty) {
    Object value = parent.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s) || (!mayBeEmpty && s.isBlank())) {
      throw invalid(field, mayBeEmpty ? "must be a string" : "must be a non-empty string");
    }
    return s;
  }

  private static int integer(JsonObject parent, String name, int fallback, int min, int max, String field) {
    Object value = parent.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer i) || i < min || i > max) {
      throw invalid(field, "must be an integer from " + min + " to " + max);
    }
    return i;
  }

  private static IllegalArgumentException invalid(String field, String message) {
    return new IllegalArgumentException("conf field \"" + field + "\": " + message);
  }
}
