package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * The named {@link HandedOverCodec} for a {@link JsonObject} its sender hands over for good: a consumer on the same node
 * gets the very object instead of a deep copy (Vert.x's default JSON codec copies on every local
 * delivery), and another node gets it encoded as usual. For messages built to be sent and never
 * touched again by the sender (an append request, its reply, a subscription's batch), which the
 * receiver only reads: one copy fewer per hop on the hub's busiest path.
 */
public final class SharedJson {

  public static final String NAME = "switchboard.json.shared";

  /** Send or reply with these to hand the object over without a copy. */
  public static final DeliveryOptions HANDED_OVER = new DeliveryOptions().setCodecName(NAME);

  /** Registers the codec on this Vert.x instance (every node needs it to decode); safe to call from every verticle. */
  public static void register(Vertx vertx) {
    HandedOverCodec.registerNamed(vertx, new HandedOverCodec<JsonObject>(NAME, json -> json, json -> json));
  }

  /** The options with the codec set (the given ones are not changed). */
  public static DeliveryOptions handedOver(DeliveryOptions options) {
    return new DeliveryOptions(options).setCodecName(NAME);
  }

  private SharedJson() {
  }
}
