package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An event to append, validated: {@code type} (required), {@code data} (any JSON), {@code id}
 * (the idempotency key, generated when absent), {@code metadata} (an object), {@code dataversion}
 * (a positive integer, default 1) and {@code time} (RFC 3339, default now).
 *
 * <p>A CloudEvent is accepted as it is: its other attributes ({@code source}, {@code subject},
 * {@code correlationid}, extensions …) are kept in {@code metadata}, so nothing it carried is lost.
 */
record NewEvent(String id, String type, String time, int dataversion, Object data, JsonObject metadata) {

  private static final int MAX_TEXT = 255;
  private static final Set<String> FIELDS = Set.of("id", "type", "data", "metadata", "dataversion", "time", "specversion");
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,20}");

  /**
   * @param index         its place in the append, for messages ("event 2: …")
   * @param correlationId the request's correlation id, kept in metadata when the event has none
   */
  static NewEvent parse(Object value, int index, String correlationId) {
    return parse(value, index, correlationId, now());
  }

  /** Now, as an event's default time. */
  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** @param now the time of an event that names none (one for all the events of an append) */
  static NewEvent parse(Object value, int index, String correlationId, String now) {
    if (!(value instanceof JsonObject json)) {
      throw Problem.invalid("invalid-event", "event " + index + " is not a JSON object");
    }
    Object type = json.getValue("type");
    if (type == null) {
      throw Problem.invalid("missing-type", "event " + index + " has no type: set \"type\", e.g. \"order.created\"");
    }
    String id = json.getValue("id") == null ? UUID.randomUUID().toString() : text(json.getValue("id"), index, "id");
    Object metadataValue = json.getValue("metadata");
    if (metadataValue != null && !(metadataValue instanceof JsonObject)) {
      throw Problem.invalid("invalid-event", "event " + index + ": metadata must be a JSON object");
    }
    if (json.containsKey("data_base64")) {
      throw Problem.invalid("invalid-event", "event " + index + ": the store keeps JSON; send \"data\", not \"data_base64\"");
    }
    Object specversion = json.getValue("specversion");
    if (specversion != null && !"1.0".equals(specversion)) {
      throw Problem.invalid("invalid-event", "event " + index + ": specversion must be \"1.0\"");
    }
    JsonObject metadata = metadataValue == null ? new JsonObject() : ((JsonObject) metadataValue).copy();
    for (Map.Entry<String, Object> attribute : json) {
      String name = attribute.getKey();
      if (FIELDS.contains(name) || attribute.getValue() == null) {
        continue;
      }
      if (!ATTRIBUTE_NAME.matcher(name).matches()) {
        throw Problem.invalid("invalid-event", "event " + index + ": '" + printable(name) + "' is neither an event field "
            + "(id, type, data, metadata, dataversion, time) nor a CloudEvents attribute name");
      }
      if (!metadata.containsKey(name)) {
        metadata.put(name, attribute.getValue());
      }
    }
    if (correlationId != null && !metadata.containsKey("correlationid")) {
      metadata.put("correlationid", correlationId);
    }
    return new NewEvent(id, text(type, index, "type"), time(json.getValue("time"), index, now),
        dataversion(json.getValue("dataversion"), index), json.getValue("data"), metadata);
  }

  private static String text(Object value, int index, String field) {
    if (!(value instanceof String s) || s.isEmpty()) {
      throw Problem.invalid("invalid-event", "event " + index + ": " + field + " must be a non-empty string");
    }
    if (s.length() > MAX_TEXT) {
      throw Problem.invalid("invalid-event", "event " + index + ": " + field + " is longer than " + MAX_TEXT + " characters");
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw Problem.invalid("invalid-event", "event " + index + ": " + field + " contains a control character at position " + i);
      }
    }
    return s;
  }

  private static String time(Object value, int index, String now) {
    if (value == null) {
      return now;
    }
    if (value instanceof String s && s.length() <= 64) {
      try {
        OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return s;
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw Problem.invalid("invalid-event", "event " + index + ": time must be an RFC 3339 timestamp such as 2026-11-26T12:00:00Z");
  }

  private static int dataversion(Object value, int index) {
    if (value == null) {
      return 1;
    }
    long version = -1;
    if (value instanceof Integer || value instanceof Long) {
      version = ((Number) value).longValue();
    } else if (value instanceof String s && s.matches("[0-9]{1,9}")) {
      version = Long.parseLong(s);
    }
    if (version < 1 || version > Integer.MAX_VALUE) {
      throw Problem.invalid("invalid-event", "event " + index + ": dataversion must be a positive integer (or its digits as a string)");
    }
    return (int) version;
  }

  private static String printable(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s.replaceAll("\\p{Cntrl}", "?");
  }
}
