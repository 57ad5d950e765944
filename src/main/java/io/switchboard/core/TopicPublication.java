package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A publish handed to this node's topic router by code in the same process (the gateway, the
 * Redis relay): the same request as {@code {"topic", "event"}} on {@link Addresses#TOPICS_PUBLISH},
 * with the event already checked and completed where it came in. An {@link Envelope} exists only
 * once validated, so the router takes it as it is: the per-message checks and the encoding run on
 * the publishers' event loops (as many as their instances) instead of the router's one (issue 20).
 * The router answers with the event's id (a String).
 *
 * @param topic the topic to publish on, a valid name
 * @param event the validated, completed event
 */
public record TopicPublication(String topic, Envelope event) {

  public TopicPublication {
    TopicName.validate(topic);
  }

  /** Registers the codec on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodec(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicPublication.class, new HandedOverCodec<>("switchboard.topic-publication",
        TopicPublication::toJson, json -> new TopicPublication(json.getString("topic"), Envelope.of(json.getJsonObject("event"), "/"))));
  }

  /** The JSON request it stands for ({@code {"topic", "event"}}). */
  public JsonObject toJson() {
    return new JsonObject().put("topic", topic).put("event", event.toJson());
  }
}
