package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A message accepted on a topic, as it travels between the router and the connections.
 *
 * <p>Immutable, with the envelope already encoded once: a node fans it out to thousands of
 * connections without copying or re-encoding it (its codec hands the same instance to local
 * consumers).
 *
 * @param topic  the topic it was published on
 * @param type   the CloudEvent type
 * @param id     the CloudEvent id
 * @param event  the envelope as JSON text
 * @param origin where it entered the hub ({@code http}, {@code redis}, ...), so relays do not echo it
 * @param cursor this node's resume token for it, set when the node orders it for delivery
 */
public record TopicEvent(String topic, String type, String id, String event, String origin, String cursor) {

  public static TopicEvent of(String topic, Envelope envelope, String origin) {
    return new TopicEvent(topic, envelope.type(), envelope.id(), envelope.encode(), origin, null);
  }

  public TopicEvent withCursor(String cursor) {
    return new TopicEvent(topic, type, id, event, origin, cursor);
  }

  /** The position of this event in its node's delivery order (0 before it is ordered). */
  public long sequence() {
    return cursor == null ? 0 : sequenceOf(cursor);
  }

  /** The sequence part of a cursor ({@code epoch-sequence}), or -1 when it is not one. */
  public static long sequenceOf(String cursor) {
    int dash = cursor.lastIndexOf('-');
    try {
      return Long.parseLong(cursor.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("topic", topic).put("type", type).put("id", id)
        .put("event", event).put("origin", origin).put("cursor", cursor);
  }

  public static TopicEvent fromJson(JsonObject json) {
    return new TopicEvent(json.getString("topic"), json.getString("type"), json.getString("id"),
        json.getString("event"), json.getString("origin"), json.getString("cursor"));
  }

  public JsonObject eventJson() {
    return new JsonObject(event);
  }

  /** Registers the codec on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodec(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicEvent.class, new HandedOverCodec<>("switchboard.topic-event",
        TopicEvent::toJson, TopicEvent::fromJson));
  }
}
