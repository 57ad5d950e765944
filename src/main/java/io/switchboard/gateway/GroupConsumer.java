package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * One push consumer of a group on a connection (WebSocket, SockJS, TCP bridge): it long-polls the
 * group's coordinator and hands each batch of deliveries to the connection; the coordinator keeps
 * at most the group's {@code max_in_flight} unacked deliveries here. When the connection closes,
 * {@link #close} tells the coordinator, which hands what was in flight to the other consumers.
 * While the group has no coordinator (a failover) it keeps trying.
 */
final class GroupConsumer {

  private static final long WAIT_MS = 20_000;
  private static final int MAX = 1000;
  private static final long RETRY_MS = 500;

  private final Vertx vertx;
  private final GroupClient client;
  private final String group;
  private final String consumerId;
  private final String transport;
  private final Consumer<JsonArray> onDeliveries;
  private final Consumer<Problem> onError;
  private boolean closed;
  private boolean reportedOutage;
  private long retryTimer = -1;

  GroupConsumer(Vertx vertx, GroupClient client, String group, String consumerId, String transport,
                Consumer<JsonArray> onDeliveries, Consumer<Problem> onError) {
    this.vertx = vertx;
    this.client = client;
    this.group = group;
    this.consumerId = consumerId;
    this.transport = transport;
    this.onDeliveries = onDeliveries;
    this.onError = onError;
  }

  String group() {
    return group;
  }

  void start() {
    fetch();
  }

  private void fetch() {
    if (closed) {
      return;
    }
    JsonObject request = new JsonObject().put("action", "fetch").put("consumer", consumerId).put("transport", transport)
        .put("max", MAX).put("wait_ms", WAIT_MS);
    client.call(group, request, WAIT_MS).onComplete(ar -> {
      if (closed) {
        if (ar.succeeded() && !ar.result().getJsonArray("deliveries", new JsonArray()).isEmpty()) {
          leave(); // they arrived after the connection went: give them back at once
        }
        return;
      }
      if (ar.succeeded()) {
        reportedOutage = false;
        JsonArray deliveries = ar.result().getJsonArray("deliveries", new JsonArray());
        if (!deliveries.isEmpty()) {
          onDeliveries.accept(deliveries);
        }
        fetch();
        return;
      }
      Problem problem = Problem.from(ar.cause(), "group " + group);
      if (problem.status() == 404 || problem.status() == 400 || problem.status() == 403) {
        closed = true;
        onError.accept(problem);
        return;
      }
      if (!reportedOutage) {
        reportedOutage = true;
        onError.accept(problem);
      }
      retryTimer = vertx.setTimer(RETRY_MS, t -> fetch());
    });
  }

  /** Ack ({@code action} null) or nack deliveries; the future fails with the coordinator's problem. */
  Future<JsonObject> settle(JsonArray ids, String action, Object reason) {
    JsonObject request = new JsonObject().put("action", action == null ? "ack" : "nack").put("consumer", consumerId)
        .put("transport", transport).put("ids", ids);
    if (action != null) {
      request.put("nack_action", action).put("reason", reason);
    }
    return client.call(group, request, 0);
  }

  /** The connection went: stop fetching and hand what it held to the others. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(retryTimer);
    leave();
  }

  private void leave() {
    client.call(group, new JsonObject().put("action", "leave").put("consumer", consumerId), 0).onFailure(e -> { });
  }
}
