package io.switchboard.eventstore;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The result of an append that succeeded. {@code repeated}: every event id was already stored at
 * this place (an idempotent retry): nothing was written and nothing is announced again.
 *
 * @param events the events written (empty when repeated)
 */
record Appended(String stream, long firstVersion, long lastVersion, long firstPosition, long lastPosition,
                boolean repeated, List<StoredEvent> events) {

  /** The reply to the writer: {@code {"stream","first_version","last_version","position"}}. */
  JsonObject toJson() {
    JsonObject json = new JsonObject().put("stream", stream).put("first_version", firstVersion)
        .put("last_version", lastVersion).put("position", lastPosition);
    if (repeated) {
      json.put("repeated", true);
    }
    return json;
  }

  /** The announcement on {@code switchboard.eventstore.appended}. */
  JsonObject announcement() {
    java.util.Set<String> types = new java.util.LinkedHashSet<>();
    events.forEach(e -> types.add(e.type()));
    return toJson().put("category", StreamName.category(stream)).put("first_position", firstPosition)
        .put("count", events.size()).put("types", new io.vertx.core.json.JsonArray(List.copyOf(types)));
  }
}
