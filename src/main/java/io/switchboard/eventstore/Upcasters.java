package io.switchboard.eventstore;

import io.switchboard.core.EventUpcaster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The upcasters of each event type, applied on read: an event stored with {@code dataversion} n
 * goes through the steps n, n + 1, … so every reader sees the current shape (the events in the
 * database are never rewritten).
 *
 * <p>Steps come from the configuration, {@code eventstore.upcasters}:
 * <pre>{"type": "order.created", "from": 1, "rename": {"customer": "customer_id"},
 *  "defaults": {"currency": "EUR"}, "remove": ["legacy"]}</pre>
 * (on a data object: rename fields, then remove, then add the defaults that are absent), and from
 * {@link EventUpcaster} implementations on the class path.
 */
final class Upcasters {

  @FunctionalInterface
  private interface Step {
    Object apply(Object data, JsonObject metadata);
  }

  private final Map<String, TreeMap<Integer, Step>> byType = new HashMap<>();

  /** @throws IllegalArgumentException naming the entry at fault */
  static Upcasters from(JsonArray conf, Iterable<EventUpcaster> code) {
    Upcasters upcasters = new Upcasters();
    for (int i = 0; i < conf.size(); i++) {
      if (!(conf.getValue(i) instanceof JsonObject step)) {
        throw new IllegalArgumentException("eventstore.upcasters[" + i + "] must be an object");
      }
      String where = "eventstore.upcasters[" + i + "]";
      if (!(step.getValue("type") instanceof String type) || type.isEmpty()) {
        throw new IllegalArgumentException(where + ".type must name an event type");
      }
      if (!(step.getValue("from") instanceof Integer from) || from < 1) {
        throw new IllegalArgumentException(where + ".from must be the dataversion it reads (1 or more)");
      }
      JsonObject rename = object(step, "rename", where);
      JsonObject defaults = object(step, "defaults", where);
      Object remove = step.getValue("remove", new JsonArray());
      if (!(remove instanceof JsonArray removed)) {
        throw new IllegalArgumentException(where + ".remove must be an array of field names");
      }
      upcasters.add(type, from, where, (data, metadata) -> {
        if (!(data instanceof JsonObject object)) {
          return data;
        }
        JsonObject out = object.copy();
        rename.forEach(r -> {
          if (out.containsKey(r.getKey())) {
            out.put(String.valueOf(r.getValue()), out.remove(r.getKey()));
          }
        });
        removed.forEach(name -> out.remove(String.valueOf(name)));
        defaults.forEach(d -> {
          if (!out.containsKey(d.getKey())) {
            out.put(d.getKey(), d.getValue());
          }
        });
        return out;
      });
    }
    for (EventUpcaster upcaster : code) {
      upcasters.add(upcaster.type(), upcaster.fromVersion(), upcaster.getClass().getName(), upcaster::upcast);
    }
    return upcasters;
  }

  private static JsonObject object(JsonObject step, String field, String where) {
    Object value = step.getValue(field, new JsonObject());
    if (!(value instanceof JsonObject object)) {
      throw new IllegalArgumentException(where + "." + field + " must be an object");
    }
    return object;
  }

  private void add(String type, int from, String where, Step step) {
    if (byType.computeIfAbsent(type, t -> new TreeMap<>()).put(from, step) != null) {
      throw new IllegalArgumentException(where + ": a second upcaster of " + type + " from dataversion " + from);
    }
  }

  /** The event in the current shape of its type (itself when no step applies). */
  StoredEvent apply(StoredEvent event) {
    TreeMap<Integer, Step> steps = byType.get(event.type());
    if (steps == null) {
      return event;
    }
    int version = event.dataversion();
    Object data = event.data();
    Step step;
    while ((step = steps.get(version)) != null) {
      data = step.apply(data, event.metadata());
      version++;
    }
    return version == event.dataversion() ? event : event.withData(version, data);
  }
}
