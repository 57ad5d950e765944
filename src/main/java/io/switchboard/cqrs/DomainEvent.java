package io.switchboard.cqrs;

import io.vertx.core.json.JsonObject;

/** What an aggregate raises: a type such as {@code order.created} and its data. */
public interface DomainEvent {

  String type();

  JsonObject toJson();
}
