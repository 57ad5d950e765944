package io.switchboard.webhook;

import io.switchboard.core.Problem;
import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a client may send to create or change an endpoint, checked field by field: 400 for a body
 * that is not a JSON object, 422 naming the field for anything else (unknown fields included, so a
 * typo such as {@code "event"} is not silently ignored).
 */
final class EndpointInput {

  static final int MAX_PATTERNS = 100;
  static final int MAX_DESCRIPTION = 1000;
  static final int MAX_RATE = 100_000;
  static final int MAX_IN_FLIGHT = 1024;

  private static final Set<String> CREATE = Set.of("url", "events", "secret", "description", "rate_limit", "max_in_flight", "active");
  private static final Set<String> PATCH = Set.of("url", "events", "description", "rate_limit", "max_in_flight", "active");

  private EndpointInput() {}

  /**
   * A create request, normalised: {@code url}, {@code events} (normalised patterns), {@code secret}
   * (generated when absent), {@code description}, {@code rate_limit}, {@code max_in_flight}, {@code active}.
   */
  static JsonObject create(Object body, AddressGuard guard) {
    JsonObject in = object(body, CREATE);
    JsonObject out = new JsonObject();
    guard.target(in.getValue("url"));
    out.put("url", in.getString("url"));
    if (!in.containsKey("events")) {
      throw invalid("invalid-events", "events is required: a list of CloudEvent type patterns such as [\"order.*\"] (\"#\" for all)");
    }
    out.put("events", events(in.getValue("events")));
    out.put("secret", in.getValue("secret") == null ? Secrets.generate() : Secrets.validate(in.getValue("secret")));
    out.put("description", description(in.getValue("description")));
    out.put("rate_limit", optionalInt(in, "rate_limit", MAX_RATE));
    out.put("max_in_flight", optionalInt(in, "max_in_flight", MAX_IN_FLIGHT));
    out.put("active", in.getValue("active") == null || bool(in, "active"));
    return out;
  }

  /** A change: only the fields given, checked; at least one. */
  static JsonObject patch(Object body, AddressGuard guard) {
    JsonObject in = object(body, PATCH);
    if (in.isEmpty()) {
      throw invalid("nothing-to-change", "send at least one of " + String.join(", ", PATCH.stream().sorted().toList()));
    }
    JsonObject out = new JsonObject();
    if (in.containsKey("url")) {
      guard.target(in.getValue("url"));
      out.put("url", in.getString("url"));
    }
    if (in.containsKey("events")) {
      out.put("events", events(in.getValue("events")));
    }
    if (in.containsKey("description")) {
      out.put("description", description(in.getValue("description")));
    }
    if (in.containsKey("rate_limit")) {
      out.put("rate_limit", optionalInt(in, "rate_limit", MAX_RATE));
    }
    if (in.containsKey("max_in_flight")) {
      out.put("max_in_flight", optionalInt(in, "max_in_flight", MAX_IN_FLIGHT));
    }
    if (in.containsKey("active")) {
      out.put("active", bool(in, "active"));
    }
    return out;
  }

  private static JsonObject object(Object body, Set<String> allowed) {
    if (!(body instanceof JsonObject in)) {
      throw Problem.badRequest("malformed-request", "the body must be a JSON object such as "
          + "{\"url\": \"https://example.com/hook\", \"events\": [\"order.*\"]}");
    }
    for (String field : in.fieldNames()) {
      if (!allowed.contains(field)) {
        throw invalid("unknown-field", "unknown field '" + field + "'; the fields are " + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return in;
  }

  /** The patterns, normalised and without repeats. */
  static JsonArray events(Object value) {
    if (!(value instanceof JsonArray list) || list.isEmpty() || list.size() > MAX_PATTERNS) {
      throw invalid("invalid-events", "events must be a list of 1 to " + MAX_PATTERNS
          + " CloudEvent type patterns: segments separated by '.', '*' for one segment, '#' for any number");
    }
    Set<String> patterns = new LinkedHashSet<>();
    for (Object pattern : list) {
      if (!(pattern instanceof String text)) {
        throw invalid("invalid-events", "events must hold strings, not " + pattern);
      }
      try {
        patterns.add(TopicPattern.parse(text).toString());
      } catch (Problem p) {
        throw invalid("invalid-events", p.detail().replace("topic pattern", "event type pattern"));
      }
    }
    return new JsonArray(patterns.stream().toList());
  }

  private static String description(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.length() > MAX_DESCRIPTION) {
      throw invalid("invalid-field", "description must be a string of at most " + MAX_DESCRIPTION + " characters");
    }
    return s;
  }

  private static Integer optionalInt(JsonObject in, String field, int max) {
    Object value = in.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Integer i && i >= 1 && i <= max) {
      return i;
    }
    throw invalid("invalid-field", field + " must be an integer from 1 to " + max + " (or null for the default), not " + value);
  }

  private static boolean bool(JsonObject in, String field) {
    if (!(in.getValue(field) instanceof Boolean b)) {
      throw invalid("invalid-field", field + " must be true or false");
    }
    return b;
  }

  private static Problem invalid(String code, String detail) {
    return Problem.invalid(code, detail);
  }
}
