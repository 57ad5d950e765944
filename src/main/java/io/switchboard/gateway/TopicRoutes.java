package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicName;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicPublication;
import io.switchboard.core.TopicPublisher;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code POST /api/v1/topics/{topic}} and the SSE stream {@code GET /api/v1/stream?topics=…}. */
final class TopicRoutes {

  private static final DeliveryOptions FROM_HTTP = new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, "http");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private final Vertx vertx;
  private final LocalSubscriptions subscriptions;
  private final SseStream.Settings sseSettings;
  private final int maxPatterns;
  private final String source;
  private final ConnectionMetrics sseMetrics;
  private final Set<SseStream> streams = new HashSet<>();
  private final Heartbeats<SseStream> heartbeats;

  private final Security security;
  private final TopicPublisher publisher;

  TopicRoutes(Vertx vertx, JsonObject conf, LocalSubscriptions subscriptions, Security security) {
    this.vertx = vertx;
    this.publisher = new TopicPublisher(vertx, FROM_HTTP);
    this.security = security;
    this.subscriptions = subscriptions;
    this.source = Envelope.nodeSource(conf);
    JsonObject sse = conf.getJsonObject("sse", new JsonObject());
    this.sseSettings = new SseStream.Settings(
        sse.getLong("retry_ms", 3000L),
        sse.getInteger("max_backlog", 1000),
        Outbox.SlowPolicy.of(sse.getString("slow_policy", "drop_oldest")),
        new GapNotices(source));
    this.maxPatterns = sse.getInteger("max_topics", 100);
    this.sseMetrics = new ConnectionMetrics(vertx, "sse");
    this.heartbeats = new Heartbeats<>(vertx, sse.getLong("heartbeat_ms", 15_000L), (stream, now) -> stream.heartbeat());
  }

  void mount(Router router) {
    router.post("/api/v1/topics/:topic").handler(this::publish);
    router.get("/api/v1/stream").handler(this::stream);
  }

  private void publish(RoutingContext ctx) {
    String topic = TopicName.validate(ctx.pathParam("topic"));
    Principal principal = Security.principal(ctx);
    principal.requirePublish(topic);
    security.rates().acquire(principal);
    // Envelope's check, the same for every publisher, here on this instance's loop rather than the router's.
    Envelope event;
    try {
      event = Envelope.fromHttp(ctx.body().buffer(), ctx.request().headers(), source);
    } catch (Problem refused) {
      throw Metrics.countedIfInvalid(refused);
    }
    publisher.publish(new TopicPublication(topic, event))
        .onSuccess(id -> ctx.response().setStatusCode(202)
            .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
            .end(accepted(id, topic)))
        .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.TOPICS_PUBLISH)));
  }

  /** {@code {"id":…,"topic":…}}; the topic is a validated name, the id needs escaping only when it has quotes or backslashes. */
  static String accepted(String id, String topic) {
    if (id.indexOf('"') >= 0 || id.indexOf('\\') >= 0) {
      return new JsonObject().put("id", id).put("topic", topic).encode();
    }
    return "{\"id\":\"" + id + "\",\"topic\":\"" + topic + "\"}";
  }

  private void stream(RoutingContext ctx) {
    List<TopicPattern> patterns = new ArrayList<>();
    List<String> params = ctx.queryParam("topics");
    TopicPattern.parseList(String.join(",", params)).forEach(p -> {
      if (!patterns.contains(p)) {
        patterns.add(p);
      }
    });
    if (patterns.size() > maxPatterns) {
      throw Problem.badRequest("too-many-topics", patterns.size() + " patterns; a stream takes at most " + maxPatterns);
    }
    Principal principal = Security.principal(ctx);
    patterns.forEach(principal::requireSubscribe);
    String address = Security.clientAddress(ctx);
    security.connections().acquire(address);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    if (lastEventId == null) {
      lastEventId = ctx.request().getParam("lastEventId");
    }

    HttpServerResponse response = ctx.response();
    SseStream stream = new SseStream(response, patterns, sseSettings, sseMetrics);
    streams.add(stream);
    heartbeats.add(stream);
    subscriptions.add(stream, patterns);
    sseMetrics.opened();
    long expiry = security.closeOnExpiry(principal, stream::close);
    response.closeHandler(v -> {
      security.cancel(expiry);
      security.connections().release(address);
      forget(stream);
    });
    stream.open();
    if (lastEventId != null && !lastEventId.isBlank()) {
      stream.holdForReplay();
      JsonArray topics = new JsonArray();
      patterns.forEach(p -> topics.add(p.toString()));
      vertx.eventBus().<JsonObject>request(Addresses.TOPICS_HISTORY, new JsonObject().put("after", lastEventId).put("topics", topics))
          .onSuccess(reply -> stream.replay(reply.body()))
          .onFailure(e -> stream.replayFailed());
    }
  }

  private void forget(SseStream stream) {
    if (streams.remove(stream)) {
      heartbeats.remove(stream);
      stream.markClosed();
      subscriptions.remove(stream, stream.patterns());
      sseMetrics.closed();
    }
  }

  /** Ends every open stream, so a stopping node does not wait on clients. */
  void closeAll() {
    heartbeats.stop();
    for (SseStream stream : List.copyOf(streams)) {
      stream.close();
      forget(stream);
    }
  }
}
