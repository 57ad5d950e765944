package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages a node's sequencer ordered in one turn of its event loop, handed to the node's gateways
 * together on {@link Addresses#TOPICS_DELIVER}, in delivery order: one event-bus publish (and one
 * task on each gateway's event loop) per turn instead of one per message.
 *
 * @param events the ordered messages (each with its cursor), oldest first; never changed once sent
 */
public record TopicDeliveries(List<TopicEvent> events) {

  /** Registers the codec on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodec(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicDeliveries.class, new HandedOverCodec<>("switchboard.topic-deliveries",
        TopicDeliveries::toJson, TopicDeliveries::fromJson));
  }

  JsonObject toJson() {
    JsonArray list = new JsonArray();
    events.forEach(e -> list.add(e.toJson()));
    return new JsonObject().put("events", list);
  }

  static TopicDeliveries fromJson(JsonObject json) {
    List<TopicEvent> list = new ArrayList<>();
    json.getJsonArray("events").forEach(e -> list.add(TopicEvent.fromJson((JsonObject) e)));
    return new TopicDeliveries(list);
  }
}
