package io.switchboard.core;

import io.vertx.core.json.JsonObject;

/**
 * Turns the data of one event type from {@code dataversion} n into n + 1, when the event store
 * reads an event written in an older shape. Implementations are found with {@link
 * java.util.ServiceLoader} (list them in {@code META-INF/services/io.switchboard.core.EventUpcaster});
 * simple renames and defaults need no code: see {@code eventstore.upcasters} in the configuration.
 */
public interface EventUpcaster {

  /** The event type this applies to, e.g. {@code order.created}. */
  String type();

  /** The dataversion it reads; it produces {@code fromVersion() + 1}. */
  int fromVersion();

  /** The data in the next version's shape; may change and return {@code data} itself. */
  Object upcast(Object data, JsonObject metadata);
}
