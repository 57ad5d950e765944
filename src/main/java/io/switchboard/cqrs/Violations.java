package io.switchboard.cqrs;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * What is wrong with a command, collected field by field so the sender learns everything at once:
 * a 422 {@code invalid-command} problem whose {@code errors} lists {@code {"field","message"}}.
 */
public final class Violations {

  private final String command;
  private final JsonArray errors = new JsonArray();

  public Violations(String command) {
    this.command = command;
  }

  public void add(String field, String message) {
    errors.add(new JsonObject().put("field", field).put("message", message));
  }

  /** Each field of {@code payload} must be one of {@code allowed}: a typo is an error, not silently dropped. */
  public void onlyFields(JsonObject payload, Set<String> allowed, String prefix) {
    for (String field : payload.fieldNames()) {
      if (!allowed.contains(field)) {
        add(prefix + field, "is not a field of " + command + " (" + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  /** A non-blank string of at most {@code max} characters without control characters, or null (after recording why). */
  public String text(JsonObject payload, String field, String path, int max, boolean required) {
    Object value = payload.getValue(field);
    if (value == null) {
      if (required) {
        add(path, "is required");
      }
      return null;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      add(path, "must be a non-empty string");
      return null;
    }
    if (s.length() > max) {
      add(path, "is longer than " + max + " characters");
      return null;
    }
    if (s.chars().anyMatch(Character::isISOControl)) {
      add(path, "contains a control character");
      return null;
    }
    return s;
  }

  /** Throws the 422 problem when anything was recorded. */
  public void throwIfAny() {
    if (errors.isEmpty()) {
      return;
    }
    StringBuilder detail = new StringBuilder(command).append(" is invalid: ");
    for (int i = 0; i < errors.size(); i++) {
      JsonObject e = errors.getJsonObject(i);
      detail.append(i == 0 ? "" : "; ").append(e.getString("field")).append(' ').append(e.getString("message"));
    }
    throw new Problem(422, "invalid-command", "Invalid content", detail.toString(), new JsonObject().put("errors", errors));
  }
}
