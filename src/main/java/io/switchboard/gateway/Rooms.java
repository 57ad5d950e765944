package io.switchboard.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The rooms that have members on this gateway instance. Each such room has one event-bus
 * consumer here, so a room message is published once and reaches every instance with members,
 * on every node, exactly once.
 */
final class Rooms {

  private final Vertx vertx;
  private final Map<String, Set<WsConnection>> members = new HashMap<>();
  private final Map<String, MessageConsumer<JsonObject>> consumers = new HashMap<>();

  Rooms(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Adds a local member; completes once this instance is sure to receive the room's messages. */
  Future<Void> add(String room, WsConnection connection) {
    members.computeIfAbsent(room, r -> new LinkedHashSet<>()).add(connection);
    MessageConsumer<JsonObject> consumer = consumers.get(room);
    if (consumer == null) {
      consumer = vertx.eventBus().consumer(RealtimeAddresses.room(room), m -> deliver(room, m.body()));
      consumers.put(room, consumer);
    }
    return consumer.completion();
  }

  void remove(String room, WsConnection connection) {
    Set<WsConnection> local = members.get(room);
    if (local == null) {
      return;
    }
    local.remove(connection);
    if (local.isEmpty()) {
      members.remove(room);
      MessageConsumer<JsonObject> consumer = consumers.remove(room);
      if (consumer != null) {
        consumer.unregister();
      }
    }
  }

  /** Sends a frame to every member of the room, cluster-wide, except {@code exclude} (a client id). */
  void publish(String room, JsonObject frame, String exclude) {
    JsonObject message = new JsonObject().put("frame", frame);
    if (exclude != null) {
      message.put("exclude", exclude);
    }
    vertx.eventBus().publish(RealtimeAddresses.room(room), message);
  }

  private void deliver(String room, JsonObject message) {
    Set<WsConnection> local = members.get(room);
    if (local == null) {
      return;
    }
    String exclude = message.getString("exclude");
    io.vertx.core.buffer.Buffer text = SharedFrame.of(message.getJsonObject("frame").toBuffer()); // once for all members
    for (WsConnection member : local) {
      if (!member.clientId().equals(exclude)) {
        member.sendFrame(text);
      }
    }
  }
}
