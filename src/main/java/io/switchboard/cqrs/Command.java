package io.switchboard.cqrs;

import io.vertx.core.json.JsonObject;

/** A command as a handler receives it: its payload (the message body) and who sent it. */
public record Command(JsonObject payload, CommandContext context) {

  public String name() {
    return context.name();
  }
}
