package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
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

  /** How long a question to another gateway instance about an id it assigned may take. */
  private static final long TIMEOUT_MS = 5_000;

  private final LocalClients clients;
  private final MessageConsumer<JsonObject> consumer;

  InstanceMailbox(Vertx vertx, String token, LocalClients clients) {
    this.clients = clients;
    this.consumer = vertx.eventBus().consumer(RealtimeAddresses.instance(token), this::answer);
  }

  /**
   * Asks the mailbox of the instance named {@code token}: true when it answered, false when it holds
   * no such client (404) or is gone (no handler: its node left or it stopped), failed with its
   * problem otherwise (403: the holder is another principal's).
   */
  static Future<Boolean> ask(Vertx vertx, String token, JsonObject request) {
    String address = RealtimeAddresses.instance(token);
    return vertx.eventBus().request(address, request, new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
        .map(true)
        .recover(e -> {
          if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.succeededFuture(false);
          }
          Problem problem = Problem.from(e, address);
          return problem.status() == 404 ? Future.succeededFuture(false) : Future.failedFuture(problem);
        });
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
