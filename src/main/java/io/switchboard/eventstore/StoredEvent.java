package io.switchboard.eventstore;

import io.vertx.core.json.JsonObject;

/** An event as the store keeps it and as reads, subscriptions and SSE return it. */
record StoredEvent(long position, String stream, long version, String id, String type, String time,
                   int dataversion, Object data, JsonObject metadata) {

  JsonObject toJson() {
    return new JsonObject()
        .put("stream", stream)
        .put("version", version)
        .put("position", position)
        .put("id", id)
        .put("type", type)
        .put("time", time)
        .put("dataversion", dataversion)
        .put("data", data)
        .put("metadata", metadata);
  }

  StoredEvent withData(int dataversion, Object data) {
    return new StoredEvent(position, stream, version, id, type, time, dataversion, data, metadata);
  }
}
