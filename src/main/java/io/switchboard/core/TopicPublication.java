package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A publish handed to this node's topic router by code in the same process (the gateway, the
 * Redis relay): the same request as {@code {"topic", "event"}} on {@link Addresses#TOPICS_PUBLISH},
 * without the copy the event bus makes of a {@link JsonObject} body for each local hop. The sender
 * gives the candidate event away with it and does not touch it again. The router answers with the
 * accepted event's id (a String), or fails the request as it does for JSON.
 *
 * @param topic the topic to publish on (the router validates it)
 * @param event the candidate CloudEvent (the router validates and completes it)
 */
public record TopicPublication(String topic, JsonObject event) {

  /** Registers the codec on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodec(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicPublication.class, new HandedOverCodec<>("switchboard.topic-publication",
        TopicPublication::toJson, json -> new TopicPublication(json.getString("topic"), json.getJsonObject("event"))));
  }

  /** The JSON request it stands for ({@code {"topic", "event"}}). */
  public JsonObject toJson() {
    return new JsonObject().put("topic", topic).put("event", event);
  }
}
