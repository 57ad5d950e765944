package io.switchboard.queue;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/** The per-message options of a queue publish, checked: 400 with the reason for anything off. */
record PublishOptions(Integer priority, long delayMs, Long ttlMs, String replyTo, Map<String, Object> headers) {

  private static final int MAX_HEADERS = 64;

  static PublishOptions from(JsonObject request, QueueSpec spec, long maxDelayMs) {
    Long priority = number(request, "priority", 0, 255);
    Long delay = number(request, "delay_ms", 0, maxDelayMs);
    Long ttl = number(request, "ttl_ms", 0, Integer.MAX_VALUE);
    if (delay != null && delay > 0) {
      if (!spec.delay()) {
        throw Problem.badRequest("delay-disabled", "queue '" + spec.name() + "' does not take delayed messages"
            + " (set \"delay\": true in its configuration)");
      }
      if (ttl != null) {
        // RabbitMQ drops a message's expiration when it dead-letters it out of the delay queue.
        throw Problem.badRequest("delay-with-ttl", "delay_ms and ttl_ms cannot be combined on one message");
      }
    }
    Object replyTo = request.getValue("reply_to");
    if (replyTo != null && (!(replyTo instanceof String s) || s.isBlank() || s.length() > 255)) {
      throw Problem.badRequest("invalid-reply-to", "reply_to must be a queue name of 1 to 255 characters");
    }
    return new PublishOptions(priority == null ? null : priority.intValue(), delay == null ? 0 : delay, ttl,
        (String) replyTo, headers(request));
  }

  private static Long number(JsonObject request, String field, long min, long max) {
    Object value = request.getValue(field);
    if (value == null) {
      return null;
    }
    long n;
    if (value instanceof Integer || value instanceof Long) {
      n = ((Number) value).longValue();
    } else if (value instanceof String s) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw Problem.badRequest("invalid-" + field.replace('_', '-'), field + " must be an integer, not '"
            + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'");
      }
    } else {
      throw Problem.badRequest("invalid-" + field.replace('_', '-'), field + " must be an integer");
    }
    if (n < min || n > max) {
      throw Problem.badRequest("invalid-" + field.replace('_', '-'), field + " must be from " + min + " to " + max + ", not " + n);
    }
    return n;
  }

  /** Application headers: strings, numbers and booleans, none named like the hub's own {@code x-} headers. */
  private static Map<String, Object> headers(JsonObject request) {
    Object value = request.getValue("headers");
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json) || json.size() > MAX_HEADERS) {
      throw Problem.badRequest("invalid-headers", "headers must be a JSON object of at most " + MAX_HEADERS + " entries");
    }
    Map<String, Object> headers = new HashMap<>();
    json.forEach(e -> {
      Object v = e.getValue();
      if (e.getKey().isEmpty() || e.getKey().length() > 128 || e.getKey().toLowerCase().startsWith("x-")) {
        throw Problem.badRequest("invalid-headers", "header '" + e.getKey() + "' is not allowed (x- headers are the hub's and the broker's)");
      }
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw Problem.badRequest("invalid-headers", "header '" + e.getKey() + "' must be a string, number or boolean");
      }
      headers.put(e.getKey(), v);
    });
    return headers;
  }
}
