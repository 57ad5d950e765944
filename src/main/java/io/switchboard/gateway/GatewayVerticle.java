package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.TopicEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the hub. Talks to the rest only over the event bus; runs as many instances as
 * configured, all sharing one port.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(GatewayVerticle.class);

  private HttpServer server;
  private TopicRoutes topics;
  private StreamRoutes streams;

  @Override
  public Future<?> start() {
    TopicEvent.registerCodec(vertx);
    JsonObject conf = config();
    JsonObject http = conf.getJsonObject("http", new JsonObject());
    String host = http.getString("host", "127.0.0.1");
    int port = http.getInteger("port", 8080);

    LocalSubscriptions subscriptions = new LocalSubscriptions();
    topics = new TopicRoutes(vertx, conf, subscriptions);

    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(http.getInteger("body_limit", 1024 * 1024)));
    topics.mount(router);
    streams = new StreamRoutes(vertx, conf);
    streams.mount(router);
    new OperationsRoutes(vertx, conf, openApi()).mount(router);
    router.route().failureHandler(HttpProblems::onFailure);
    router.errorHandler(404, HttpProblems::onFailure);
    router.errorHandler(405, HttpProblems::onFailure);

    Future<?> delivery = vertx.eventBus().<TopicEvent>localConsumer(Addresses.TOPICS_DELIVER,
        m -> subscriptions.deliver(m.body())).completion();
    return delivery
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
            .requestHandler(router)
            .listen())
        .onSuccess(s -> {
          server = s;
          log.debug("gateway instance listening on http://{}:{}", host, s.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    if (topics != null) {
      topics.closeAll();
    }
    if (streams != null) {
      streams.closeAll();
    }
    return server == null ? Future.succeededFuture() : server.close();
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
