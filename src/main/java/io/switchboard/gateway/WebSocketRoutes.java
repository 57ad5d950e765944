package io.switchboard.gateway;

import io.switchboard.core.Envelope;
import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicPublisher;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code GET /ws/{clientId}} and {@code GET /ws}: the WebSocket clients of one gateway instance. */
final class WebSocketRoutes {

  /** Handshakes started per event-loop turn: each costs a few hundred microseconds with its set-up. */
  private static final int HANDSHAKES_PER_TURN = 8;

  private final Vertx vertx;
  private final WsContext context;
  private final Set<WsConnection> connections = new HashSet<>();
  private final MessageConsumer<JsonObject> broadcast;
  private final MessageConsumer<JsonObject> personal;
  private final AssignedClientIds assignedIds = AssignedClientIds.forNewInstance();
  private final InstanceMailbox mailbox;
  private final Heartbeats<WsConnection> heartbeats;
  private final HandshakePacer handshakes;

  private final Security security;

  WebSocketRoutes(Vertx vertx, JsonObject conf, LocalSubscriptions subscriptions, Security security) {
    this.vertx = vertx;
    this.security = security;
    WsSettings settings = WsSettings.from(conf);
    this.context = new WsContext(vertx, settings, subscriptions, new Rooms(vertx),
        new Presence(vertx, settings.presenceTtlMs()), new ConnectionMetrics(vertx, "websocket"), security.rates(),
        new LocalClients(settings.presenceTtlMs()), new GroupClient(vertx), Envelope.nodeSource(conf),
        new TopicPublisher(vertx, new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, "websocket")));
    this.broadcast = vertx.eventBus().consumer(RealtimeAddresses.BROADCAST, m -> {
      io.vertx.core.buffer.Buffer frame = SharedFrame.of(m.body().getJsonObject("frame").toBuffer()); // once for all sockets
      connections.forEach(c -> c.sendFrame(frame));
    });
    this.personal = vertx.eventBus().consumer(RealtimeAddresses.CLIENTS, m -> {
      context.byClientId().get(m.body().getString("client_id")).forEach(c -> c.onPersonal(m.body()));
    });
    this.mailbox = new InstanceMailbox(vertx, assignedIds.instance(), context.byClientId());
    this.heartbeats = new Heartbeats<>(vertx, settings.heartbeatMs(), WsConnection::heartbeat);
    this.handshakes = new HandshakePacer(vertx.getOrCreateContext(), HANDSHAKES_PER_TURN);
    subscriptions.afterEachMessage(context.metrics()::deliveryDone);
  }

  void mount(Router router) {
    router.get("/ws").handler(ctx -> upgrade(ctx, assignedIds.next(), false));
    router.get("/ws/:clientId").handler(ctx -> {
      String clientId = ctx.pathParam("clientId");
      if (!WsConnection.NAME.matcher(clientId).matches()) {
        throw Problem.badRequest("invalid-client-id", "a client id is 1-128 characters of A-Z a-z 0-9 _ . : -");
      }
      upgrade(ctx, clientId, true);
    });
  }

  private void upgrade(RoutingContext ctx, String clientId, boolean idFromClient) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw Problem.badRequest("websocket-expected", "this route takes a WebSocket upgrade");
    }
    Principal principal = Security.principal(ctx);
    String address = Security.clientAddress(ctx);
    security.connections().acquire(address);
    ctx.request().pause(); // its end waits for the handshake, which takes the request from there
    handshakes.admit(ctx.request()::toWebSocket).onFailure(e -> security.connections().release(address)).onSuccess(ws -> {
      WsConnection connection = new WsConnection(ws, clientId, idFromClient, principal, context);
      connections.add(connection);
      heartbeats.add(connection);
      context.metrics().opened();
      long expiry = security.closeOnExpiry(principal, () -> connection.close((short) 4401, "token expired"));
      ws.closeHandler(v -> {
        security.cancel(expiry);
        security.connections().release(address);
        if (connections.remove(connection)) {
          heartbeats.remove(connection);
          context.metrics().closed();
        }
        connection.onClosed();
      });
      connection.open().onFailure(e -> {
        if (e instanceof Problem refused && refused.status() == 403) {
          connection.close((short) 4403, "client id taken: it belongs to another credential");
        } else {
          connection.close((short) 1011, "could not register the client: " + e.getMessage());
        }
      });
    });
  }

  /** The node is stopping: stop pinging, close every client. */
  void closeAll() {
    heartbeats.stop();
    broadcast.unregister();
    personal.unregister();
    mailbox.close();
    List.copyOf(connections).forEach(c -> c.close((short) 1001, "server shutting down"));
  }
}
