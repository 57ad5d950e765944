package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The own address of one gateway instance ({@link RealtimeAddresses#instance}), answered from its
 * own connections: personal messages and take-overs for the ids it assigned, which are in no
 * cluster-wide map. The ownership rule is Presence's, checked where the connection is: a sender
 * that names a principal ({@code as}) reaches only connections of that principal (or of a hub
 * without credentials); one that names none (admins, hubs without credentials) reaches any. A
 * take-over of an id whose authenticated connection closed is refused to other credentials while
 * the presence TTL lasts, as the cluster-wide claim of an id a client chose is
 * ({@link LocalClients#departed}).
 */
final class InstanceMailbox {

  private final LocalClients clients;
  private final MessageConsumer<JsonObject> consumer;

  InstanceMailbox(Vertx vertx, String token, LocalClients clients) {
    this.clients = clients;
    this.consumer = vertx.eventBus().consumer(RealtimeAddresses.instance(token), this::answer);
  }

  private void answer(Message<JsonObject> message) {
    JsonObject body = message.body();
    String clientId = body.getString("client_id");
    boolean takeOver = body.getValue("replaced_by") != null;
    List<WsConnection> held = clients.get(clientId);
    String as = body.getString("as");
    if (held.isEmpty()) {
      if (!takeOver) {
        Problem.notFound("client " + clientId + " is not connected").failReply(message);
        return;
      }
      String owner = clients.departedOwner(clientId, System.currentTimeMillis());
      if (as != null && owner != null && !owner.equals(as)) {
        forbidden(clientId).failReply(message);
        return;
      }
      clients.forgetDeparted(clientId); // its owner is back, under a claim of its own from now on
      message.reply(new JsonObject().put("replaced", 0));
      return;
    }
    if (as != null && held.stream().anyMatch(c -> !mayReach(as, c.principal()))) {
      forbidden(clientId).failReply(message);
      return;
    }
    held.forEach(c -> c.onPersonal(body));
    message.reply(new JsonObject().put(takeOver ? "replaced" : "delivered", held.size()));
  }

  private static Problem forbidden(String clientId) {
    return new Problem(403, "forbidden", "Forbidden", "the client id " + clientId + " belongs to another credential");
  }

  /** Whether the principal named {@code as} may message or replace a connection of {@code holder}. */
  static boolean mayReach(String as, Principal holder) {
    return holder.anonymous() || holder.name().equals(as);
  }

  void close() {
    consumer.unregister();
  }
}
