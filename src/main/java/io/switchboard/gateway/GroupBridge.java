package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumer groups for event-bus bridge clients (SockJS and TCP), with the WebSocket's semantics: a
 * client registers an address of its own under {@code switchboard.groups.deliveries.}, requests
 * {@code switchboard.groups.consume {group, address}}, gets deliveries there, and requests
 * {@code switchboard.groups.ack} / {@code .nack}. The bridge checks each such request against the
 * client's credential (the store's read rules on the group's source, {@link #admit}) and stamps
 * it with the client's consumer id; when the client's socket closes, its consumers leave, so what
 * they held goes to the others at once.
 */
final class GroupBridge {

  static final String CONSUMER_HEADER = "switchboard-group-consumer";
  private static final String CLOSED = "switchboard.groups.bridge.closed";

  private final Vertx vertx;
  private final GroupClient groups;
  /** The consumers this gateway instance pumps, by consumer id. */
  private final Map<String, List<GroupConsumer>> consumers = new HashMap<>();
  private final List<MessageConsumer<?>> handlers = new ArrayList<>();

  GroupBridge(Vertx vertx) {
    this.vertx = vertx;
    this.groups = new GroupClient(vertx);
  }

  static boolean isGroupAddress(String address) {
    return Addresses.GROUPS_CONSUME.equals(address) || Addresses.GROUPS_ACK.equals(address) || Addresses.GROUPS_NACK.equals(address);
  }

  void install() {
    handlers.add(vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_CONSUME, m -> answer(m, body -> consume(m))));
    handlers.add(vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_ACK, m -> answer(m, body -> settle(m, null))));
    handlers.add(vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_NACK, m -> answer(m, body -> settle(m,
        body.getValue("action") instanceof String a ? a : "retry"))));
    handlers.add(vertx.eventBus().<JsonObject>consumer(CLOSED, m -> {
      List<GroupConsumer> gone = consumers.remove(m.body().getString("consumer"));
      if (gone != null) {
        gone.forEach(GroupConsumer::close);
      }
    }));
  }

  void close() {
    handlers.forEach(MessageConsumer::unregister);
    consumers.values().forEach(list -> list.forEach(GroupConsumer::close));
    consumers.clear();
  }

  /**
   * The bridge's check of a client's request to a group address (anything else passes): read
   * rights on the group's source, and the consumer id stamped on it (whatever the client sent).
   * Fails with the problem to refuse it with.
   */
  Future<Void> admit(JsonObject raw, Principal principal, String transport, String session) {
    String address = raw == null ? null : raw.getString("address");
    if (address == null || !isGroupAddress(address)) {
      return Future.succeededFuture();
    }
    if (!(raw.getValue("body") instanceof JsonObject body) || !(body.getValue("group") instanceof String group)) {
      return Future.failedFuture(Problem.badRequest("malformed-request", "a group request needs {\"group\", …}"));
    }
    if (address.equals(Addresses.GROUPS_CONSUME) && !(body.getValue("address") instanceof String target
        && target.startsWith(Addresses.GROUPS_DELIVERIES_PREFIX) && target.length() > Addresses.GROUPS_DELIVERIES_PREFIX.length())) {
      return Future.failedFuture(Problem.badRequest("malformed-request", "consume needs \"address\": one the client registered, "
          + Addresses.GROUPS_DELIVERIES_PREFIX + "{something unguessable}"));
    }
    return groups.authorize(principal, group).map(spec -> {
      JsonObject headers = raw.getValue("headers") instanceof JsonObject h ? h : new JsonObject();
      raw.put("headers", headers.put(CONSUMER_HEADER, GroupClient.consumerId(transport, principal, session)));
      return null;
    });
  }

  /** The client's socket closed: its consumers, wherever they are pumped, leave their groups. */
  void closed(Principal principal, String transport, String session) {
    vertx.eventBus().publish(CLOSED, new JsonObject().put("consumer", GroupClient.consumerId(transport, principal, session)));
  }

  private interface Call {
    Future<JsonObject> apply(JsonObject body);
  }

  private static void answer(Message<JsonObject> message, Call call) {
    Future<JsonObject> result;
    try {
      if (message.headers().get(CONSUMER_HEADER) == null) {
        throw Problem.badRequest("not-through-a-bridge", "group requests on the event bus come through a bridge");
      }
      result = call.apply(message.body() == null ? new JsonObject() : message.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> Problem.from(e, message.address()).failReply(message));
  }

  private Future<JsonObject> consume(Message<JsonObject> message) {
    JsonObject body = message.body();
    String consumer = message.headers().get(CONSUMER_HEADER);
    String group = body.getString("group");
    String address = body.getString("address");
    List<GroupConsumer> mine = consumers.computeIfAbsent(consumer, k -> new ArrayList<>());
    if (mine.stream().noneMatch(c -> c.group().equals(group))) {
      if (mine.size() >= 16) {
        throw Problem.badRequest("too-many-groups", "a bridge client consumes at most 16 groups");
      }
      String transport = consumer.substring(0, consumer.indexOf(':'));
      GroupConsumer pump = new GroupConsumer(vertx, groups, group, consumer, transport,
          deliveries -> vertx.eventBus().send(address, new JsonObject().put("group", group).put("deliveries", deliveries)),
          problem -> vertx.eventBus().send(address, new JsonObject().put("group", group).put("error",
              new JsonObject().put("code", problem.code()).put("message", problem.detail()))));
      mine.add(pump);
      pump.start();
    }
    return Future.succeededFuture(new JsonObject().put("group", group).put("address", address));
  }

  private Future<JsonObject> settle(Message<JsonObject> message, String action) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String consumer = message.headers().get(CONSUMER_HEADER);
    String group = body.getString("group");
    if (!(body.getValue("ids") instanceof JsonArray ids) || ids.isEmpty()) {
      throw Problem.badRequest("invalid-ids", "\"ids\" must be a non-empty list of delivery ids");
    }
    JsonObject request = new JsonObject().put("action", action == null ? "ack" : "nack").put("consumer", consumer)
        .put("transport", consumer.substring(0, consumer.indexOf(':'))).put("ids", ids);
    if (action != null) {
      request.put("nack_action", action).put("reason", body.getValue("reason"));
    }
    return groups.call(group, request, 0);
  }
}
