package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Scope;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * REST side of the WebSocket protocol: personal messages, room messages, broadcast, room members.
 * Messages go out as {@code {"type":"message","from","content","timestamp"}} frames; the body is
 * {@code {"content": …, "from"?: …}} or any JSON, which then is the content.
 */
final class MessagingRoutes {

  private final Vertx vertx;
  private final Presence presence;

  MessagingRoutes(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    this.presence = new Presence(vertx, WsSettings.from(conf).presenceTtlMs());
  }

  void mount(Router router) {
    router.post("/api/v1/clients/:clientId/messages").handler(this::personal);
    router.post("/api/v1/rooms/:room/messages").handler(this::room);
    router.post("/api/v1/broadcast").handler(this::broadcast);
    router.get("/api/v1/rooms/:room").handler(this::members);
  }

  private void personal(RoutingContext ctx) {
    String clientId = name(ctx.pathParam("clientId"), "client id");
    JsonObject frame = frame(ctx, null);
    Principal principal = Security.principal(ctx);
    sendToAssigned(clientId, frame, principal)
        .compose(sent -> sent ? Future.succeededFuture() : sendThroughPresence(clientId, frame, principal))
        .onSuccess(v -> accepted(ctx, new JsonObject().put("client_id", clientId)))
        .onFailure(e -> HttpProblems.send(ctx, e instanceof Problem refused ? refused
            : Problem.unavailable("presence is unavailable: " + e.getMessage())));
  }

  /**
   * An id the server assigned names the gateway instance that holds it: asked there directly, which
   * answers from its own connections (and checks ownership). False when that instance does not hold
   * it or is gone, or the id is not of that shape: then the cluster-wide entry is looked up, as for
   * any id a client chose (a client may reconnect with the id it was given), and an id nobody holds
   * gets the same 404 either way.
   */
  private Future<Boolean> sendToAssigned(String clientId, JsonObject frame, Principal principal) {
    String instance = AssignedClientIds.instanceOf(clientId);
    if (instance == null) {
      return Future.succeededFuture(false);
    }
    JsonObject message = new JsonObject().put("client_id", clientId).put("frame", frame);
    if (!principal.anonymous() && !principal.has(Scope.ADMIN)) {
      message.put("as", principal.name());
    }
    return InstanceMailbox.ask(vertx, instance, message)
        .recover(e -> Future.failedFuture(e instanceof Problem refused && refused.status() == 403 ? notYours(clientId) : e));
  }

  private Future<Void> sendThroughPresence(String clientId, JsonObject frame, Principal principal) {
    return presence.mayMessage(clientId, principal).compose(allowed -> {
      if (!allowed) {
        throw notYours(clientId);
      }
      return presence.connectionOf(clientId);
    }).compose(connection -> {
      if (connection == null) {
        return Future.failedFuture(Problem.notFound("client " + clientId + " is not connected"));
      }
      vertx.eventBus().publish(RealtimeAddresses.CLIENTS, new JsonObject().put("client_id", clientId).put("frame", frame));
      return Future.succeededFuture();
    });
  }

  private static Problem notYours(String clientId) {
    return Security.forbidden("the client id " + clientId + " belongs to another credential: only it and admins "
        + "send it personal messages");
  }

  private void room(RoutingContext ctx) {
    String room = name(ctx.pathParam("room"), "room");
    JsonObject frame = frame(ctx, room);
    vertx.eventBus().publish(RealtimeAddresses.room(room), new JsonObject().put("frame", frame));
    accepted(ctx, new JsonObject().put("room", room));
  }

  private void broadcast(RoutingContext ctx) {
    vertx.eventBus().publish(RealtimeAddresses.BROADCAST, new JsonObject().put("frame", frame(ctx, null)));
    accepted(ctx, new JsonObject());
  }

  private void members(RoutingContext ctx) {
    String room = name(ctx.pathParam("room"), "room");
    presence.members(room)
        .onSuccess(members -> ctx.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("room", room).put("members", new JsonArray(members)).encode()))
        .onFailure(e -> HttpProblems.send(ctx, Problem.unavailable("presence is unavailable: " + e.getMessage())));
  }

  private static String name(String value, String what) {
    if (!WsConnection.NAME.matcher(value).matches()) {
      throw Problem.badRequest("invalid-" + what.replace(' ', '-'), "a " + what + " is 1-128 characters of A-Z a-z 0-9 _ . : -");
    }
    return value;
  }

  private static JsonObject frame(RoutingContext ctx, String room) {
    Object body = HttpInput.json(ctx, false);
    if (body == null) {
      throw Problem.badRequest("empty-body", "send {\"content\": …} or any JSON value");
    }
    Object content = body;
    String from = "server";
    if (body instanceof JsonObject object && object.containsKey("content")) {
      content = object.getValue("content");
      if (object.getValue("from") instanceof String f && !f.isBlank()) {
        from = f;
      }
    }
    JsonObject frame = new JsonObject().put("type", "message");
    if (room != null) {
      frame.put("room", room);
    }
    return frame.put("from", from).put("content", content).put("timestamp", WsConnection.now());
  }

  private static void accepted(RoutingContext ctx, JsonObject body) {
    ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
