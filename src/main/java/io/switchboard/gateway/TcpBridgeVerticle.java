package io.switchboard.gateway;

import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.util.HashMap;
import java.util.Map;

/**
 * The TCP event-bus bridge (4-byte length + JSON frames), for services in any language: the same
 * permitted addresses and the same checks as the SockJS bridge ({@link BridgeRules}). A client
 * authenticates with a {@code token} header on its first frame when auth is on (the header is
 * removed before anything is forwarded). Off unless {@code tcp_bridge.port} is set.
 *
 * <p>The TCP bridge writes to sockets without asking whether they keep up, so a client whose
 * write queue stays full for {@code tcp_bridge.slow_close_ms} is closed, which bounds what it can
 * make the hub hold.
 */
public final class TcpBridgeVerticle extends VerticleBase {

  private static final String TOKEN_HEADER = "token";

  private final class Session {
    final String address;
    Future<Principal> principal;
    long fullSince;
    long expiry = -1;

    Session(String address) {
      this.address = address;
    }
  }

  private Security security;
  private BridgeRules rules;
  private ConnectionMetrics metrics;
  private TopicIngress ingress;
  private TcpEventBusBridge bridge;
  private final Map<NetSocket, Session> sessions = new HashMap<>();

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject tcp = conf.getJsonObject("tcp_bridge", new JsonObject());
    security = new Security(vertx, conf);
    rules = new BridgeRules(conf);
    metrics = new ConnectionMetrics(vertx, "tcp");
    ingress = new TopicIngress(vertx);
    ingress.install();
    long slowCloseMs = tcp.getLong("slow_close_ms", 10_000L);
    vertx.setPeriodic(Math.max(100, slowCloseMs / 4), id -> closeSlow(slowCloseMs));
    bridge = TcpEventBusBridge.create(vertx, rules.options(new BridgeOptions()), new NetServerOptions(), this::onEvent);
    String host = tcp.getString("host") != null ? tcp.getString("host") : conf.getJsonObject("http").getString("host");
    return bridge.listen(tcp.getInteger("port"), host);
  }

  @Override
  public Future<?> stop() {
    ingress.uninstall();
    return bridge == null ? Future.succeededFuture() : bridge.close();
  }

  private void onEvent(BridgeEvent event) {
    NetSocket socket = event.socket();
    Session session = sessions.computeIfAbsent(socket, this::open);
    if (session.principal == null) {
      JsonObject headers = event.getRawMessage() == null ? null : event.getRawMessage().getJsonObject("headers");
      String token = headers == null ? null : headers.getString(TOKEN_HEADER);
      session.principal = security.authenticate(token, session.address).onSuccess(principal ->
          session.expiry = security.closeOnExpiry(principal, socket::close));
    }
    if (event.getRawMessage() != null && event.getRawMessage().getJsonObject("headers") != null) {
      event.getRawMessage().getJsonObject("headers").remove(TOKEN_HEADER);
    }
    session.principal.onComplete(authenticated -> {
      if (authenticated.failed()) {
        session.principal = null; // a later frame may bring a valid token
        event.complete(false);
        return;
      }
      Principal principal = authenticated.result();
      switch (event.type()) {
        case REGISTER -> event.complete(rules.register(event, principal));
        case SEND, PUBLISH -> event.complete(rules.inbound(event, "tcp", principal, security.rates()));
        default -> event.complete(true);
      }
    });
  }

  /** First frame of a socket: count it, and forget it when it closes. */
  private Session open(NetSocket socket) {
    Session session = new Session(socket.remoteAddress().hostAddress());
    metrics.opened();
    socket.closeHandler(v -> {
      Session gone = sessions.remove(socket);
      if (gone != null) {
        security.cancel(gone.expiry);
        metrics.closed();
      }
    });
    return session;
  }

  private void closeSlow(long slowCloseMs) {
    long now = System.currentTimeMillis();
    sessions.forEach((socket, session) -> {
      if (!socket.writeQueueFull()) {
        session.fullSince = 0;
      } else if (session.fullSince == 0) {
        session.fullSince = now;
      } else if (now - session.fullSince > slowCloseMs) {
        metrics.slowClosed();
        socket.close();
      }
    });
  }
}
