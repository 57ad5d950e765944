package io.switchboard.gateway;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Envelope;
import io.switchboard.core.Configured;
import io.switchboard.core.Listening;
import io.switchboard.core.Problem;
import io.switchboard.core.PublicBind;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP event-bus bridge, for services in any language: the frames of the Vert.x TCP bridge
 * (4-byte length + JSON), the same permitted addresses and the same checks as the SockJS bridge
 * ({@link BridgeRules}). Off unless {@code tcp_bridge.port} is set.
 *
 * <p>The hub speaks the protocol itself rather than through vertx-tcp-eventbus-bridge 5.0.7,
 * whose frame parser buffers whatever length a client announces (a hostile client could make the
 * hub hold gigabytes before authenticating) and lets clients pick codecs and send timeouts. Here a
 * frame is bounded ({@code tcp_bridge.max_frame_bytes}), a broken one gets an {@code err} frame,
 * messages for a client that does not read are dropped (counted) instead of queued, and a client
 * whose write queue stays full for {@code tcp_bridge.slow_close_ms} is closed.
 */
public final class TcpBridgeVerticle extends VerticleBase implements Listening, Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(GatewayVerticle.BRIDGE)
        .integer("tcp_bridge.port", 0, 65535).string("tcp_bridge.host")
        .integer("tcp_bridge.max_frame_bytes", 1, Integer.MAX_VALUE).integer("tcp_bridge.slow_close_ms", 1, Integer.MAX_VALUE)
        .closed("tcp_bridge", "bridge");
  }


  private Security security;
  private BridgeRules rules;
  /** Checks and stamps consumer-group requests; the gateway's instances answer them. */
  private GroupBridge groups;
  private ConnectionMetrics metrics;
  private TopicIngress ingress;
  private TcpBridgeSession.Limits limits;
  private NetServer server;
  private final Set<TcpBridgeSession> sessions = new HashSet<>();

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject tcp = conf.getJsonObject("tcp_bridge", new JsonObject());
    JsonObject bridge = conf.getJsonObject("bridge", new JsonObject());
    security = new Security(vertx, conf);
    rules = new BridgeRules(conf);
    groups = new GroupBridge(vertx);
    metrics = new ConnectionMetrics(vertx, "tcp");
    ingress = new TopicIngress(vertx, Envelope.nodeSource(conf));
    ingress.install();
    limits = new TcpBridgeSession.Limits(tcp.getInteger("max_frame_bytes", 1024 * 1024),
        bridge.getInteger("max_handlers_per_socket", 1000), bridge.getLong("reply_timeout_ms", 30_000L));
    long slowCloseMs = tcp.getLong("slow_close_ms", 10_000L);
    vertx.setPeriodic(Math.max(100, slowCloseMs / 4), id -> {
      long now = System.currentTimeMillis();
      for (TcpBridgeSession session : Set.copyOf(sessions)) {
        if (session.sweep(now, slowCloseMs)) {
          metrics.slowClosed();
        }
      }
    });
    Listener listener = listeners(conf).get(0);
    PublicBind.require(listener, conf);
    server = vertx.createNetServer(new NetServerOptions().setHost(listener.host()).setPort(listener.port()));
    server.connectHandler(this::accept);
    return server.listen().onSuccess(s -> Listening.bound(vertx, listener, s.actualPort()));
  }

  /** Bound to {@code tcp_bridge.host}, else to {@code http.host}. */
  @Override
  public List<Listener> listeners(JsonObject config) {
    JsonObject tcp = config.getJsonObject("tcp_bridge", new JsonObject());
    String host = tcp.getString("host");
    String field = "tcp_bridge.host";
    if (host == null) {
      host = config.getJsonObject("http", new JsonObject()).getString("host", "127.0.0.1");
      field = "http.host, which tcp_bridge.host defaults to";
    }
    return List.of(new Listener("TCP bridge", field, host, tcp.getInteger("port", 0), "tcp"));
  }

  @Override
  public Future<?> stop() {
    ingress.uninstall();
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void accept(NetSocket socket) {
    String address = socket.remoteAddress().hostAddress();
    try {
      security.connections().acquire(address);
    } catch (Problem tooMany) {
      TcpBridgeSession.writeFrame(socket, new JsonObject().put("type", "err").put("message", "too_many_connections"));
      socket.close();
      return;
    }
    TcpBridgeSession session = new TcpBridgeSession(vertx, socket, address, security, rules, limits, metrics, groups);
    sessions.add(session);
    metrics.opened();
    socket.closeHandler(v -> {
      sessions.remove(session);
      session.closed();
      security.connections().release(address);
      metrics.closed();
    });
    session.start();
  }
}
