package io.switchboard.cqrs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Carries out one kind of command. The answer is JSON; a refusal is a failed future (or a throw)
 * with a {@link io.switchboard.core.Problem}: 422 for an invalid command (say what is wrong), 404 for
 * what does not exist, 409 for a rule of the current state.
 */
@FunctionalInterface
public interface CommandHandler {

  Future<JsonObject> handle(Command command);
}
