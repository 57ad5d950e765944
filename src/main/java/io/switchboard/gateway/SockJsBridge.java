package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.Map;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for {@code @vertx/eventbus-bridge-client.js}.
 * The hook admits each socket with the credential of the request that opened it (header or
 * {@code ?token=}), checks every REGISTER, SEND and PUBLISH against it, closes the socket when the
 * credential expires, and counts. Every bridge event is completed (an uncompleted one stalls the
 * socket).
 */
final class SockJsBridge {

  private record Session(Principal principal, String address, long expiry, String id) {}

  private static final String TRANSPORT = "sockjs";

  private final Vertx vertx;
  private final BridgeRules rules;
  private final JsonObject bridge;
  private final Security security;
  private final ConnectionMetrics metrics;
  private final Map<SockJSSocket, Session> sessions = new HashMap<>();
  private final GroupBridge groups;

  SockJsBridge(Vertx vertx, JsonObject conf, Security security, GroupBridge groups) {
    this.groups = groups;
    this.vertx = vertx;
    this.rules = new BridgeRules(conf);
    this.bridge = conf.getJsonObject("bridge", new JsonObject());
    this.security = security;
    this.metrics = new ConnectionMetrics(vertx, "sockjs");
  }

  void mount(Router router) {
    SockJSBridgeOptions options = rules.options(new SockJSBridgeOptions())
        .setPingTimeout(bridge.getLong("ping_timeout_ms", 10_000L))
        .setReplyTimeout(bridge.getLong("reply_timeout_ms", 30_000L))
        .setMaxHandlersPerSocket(bridge.getInteger("max_handlers_per_socket", 1000));
    SockJSHandler handler = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setHeartbeatInterval(bridge.getLong("heartbeat_ms", 25_000L)));
    router.route("/eventbus/*").subRouter(handler.bridge(options, this::onEvent));
  }

  private void onEvent(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    switch (event.type()) {
      case SOCKET_CREATED -> event.complete(admit(socket));
      case SOCKET_CLOSED -> {
        Session session = sessions.remove(socket);
        if (session != null) {
          groups.closed(session.principal(), TRANSPORT, session.id());
          security.cancel(session.expiry());
          security.connections().release(session.address());
          metrics.closed();
        }
        event.complete(true);
      }
      case REGISTER -> event.complete(sessions.containsKey(socket) && rules.register(event, sessions.get(socket).principal()));
      case SEND, PUBLISH -> {
        Session session = sessions.get(socket);
        if (session == null || !rules.inbound(event, TRANSPORT, session.principal(), security.rates())) {
          event.complete(false);
        } else {
          // a consumer-group request: checked against the group's source, then stamped with this socket's consumer id
          groups.admit(event.getRawMessage(), session.principal(), TRANSPORT, session.id()).onComplete(ar -> event.complete(ar.succeeded()));
        }
      }
      case RECEIVE -> {
        // The bridge writes straight to the socket: a client that does not keep up loses messages
        // rather than making the hub buffer them.
        if (socket.writeQueueFull()) {
          metrics.dropped();
          event.complete(false);
        } else {
          metrics.sent();
          event.complete(true);
        }
      }
      default -> event.complete(true);
    }
  }

  private boolean admit(SockJSSocket socket) {
    try {
      Principal principal = Security.principal(socket.routingContext());
      String address = Security.clientAddress(socket.routingContext());
      security.connections().acquire(address);
      long expiry = security.closeOnExpiry(principal, socket::close);
      sessions.put(socket, new Session(principal, address, expiry, java.util.UUID.randomUUID().toString()));
      metrics.opened();
      return true;
    } catch (Problem refused) {
      return false;
    }
  }
}
