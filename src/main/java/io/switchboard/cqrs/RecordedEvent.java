package io.switchboard.cqrs;

import io.vertx.core.json.JsonObject;

/**
 * An event as the store returns it (reads and subscriptions): where it sits ({@code stream},
 * {@code version}, global {@code position}), what it is ({@code id}, {@code type}, {@code time},
 * {@code dataversion}) and what it says ({@code data}, {@code metadata}).
 */
public record RecordedEvent(String stream, long version, long position, String id, String type, String time,
                            int dataversion, Object data, JsonObject metadata) {

  public static RecordedEvent from(JsonObject json) {
    Object metadata = json.getValue("metadata");
    return new RecordedEvent(json.getString("stream"), json.getLong("version", -1L), json.getLong("position", 0L),
        json.getString("id"), json.getString("type"), json.getString("time"), json.getInteger("dataversion", 1),
        json.getValue("data"), metadata instanceof JsonObject m ? m : new JsonObject());
  }

  /** The data as an object (an empty one when it is not). */
  public JsonObject dataObject() {
    return data instanceof JsonObject object ? object : new JsonObject();
  }

  /** The correlation id the event was written under, or null. */
  public String correlationId() {
    return metadata.getValue("correlationid") instanceof String s ? s : null;
  }

  /** What identifies the event in status reports and logs. */
  public JsonObject reference() {
    return new JsonObject().put("position", position).put("stream", stream).put("version", version)
        .put("id", id).put("type", type);
  }
}
