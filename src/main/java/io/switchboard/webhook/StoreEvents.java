package io.switchboard.webhook;

import io.vertx.core.json.JsonObject;

/**
 * Store events as webhooks carry them: the CloudEvent the store announces on {@code streams.{category}}
 * (subject the stream, with {@code position} and {@code streamversion}), so a receiver sees the
 * same envelope whichever way an event reached it.
 */
final class StoreEvents {

  private StoreEvents() {}

  /** @param event an event as store reads return it */
  static JsonObject cloudEvent(JsonObject event, String defaultSource) {
    JsonObject metadata = event.getValue("metadata") instanceof JsonObject m ? m : new JsonObject();
    JsonObject out = new JsonObject().put("specversion", "1.0").put("id", event.getString("id"))
        .put("source", metadata.getValue("source") instanceof String s && !s.isEmpty() ? s : defaultSource)
        .put("type", event.getString("type")).put("subject", event.getString("stream")).put("time", event.getString("time"))
        .put("datacontenttype", "application/json").put("data", event.getValue("data"))
        .put("dataversion", event.getValue("dataversion")).put("position", event.getValue("position"))
        .put("streamversion", event.getValue("version"));
    // A delete's marker (stream $deleted) is about the stream it deleted, as on its category's topic.
    if (io.switchboard.core.Addresses.STREAM_DELETED_TYPE.equals(event.getString("type")) && "$deleted".equals(event.getString("stream"))
        && event.getValue("data") instanceof JsonObject data && data.getValue("stream") instanceof String deleted) {
      out.put("subject", deleted);
    }
    for (String carried : new String[] {"correlationid", "causationid"}) {
      if (metadata.getValue(carried) instanceof String value) {
        out.put(carried, value);
      }
    }
    return out;
  }
}
