package io.switchboard.cqrs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Answers one kind of query from a read model; a refusal is a failed future with a {@link io.switchboard.core.Problem}. */
@FunctionalInterface
public interface QueryHandler {

  Future<JsonObject> handle(JsonObject query);
}
