package io.switchboard.groups;

import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a consumer group is, as given to {@code PUT /api/v1/subscriptions/{group}}: its source
 * ({@code stream} {@code $all}, optionally narrowed to a {@code category}, or one stream), the event
 * types it wants ({@code types}, patterns with {@code *} and {@code #} as for topics; none = all),
 * where a new group starts ({@code start}: {@code beginning}, {@code end} or a position), how events
 * are shared ({@code strategy}) and the redelivery rules.
 */
public record GroupSpec(String name, String stream, String category, List<String> types, String start, Strategy strategy,
                        int maxInFlight, long ackTimeoutMs, int maxRetries, long retryBackoffMs, long maxRetryBackoffMs) {

  /** round_robin: any consumer with room gets the next event; by_stream: one event of a stream in flight at a time. */
  public enum Strategy { ROUND_ROBIN, BY_STREAM;

    String json() {
      return name().toLowerCase();
    }
  }

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
  private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
  private static final Set<String> FIELDS = Set.of("stream", "category", "types", "start", "strategy", "max_in_flight",
      "ack_timeout_ms", "max_retries", "retry_backoff_ms", "max_retry_backoff_ms");

  /** The group's name, or a 400 problem. */
  public static String validName(Object name) {
    if (!(name instanceof String s) || !NAME.matcher(s).matches()) {
      throw Problem.badRequest("invalid-group-name", "a group name is 1-100 characters of A-Z a-z 0-9 _ . -");
    }
    return s;
  }

  /** Parses a definition; every mistake is a 422 problem naming the field. */
  public static GroupSpec parse(String name, Object body) {
    validName(name);
    if (!(body instanceof JsonObject json)) {
      throw invalid("a subscription is a JSON object {\"stream\", \"category\"?, \"types\"?, \"start\"?, \"strategy\"?, …}");
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw invalid("unknown field \"" + field + "\" (expected " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
      }
    }
    Object streamValue = json.getValue("stream", StreamNames.ALL);
    if (!(streamValue instanceof String stream) || !(stream.equals(StreamNames.ALL) || STREAM.matcher(stream).matches())) {
      throw invalid("stream: \"$all\" or a stream name (1-200 of A-Z a-z 0-9 _ . : -)");
    }
    String category = null;
    if (json.getValue("category") != null) {
      if (!(json.getValue("category") instanceof String c) || !STREAM.matcher(c).matches() || c.contains("-")) {
        throw invalid("category: a category name (the part of a stream name before its first '-')");
      }
      if (!stream.equals(StreamNames.ALL)) {
        throw invalid("category goes with stream \"$all\", not with a stream");
      }
      category = c;
    }
    List<String> types = new ArrayList<>();
    Object typesValue = json.getValue("types");
    if (typesValue != null) {
      if (!(typesValue instanceof JsonArray array) || array.size() > 100) {
        throw invalid("types: a list of at most 100 event-type patterns (\"order.*\", \"#\")");
      }
      for (Object type : array) {
        if (!(type instanceof String s)) {
          throw invalid("types: patterns are strings");
        }
        try {
          TopicPattern.parse(s);
        } catch (Problem p) {
          throw invalid("types: " + p.detail());
        }
        types.add(s);
      }
    }
    Object startValue = json.getValue("start", "end");
    String start;
    if (startValue instanceof String s && (s.equals("beginning") || s.equals("end"))) {
      start = s;
    } else if ((startValue instanceof Integer || startValue instanceof Long) && ((Number) startValue).longValue() >= 0) {
      start = String.valueOf(startValue);
    } else {
      throw invalid("start: \"beginning\", \"end\" or a position (the group starts after it)");
    }
    Strategy strategy = switch (String.valueOf(json.getValue("strategy", "round_robin"))) {
      case "round_robin" -> Strategy.ROUND_ROBIN;
      case "by_stream" -> Strategy.BY_STREAM;
      default -> throw invalid("strategy: round_robin or by_stream");
    };
    return new GroupSpec(name, stream, category, List.copyOf(types), start, strategy,
        (int) number(json, "max_in_flight", 100, 1, 10_000),
        number(json, "ack_timeout_ms", 30_000, 100, 3_600_000),
        (int) number(json, "max_retries", 5, 0, 1000),
        number(json, "retry_backoff_ms", 1000, 0, 3_600_000),
        number(json, "max_retry_backoff_ms", 60_000, 0, 3_600_000));
  }

  private static long number(JsonObject json, String field, long fallback, long min, long max) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min
        && ((Number) value).longValue() <= max) {
      return ((Number) value).longValue();
    }
    throw invalid(field + ": an integer from " + min + " to " + max + ", not " + value);
  }

  private static Problem invalid(String detail) {
    return Problem.invalid("invalid-subscription", detail);
  }

  /** As stored and shown (without the name). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("stream", stream);
    if (category != null) {
      json.put("category", category);
    }
    return json.put("types", new JsonArray(types)).put("start", start.matches("\\d+") ? (Object) Long.parseLong(start) : start)
        .put("strategy", strategy.json()).put("max_in_flight", maxInFlight).put("ack_timeout_ms", ackTimeoutMs)
        .put("max_retries", maxRetries).put("retry_backoff_ms", retryBackoffMs).put("max_retry_backoff_ms", maxRetryBackoffMs);
  }

  /** Reads a stored definition back. */
  static GroupSpec fromStored(String name, JsonObject json) {
    return parse(name, json);
  }

  /** Whether the group takes this event. */
  Matcher matcher() {
    return new Matcher(this);
  }

  /** The source and type filter, compiled once per coordinator. */
  static final class Matcher {
    private final String stream;
    private final TopicTrie<Boolean> types;

    Matcher(GroupSpec spec) {
      this.stream = spec.stream.equals(StreamNames.ALL) ? null : spec.stream;
      if (spec.types.isEmpty()) {
        this.types = null;
      } else {
        this.types = new TopicTrie<>();
        spec.types.forEach(t -> types.add(TopicPattern.parse(t), Boolean.TRUE));
      }
    }

    boolean matches(String eventStream, String type) {
      if (stream != null && !stream.equals(eventStream)) {
        return false;
      }
      if (types == null) {
        return true;
      }
      try {
        return !types.match(type).isEmpty();
      } catch (RuntimeException notATopicLikeType) {
        return false;
      }
    }
  }

  /** The store category to read, or null for every event ($all), narrowing a one-stream source too. */
  String readCategory() {
    if (category != null) {
      return category;
    }
    return stream.equals(StreamNames.ALL) ? null : StreamNames.category(stream);
  }
}
