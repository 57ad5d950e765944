package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated append: {@code {"stream", "expected_version", "events": event | [events],
 * "correlation_id"?}} as it arrives on {@code switchboard.eventstore.append}.
 */
record AppendRequest(String stream, ExpectedVersion expected, List<NewEvent> events) {

  static AppendRequest parse(JsonObject body, int maxEvents) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"stream\", \"expected_version\", \"events\"}");
    }
    String stream = StreamName.validate(body.getValue("stream"));
    ExpectedVersion expected = ExpectedVersion.parse(body.getValue("expected_version"));
    Object value = body.getValue("events");
    List<Object> raw = new ArrayList<>();
    if (value instanceof JsonArray array) {
      array.forEach(raw::add);
    } else if (value instanceof JsonObject single) {
      raw.add(single);
    } else {
      throw Problem.invalid("invalid-event", "an append takes one event (a JSON object) or an array of them");
    }
    if (raw.isEmpty()) {
      throw Problem.invalid("invalid-event", "the append has no events");
    }
    if (raw.size() > maxEvents) {
      throw new Problem(413, "too-many-events", "Payload too large",
          "an append takes at most " + maxEvents + " events; this one has " + raw.size());
    }
    String correlationId = body.getValue("correlation_id") instanceof String s && !s.isBlank() ? s : null;
    List<NewEvent> events = new ArrayList<>(raw.size());
    Set<String> ids = new HashSet<>();
    String now = NewEvent.now();
    for (int i = 0; i < raw.size(); i++) {
      NewEvent event = NewEvent.parse(raw.get(i), i, correlationId, now);
      if (!ids.add(event.id())) {
        throw Problem.invalid("duplicate-event-id", "event " + i + " has the id '" + event.id() + "' of an earlier event in this append");
      }
      events.add(event);
    }
    return new AppendRequest(stream, expected, List.copyOf(events));
  }
}
