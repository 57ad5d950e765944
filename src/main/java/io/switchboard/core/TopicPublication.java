package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
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
    try {
      vertx.eventBus().registerDefaultCodec(TopicPublication.class, new Codec());
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this node registered it first
    }
  }

  /** The JSON request it stands for ({@code {"topic", "event"}}). */
  public JsonObject toJson() {
    return new JsonObject().put("topic", topic).put("event", event);
  }

  /**
   * Local hops hand over the same instance; on the wire (never used: the publish address is
   * node-local) it is the JSON request.
   */
  private static final class Codec implements MessageCodec<TopicPublication, TopicPublication> {

    @Override
    public void encodeToWire(Buffer buffer, TopicPublication p) {
      Buffer json = p.toJson().toBuffer();
      buffer.appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public TopicPublication decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      JsonObject json = new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
      return new TopicPublication(json.getString("topic"), json.getJsonObject("event"));
    }

    @Override
    public TopicPublication transform(TopicPublication p) {
      return p;
    }

    @Override
    public String name() {
      return "switchboard.topic-publication";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
