package io.switchboard.cqrs;

import io.vertx.core.json.JsonObject;

/**
 * Who asked for a command: its name, its own id (the causation id of the events it writes) and
 * the correlation id of the conversation it belongs to.
 */
public record CommandContext(String name, String commandId, String correlationId) {

  /** The metadata written with each event the command causes. */
  JsonObject eventMetadata() {
    return new JsonObject().put("correlationid", correlationId).put("causationid", commandId).put("command", name);
  }
}
