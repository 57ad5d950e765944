package io.switchboard.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for {@code @vertx/eventbus-bridge-client.js}.
 * Every bridge event is completed (an uncompleted one stalls the socket).
 */
final class SockJsBridge {

  private final Vertx vertx;
  private final BridgeRules rules;
  private final JsonObject bridge;
  private final ConnectionMetrics metrics;

  SockJsBridge(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    this.rules = new BridgeRules(conf);
    this.bridge = conf.getJsonObject("bridge", new JsonObject());
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
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> {
        metrics.opened();
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        metrics.closed();
        event.complete(true);
      }
      case SEND, PUBLISH -> event.complete(rules.inbound(event, "sockjs"));
      case RECEIVE -> {
        // The bridge writes straight to the socket: a client that does not keep up loses messages
        // rather than making the hub buffer them.
        if (event.socket().writeQueueFull()) {
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
}
