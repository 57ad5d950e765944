package io.switchboard.gateway;

import io.switchboard.core.Envelope;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.Addresses;
import io.switchboard.core.Listening;
import io.switchboard.core.PublicBind;
import io.switchboard.core.SharedJson;
import io.switchboard.core.TopicDeliveries;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPublication;
import io.switchboard.core.TopicPublications;
import io.switchboard.gateway.security.BrowserGuard;
import io.switchboard.gateway.security.BrowserSettings;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the hub. Talks to the rest only over the event bus; runs as many instances as
 * configured, all sharing one port.
 */
public final class GatewayVerticle extends VerticleBase implements Listening, Configured {

  /** The sse section (read by the topic and stream routes). */
  static final ConfigSchema SSE = ConfigSchema.create()
      .integer("sse.heartbeat_ms", 1, Integer.MAX_VALUE).integer("sse.retry_ms", 0, Integer.MAX_VALUE)
      .integer("sse.max_topics", 1, Integer.MAX_VALUE).integer("sse.max_backlog", 1, Integer.MAX_VALUE)
      .oneOf("sse.slow_policy", "drop_oldest", "close");

  /** The bridge section (SockJS here, TCP in its own verticle). */
  static final ConfigSchema BRIDGE = ConfigSchema.create()
      .list("bridge.inbound", ConfigSchema.create().string("address").string("address_regex"))
      .list("bridge.outbound", ConfigSchema.create().string("address").string("address_regex"))
      .integer("bridge.ping_timeout_ms", 1, Integer.MAX_VALUE).integer("bridge.reply_timeout_ms", 1, Integer.MAX_VALUE)
      .integer("bridge.max_handlers_per_socket", 1, Integer.MAX_VALUE).integer("bridge.heartbeat_ms", 1, Integer.MAX_VALUE)
      .string("topics.default_type");

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(SSE).include(BRIDGE)
        .integer("ws.heartbeat_ms", 1, Integer.MAX_VALUE).integer("ws.presence_ttl_ms", 1, Integer.MAX_VALUE)
        .integer("ws.max_backlog", 1, Integer.MAX_VALUE).oneOf("ws.slow_policy", "drop_oldest", "close")
        .integer("ws.max_topics", 1, Integer.MAX_VALUE).integer("ws.max_rooms", 1, Integer.MAX_VALUE)
        .integer("ws.max_frame_bytes", 1, Integer.MAX_VALUE)
        .bool("ws.compression").integer("ws.compression_level", 1, 9)
        .parsedBy(io.switchboard.gateway.security.ClientAddresses::new).declare("http.trusted_proxies")
        .integer("limits.connections_per_ip", 1, Integer.MAX_VALUE).integer("limits.publish_rate", 1, Integer.MAX_VALUE)
        .integer("limits.publish_burst", 1, Integer.MAX_VALUE).bool("limits.limit_anonymous")
        .string("tls.cert_path").string("tls.key_path").integer("tls.hsts_max_age_s", 0, Integer.MAX_VALUE)
        .bool("auth.public_metrics")
        .parsedBy(BrowserSettings::from)
        .closed("sse", "ws", "bridge", "limits", "tls");
  }


  private static final Logger log = LoggerFactory.getLogger(GatewayVerticle.class);

  /** New connections whose first request is decoded and routed per event-loop turn (see FirstRequestGate). */
  private static final int FIRST_REQUESTS_PER_TURN = 8;

  private HttpServer server;
  private TopicRoutes topics;
  private StreamRoutes streams;
  private WebSocketRoutes webSockets;
  private TopicIngress ingress;
  private TopicWatches watches;
  private GroupBridge groupBridge;
  private Router router;

  @Override
  public Future<?> start() {
    TopicEvent.registerCodec(vertx);
    TopicPublication.registerCodec(vertx);
    TopicDeliveries.registerCodec(vertx);
    TopicPublications.registerCodecs(vertx);
    SharedJson.register(vertx);
    JsonObject conf = config();
    Listener listener = listeners(conf).get(0);
    PublicBind.require(listener, conf);

    Security security = new Security(vertx, conf);
    LocalSubscriptions subscriptions = new LocalSubscriptions();
    topics = new TopicRoutes(vertx, conf, subscriptions, security);
    webSockets = new WebSocketRoutes(vertx, conf, subscriptions, security);
    watches = new TopicWatches(vertx, subscriptions,
        new GapNotices(Envelope.nodeSource(conf)));
    JsonObject tls = conf.getJsonObject("tls", new JsonObject());
    boolean secure = tls.getString("cert_path") != null;

    ingress = new TopicIngress(vertx, Envelope.nodeSource(conf));
    ingress.install();
    router = Router.router(vertx);
    if (secure) {
      String hsts = "max-age=" + tls.getLong("hsts_max_age_s", 31_536_000L);
      router.route().handler(ctx -> {
        ctx.response().putHeader("Strict-Transport-Security", hsts);
        ctx.next();
      });
    }
    // Before credentials: a request for a host name or from a web page the hub does not serve goes no further.
    router.route().handler(new BrowserGuard(BrowserSettings.from(conf), listener.host(), tls.getString("cert_path"))::handle);
    router.route().handler(security::handle);
    // Only requests with bodies: a WebSocket upgrade must reach its route unread.
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(bodyLimit(conf));
    // (Not a method-filtered route: that would turn every unknown GET into a 405.)
    router.route().handler(ctx -> {
      HttpMethod method = ctx.request().method();
      if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
        if (!ctx.request().path().startsWith("/eventbus/")) {
          BrowserGuard.requireJsonBody(ctx); // SockJS's own transports post text/plain
        }
        bodies.handle(ctx);
      } else {
        ctx.next();
      }
    });
    topics.mount(router);
    streams = new StreamRoutes(vertx, conf);
    streams.mount(router);
    webSockets.mount(router);
    new MessagingRoutes(vertx, conf).mount(router);
    new OrderRoutes(vertx).mount(router);
    new ProjectionRoutes(vertx).mount(router);
    new SubscriptionRoutes(vertx).mount(router);
    new CommandRoutes(vertx).mount(router);
    new WebhookRoutes(vertx).mount(router);
    new ErasureRoutes(vertx).mount(router);
    groupBridge = new GroupBridge(vertx);
    groupBridge.install();
    new SockJsBridge(vertx, conf, security, groupBridge).mount(router);
    mountConsole(router);
    new QueueRoutes(vertx).mount(router);
    new OperationsRoutes(vertx, conf, openApi()).mount(router);
    new ConsoleRoutes(vertx, conf).mount(router);
    router.route().failureHandler(HttpProblems::onFailure);
    router.errorHandler(404, HttpProblems::onFailure);
    router.errorHandler(405, HttpProblems::onFailure);

    Future<?> delivery = vertx.eventBus().<TopicDeliveries>localConsumer(Addresses.TOPICS_DELIVER,
        m -> m.body().events().forEach(subscriptions::deliver)).completion();
    return delivery
        .compose(v -> {
          HttpServer created = vertx.createHttpServer(serverOptions(conf, listener.host(), listener.port(), tls))
              .requestHandler(router);
          WsSettings ws = WsSettings.from(conf);
          Handler<HttpConnection> gate = FirstRequestGate.installer(new HandshakePacer(context, FIRST_REQUESTS_PER_TURN));
          Handler<HttpConnection> compression = ws.compression() ? PerMessageDeflate.installer(ws.compressionLevel()) : c -> { };
          created.connectionHandler(connection -> {
            compression.handle(connection);
            gate.handle(connection);
          });
          return created.listen();
        })
        .onSuccess(s -> {
          server = s;
          Listening.bound(vertx, listener, s.actualPort());
          log.debug("gateway instance listening on {}://{}:{}", listener.scheme(), listener.host(), s.actualPort());
        });
  }

  /** The routes this instance serves (for the test that holds them against openapi.yaml). */
  List<io.vertx.ext.web.Route> routes() {
    return router == null ? List.of() : router.getRoutes();
  }

  @Override
  public List<Listener> listeners(JsonObject config) {
    JsonObject http = config.getJsonObject("http", new JsonObject());
    boolean tls = config.getJsonObject("tls", new JsonObject()).getString("cert_path") != null;
    return List.of(new Listener("HTTP", "http.host", http.getString("host", "127.0.0.1"), http.getInteger("port", 8080),
        tls ? "https" : "http"));
  }

  @Override
  public Future<?> stop() {
    if (topics != null) {
      topics.closeAll();
      webSockets.closeAll();
      ingress.uninstall();
      watches.close();
    }
    if (streams != null) {
      streams.closeAll();
    }
    if (groupBridge != null) {
      groupBridge.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The console page at {@code /}: static files from the jar, sockjs-client and uPlot from their webjars. */
  private static void mountConsole(Router router) {
    router.get("/").handler(ctx -> ctx.reroute("/console/index.html"));
    router.get("/console/vendor/uplot/*").handler(
        StaticHandler.create("META-INF/resources/webjars/uplot/1.6.30/dist").setDefaultContentEncoding("UTF-8"));
    router.get("/console/vendor/*").handler(
        StaticHandler.create("META-INF/resources/webjars/sockjs-client/1.6.1/dist").setDefaultContentEncoding("UTF-8"));
    router.get("/console/*").handler(StaticHandler.create("webroot").setDefaultContentEncoding("UTF-8"));
  }

  private static HttpServerOptions serverOptions(JsonObject conf, String host, int port, JsonObject tls) {
    WsSettings ws = WsSettings.from(conf);
    int maxFrame = ws.maxFrameBytes();
    // A form-encoded body is decoded by the server as well as kept whole (a binary-mode CloudEvent
    // may carry one): its decoder must not refuse, with a 500, what the body limit lets through.
    int formLimit = bodyLimit(conf) == Integer.MAX_VALUE ? Integer.MAX_VALUE : bodyLimit(conf) + 1;
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
        .setMaxWebSocketFrameSize(maxFrame).setMaxWebSocketMessageSize(maxFrame)
        .setMaxFormAttributeSize(formLimit).setMaxFormBufferedBytes(formLimit)
        // Every response and frame is written from its connection's own event loop, so Vert.x may
        // write straight to the channel: no cross-thread queue per connection (Netty's 1,024-slot
        // array, 4 KB of heap for each of thousands of idle sockets) and no queue hop per write.
        .setStrictThreadMode(true);
    compression(options, ws);
    if (tls.getString("cert_path") != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(tls.getString("cert_path")).setKeyPath(tls.getString("key_path")));
    }
    return options;
  }

  /**
   * permessage-deflate for WebSocket clients and SockJS's WebSocket transport, off unless
   * {@code ws.compression}. Enabling it here makes Vert.x accept compressed frames and add its
   * extension handler, which {@link PerMessageDeflate#installer} then replaces (no context
   * takeover, whatever the client offers); the older deflate-frame extension stays off.
   */
  static void compression(HttpServerOptions options, WsSettings ws) {
    options.setPerMessageWebSocketCompressionSupported(ws.compression())
        .setPerFrameWebSocketCompressionSupported(false);
    if (ws.compression()) {
      options.setWebSocketCompressionLevel(ws.compressionLevel())
          .setWebSocketAllowServerNoContext(true)
          .setWebSocketPreferredClientNoContext(true);
    }
  }

  private static int bodyLimit(JsonObject conf) {
    return conf.getJsonObject("http", new JsonObject()).getInteger("body_limit", 1024 * 1024);
  }

  private static Buffer openApi() {
    try (InputStream in = GatewayVerticle.class.getClassLoader().getResourceAsStream("openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read openapi.yaml", e);
    }
  }
}
