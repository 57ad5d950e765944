package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * An event-bus codec for bodies their sender hands over for good: a consumer on the same node gets
 * the very instance (Vert.x's JSON codec deep-copies on every local delivery), another node gets it
 * as length-prefixed JSON. Only for bodies nobody changes once sent.
 */
public final class HandedOverCodec<T> implements MessageCodec<T, T> {

  private final String name;
  private final Function<T, JsonObject> toJson;
  private final Function<JsonObject, T> fromJson;

  public HandedOverCodec(String name, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    this.name = name;
    this.toJson = toJson;
    this.fromJson = fromJson;
  }

  /** Registers it as the codec of {@code type}; safe to call from every verticle of a node. */
  public static <T> void registerDefault(Vertx vertx, Class<T> type, HandedOverCodec<T> codec) {
    try {
      vertx.eventBus().registerDefaultCodec(type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this node registered it first
    }
  }

  /** Registers it by name (senders pick it in their DeliveryOptions); safe to call from every verticle. */
  public static void registerNamed(Vertx vertx, HandedOverCodec<?> codec) {
    try {
      vertx.eventBus().registerCodec(codec);
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this node registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T body) {
    Buffer json = toJson.apply(body).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return fromJson.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public T transform(T body) {
    return body;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
