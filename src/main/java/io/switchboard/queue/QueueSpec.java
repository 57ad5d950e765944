package io.switchboard.queue;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One hub queue as configured in {@code rabbitmq.queues}: its RabbitMQ arguments and how the bridge
 * consumes it (a handler address, or a hub topic it feeds), with its dead-letter queue {@code {name}.dlq}.
 */
record QueueSpec(String name, boolean quorum, Integer ttlMs, Integer maxLength, String overflow,
                 Integer maxPriority, boolean delay, int maxRetries, long retryBackoffMs, long retryBackoffMaxMs,
                 int prefetch, String handler, long handlerTimeoutMs, String topic) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
  private static final Set<String> OVERFLOWS = Set.of("drop-head", "reject-publish", "reject-publish-dlx");
  private static final Set<String> FIELDS = Set.of("name", "type", "durable", "ttl_ms", "max_length", "overflow",
      "max_priority", "delay", "max_retries", "retry_backoff_ms", "retry_backoff_max_ms", "prefetch", "handler",
      "handler_timeout_ms", "topic", "description");

  String deadLetterQueue() {
    return name + ".dlq";
  }

  /** Whether the bridge consumes this queue (else outside AMQP clients do). */
  boolean consumed() {
    return handler != null || topic != null;
  }

  /** The {@code x-} arguments of the queue itself. */
  Map<String, Object> arguments() {
    Map<String, Object> args = new HashMap<>();
    args.put("x-queue-type", quorum ? "quorum" : "classic");
    // Expired and overflowing messages go to the DLQ too, not into the void.
    args.put("x-dead-letter-exchange", "");
    args.put("x-dead-letter-routing-key", deadLetterQueue());
    if (ttlMs != null) {
      args.put("x-message-ttl", ttlMs);
    }
    if (maxLength != null) {
      args.put("x-max-length", maxLength);
      args.put("x-overflow", overflow);
    }
    if (maxPriority != null) {
      args.put("x-max-priority", maxPriority);
    }
    return args;
  }

  Map<String, Object> deadLetterArguments() {
    return Map.of("x-queue-type", quorum ? "quorum" : "classic");
  }

  /** The wait before retry number {@code attempt} (1-based): doubling from the base, capped. */
  long backoffMs(int attempt) {
    long delay = retryBackoffMs;
    for (int i = 1; i < attempt && delay < retryBackoffMaxMs; i++) {
      delay *= 2;
    }
    return Math.min(delay, retryBackoffMaxMs);
  }

  /** Reads one entry of {@code rabbitmq.queues}; every mistake names the field. */
  static QueueSpec parse(JsonObject json, String where) {
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException(where + "." + field + ": unknown field (expected one of "
            + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
      }
    }
    String name = json.getValue("name") instanceof String s ? s : null;
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(where + ".name: must be 1-200 characters of A-Z a-z 0-9 _ . : -");
    }
    if (name.endsWith(".dlq") || name.contains(".delay.") || name.startsWith("amq.")) {
      throw new IllegalArgumentException(where + ".name: '" + name + "' is reserved (.dlq, .delay., amq.)");
    }
    String at = where + " (" + name + ")";
    String type = string(json, "type", "classic", at);
    if (!type.equals("classic") && !type.equals("quorum")) {
      throw new IllegalArgumentException(at + ".type: must be \"classic\" or \"quorum\"");
    }
    boolean quorum = type.equals("quorum");
    if (!bool(json, "durable", true, at)) {
      // Queues hold work that must survive a broker restart: the whole point of the bridge.
      throw new IllegalArgumentException(at + ".durable: hub queues are always durable");
    }
    Integer ttl = optionalInt(json, "ttl_ms", 1, Integer.MAX_VALUE, at);
    Integer maxLength = optionalInt(json, "max_length", 1, Integer.MAX_VALUE, at);
    String overflow = string(json, "overflow", "drop-head", at);
    if (!OVERFLOWS.contains(overflow)) {
      throw new IllegalArgumentException(at + ".overflow: must be one of drop-head, reject-publish, reject-publish-dlx");
    }
    if (quorum && overflow.equals("reject-publish-dlx")) {
      throw new IllegalArgumentException(at + ".overflow: quorum queues take drop-head or reject-publish");
    }
    Integer maxPriority = optionalInt(json, "max_priority", 1, 255, at);
    if (quorum && maxPriority != null) {
      throw new IllegalArgumentException(at + ".max_priority: priorities need a classic queue");
    }
    int maxRetries = intOr(json, "max_retries", 0, 1000, 3, at);
    long backoff = intOr(json, "retry_backoff_ms", 0, Integer.MAX_VALUE, 1000, at);
    long backoffMax = intOr(json, "retry_backoff_max_ms", 0, Integer.MAX_VALUE, 60_000, at);
    int prefetch = intOr(json, "prefetch", 1, 65_535, 50, at);
    long handlerTimeout = intOr(json, "handler_timeout_ms", 1, Integer.MAX_VALUE, 30_000, at);
    String handler = json.getValue("handler") == null ? null : string(json, "handler", null, at);
    String topic = json.getValue("topic") == null ? null : string(json, "topic", null, at);
    if (handler != null && topic != null) {
      throw new IllegalArgumentException(at + ": give a handler or a topic, not both");
    }
    return new QueueSpec(name, quorum, ttl, maxLength, overflow, maxPriority, bool(json, "delay", false, at),
        maxRetries, backoff, Math.max(backoff, backoffMax), prefetch, handler, handlerTimeout, topic);
  }

  private static String string(JsonObject json, String field, String fallback, String at) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(at + "." + field + ": must be a non-empty string");
    }
    return s;
  }

  private static boolean bool(JsonObject json, String field, boolean fallback, String at) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw new IllegalArgumentException(at + "." + field + ": must be true or false");
    }
    return b;
  }

  private static int intOr(JsonObject json, String field, int min, int max, int fallback, String at) {
    Integer value = optionalInt(json, field, min, max, at);
    return value == null ? fallback : value;
  }

  static Integer optionalInt(JsonObject json, String field, int min, int max, String at) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer i) || i < min || i > max) {
      throw new IllegalArgumentException(at + "." + field + ": must be an integer from " + min + " to " + max);
    }
    return i;
  }
}
