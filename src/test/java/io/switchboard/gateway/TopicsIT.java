package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.TopicPublisher;
import io.switchboard.testing.Http;
import io.switchboard.testing.OpenApiRoutes;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Topics over REST and SSE, through real HTTP connections to a hub with two gateway instances. */
class TopicsIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestHub hub;

  @BeforeAll
  static void start() {
    hub = TestHub.start(new JsonObject()
            .put("http", new JsonObject().put("body_limit", 16_384))
            .put("sse", new JsonObject().put("heartbeat_ms", 300)),
        d -> d.name().equals("gateway") ? d.withInstances(2) : d);
  }

  @AfterAll
  static void stop() {
    hub.close();
  }

  private static HttpResponse<String> publish(String topic, String body, String... headers) {
    return Http.post(hub.uri("/api/v1/topics/" + topic), body, headers);
  }

  private static String publishOk(String topic, String type, String data) {
    HttpResponse<String> response = publish(topic, data, "Content-Type", "application/json", "ce-type", type);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Http.json(response).getString("id");
  }

  private static SseClient stream(String topics, String... headers) {
    return SseClient.open(hub.uri("/api/v1/stream?topics=" + topics), headers);
  }

  @Test
  void aPublishedMessageArrivesOnTheStreamAsSentOnTheWire() {
    try (SseClient sse = stream("orders.*")) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.response().headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
      assertThat(sse.response().headers().firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(sse.response().headers().firstValue("X-Accel-Buffering")).hasValue("no");

      HttpResponse<String> accepted = publish("orders.created", "{\"order_id\":\"o-1\"}",
          "Content-Type", "application/json", "ce-type", "order.created", "X-Correlation-Id", "corr-7");
      assertThat(accepted.statusCode()).isEqualTo(202);
      JsonObject reply = Http.json(accepted);
      assertThat(reply.getString("topic")).isEqualTo("orders.created");

      SseClient.Event event = sse.next(WAIT);
      assertThat(event.event()).isEqualTo("order.created");
      assertThat(event.id()).isNotBlank();
      JsonObject envelope = new JsonObject(event.data());
      assertThat(envelope.getString("id")).isEqualTo(reply.getString("id"));
      assertThat(envelope.getString("specversion")).isEqualTo("1.0");
      assertThat(envelope.getString("type")).isEqualTo("order.created");
      assertThat(envelope.getString("source")).isEqualTo("/switchboard/" + hub.nodeId());
      assertThat(envelope.getString("correlationid")).isEqualTo("corr-7");
      assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("order_id", "o-1"));
    }
  }

  @Test
  void structuredEventsKeepTheirAttributes() {
    try (SseClient sse = stream("audit")) {
      String body = "{\"specversion\":\"1.0\",\"id\":\"evt-1\",\"source\":\"urn:test\",\"type\":\"audit.logged\","
          + "\"subject\":\"s-1\",\"time\":\"2026-11-26T12:00:00.000Z\",\"data\":[1,2,3]}";
      assertThat(publish("audit", body, "Content-Type", "application/cloudevents+json").statusCode()).isEqualTo(202);
      JsonObject envelope = new JsonObject(sse.next(WAIT).data());
      assertThat(envelope).isEqualTo(new JsonObject(body));
    }
  }

  @Test
  void eachStreamGetsWhatItsPatternsMatch() {
    try (SseClient all = stream("shop.%23");
         SseClient eu = stream("shop.*.eu,shop.refunds");
         SseClient none = stream("other.*")) {
      publishOk("shop.orders.eu", "t", "1");
      publishOk("shop.orders.us", "t", "2");
      publishOk("shop.refunds", "t", "3");
      publishOk("shop", "t", "4");
      String end = publishOk("shop.end.eu", "t", "5");
      publishOk("other.end", "t", "6");

      assertThat(datas(all.until(e -> e.data().contains(end), WAIT))).containsExactly(1, 2, 3, 4, 5);
      assertThat(datas(eu.until(e -> e.data().contains(end), WAIT))).containsExactly(1, 3, 5);
      assertThat(datas(none.until(e -> true, WAIT))).containsExactly(6);
    }
  }

  private static List<Integer> datas(List<SseClient.Event> events) {
    return events.stream().map(e -> new JsonObject(e.data()).getInteger("data")).toList();
  }

  @Test
  void manyStreamsAcrossTwoGatewayInstancesReceiveEachMessageOnce() {
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        clients.add(stream("fanout.%23"));
      }
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(publishOk("fanout.m" + (i % 3), "fanout.test", String.valueOf(i)));
      }
      String end = publishOk("fanout.end", "fanout.end", "0");
      ids.add(end);
      for (SseClient client : clients) {
        List<String> received = client.until(e -> e.data().contains(end), WAIT).stream()
            .map(e -> new JsonObject(e.data()).getString("id")).toList();
        assertThat(received).containsExactlyElementsOf(ids);
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  /**
   * A gateway instance hands the router what it took in during one turn as one request (issue 20):
   * each publish still gets its own outcome (its id), and what was accepted arrives in the order it
   * was published, each once. (An invalid event never gets this far: it is refused where it came in.)
   */
  @Test
  void publishesOfOneTurnGoAsOneRequestEachWithItsOwnOutcome() throws Exception {
    List<Object> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> seen = dc -> {
      if (dc.message().address().equals(io.switchboard.core.Addresses.TOPICS_PUBLISH)) {
        requests.add(dc.body());
      }
      dc.next();
    };
    hub.vertx.eventBus().addOutboundInterceptor(seen);
    try (SseClient sse = stream("turn.*")) {
      io.vertx.core.Context context = hub.vertx.getOrCreateContext();
      java.util.concurrent.CompletableFuture<List<io.vertx.core.Future<String>>> published = new java.util.concurrent.CompletableFuture<>();
      context.runOnContext(v -> {
        TopicPublisher publisher = new TopicPublisher(hub.vertx, new io.vertx.core.eventbus.DeliveryOptions());
        List<io.vertx.core.Future<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          io.switchboard.core.Envelope event = io.switchboard.core.Envelope.of(
              new JsonObject().put("type", "turn.test").put("data", i), "/test");
          outcomes.add(publisher.publish(new io.switchboard.core.TopicPublication("turn.m" + (i % 3), event)));
        }
        published.complete(outcomes);
      });
      List<io.vertx.core.Future<String>> outcomes = published.get(10, java.util.concurrent.TimeUnit.SECONDS);
      io.vertx.core.Future.join(outcomes).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(requests).hasSize(1).first().isInstanceOf(io.switchboard.core.TopicPublications.class);
      List<String> ids = new ArrayList<>();
      for (io.vertx.core.Future<String> outcome : outcomes) {
        ids.add(outcome.result());
      }
      assertThat(ids).hasSize(30).doesNotHaveDuplicates();
      String last = ids.get(ids.size() - 1);
      List<String> received = sse.until(e -> e.data().contains(last), WAIT).stream()
          .map(e -> new JsonObject(e.data()).getString("id")).toList();
      assertThat(received).containsExactlyElementsOf(ids);
    } finally {
      hub.vertx.eventBus().removeOutboundInterceptor(seen);
    }
  }

  /**
   * A burst larger than many chunks reaches each stream byte for byte and in order, and every chunk
   * the streams coalesced in pooled memory went back to the pool (Netty's leak detector, tracking
   * every buffer for the test, names any that was dropped unreleased).
   */
  @Test
  void aBurstReachesEveryStreamWholeAndInOrderAndItsChunksGoBackToThePool() throws Exception {
    ch.qos.logback.classic.Logger leaks = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(io.netty.util.ResourceLeakDetector.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> reported = new ch.qos.logback.core.read.ListAppender<>();
    reported.start();
    leaks.addAppender(reported);
    io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
    io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.PARANOID);
    List<SseClient> streams = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        streams.add(stream("burst.*"));
      }
      int count = 2_000;
      String padding = "é\\\"x".repeat(40); // multi-byte and escaped text, so a chunk boundary may fall anywhere
      java.util.concurrent.CompletableFuture<Void> published = new java.util.concurrent.CompletableFuture<>();
      hub.vertx.getOrCreateContext().runOnContext(v -> {
        TopicPublisher publisher = new TopicPublisher(hub.vertx, new io.vertx.core.eventbus.DeliveryOptions());
        List<io.vertx.core.Future<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          io.switchboard.core.Envelope event = io.switchboard.core.Envelope.of(new JsonObject().put("type", "burst.test")
              .put("data", new JsonObject().put("n", i).put("text", padding)), "/test");
          outcomes.add(publisher.publish(new io.switchboard.core.TopicPublication("burst.m" + (i % 2), event)));
        }
        io.vertx.core.Future.join(outcomes).onComplete(done -> published.complete(null));
      });
      published.get(10, java.util.concurrent.TimeUnit.SECONDS);
      for (SseClient sse : streams) {
        List<SseClient.Event> events = sse.until(e -> e.data().contains("\"n\":" + (count - 1) + ","), WAIT);
        assertThat(events).hasSize(count);
        for (int i = 0; i < count; i++) {
          JsonObject data = new JsonObject(events.get(i).data()).getJsonObject("data");
          assertThat(data.getInteger("n")).isEqualTo(i);
          assertThat(data.getString("text")).isEqualTo(padding);
        }
      }
      // Leaks are reported when a later allocation finds a tracked buffer collected unreleased.
      for (int round = 0; round < 5 && reported.list.isEmpty(); round++) {
        System.gc();
        for (int i = 0; i < 100; i++) {
          io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(16).release();
        }
      }
      assertThat(reported.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .noneMatch(message -> message.contains("LEAK"));
    } finally {
      streams.forEach(SseClient::close);
      io.netty.util.ResourceLeakDetector.setLevel(level);
      leaks.detachAppender(reported);
    }
  }

  /** The node's sequencer has its event loop to itself: no gateway instance's HTTP work runs before a publish on it. */
  @Test
  void theTopicRouterSharesItsEventLoopWithNoGatewayInstance() {
    java.util.Map<String, List<Object>> loops = new java.util.HashMap<>();
    for (var deployment : ((io.vertx.core.internal.VertxInternal) hub.vertx).deploymentManager().deployments()) {
      String verticle = deployment.deployment().instances().iterator().next().getClass().getSimpleName();
      for (io.vertx.core.Context context : deployment.deployment().contexts()) {
        loops.computeIfAbsent(verticle, k -> new ArrayList<>()).add(((io.vertx.core.internal.ContextInternal) context).nettyEventLoop());
      }
    }
    assertThat(loops.get("GatewayVerticle")).hasSize(2).doesNotHaveDuplicates()
        .doesNotContainAnyElementsOf(loops.get("TopicRouterVerticle"));
  }

  @Test
  void lastEventIdResumesExactlyAfterTheLastEventSeen() {
    String cursor;
    try (SseClient first = stream("resume.*")) {
      publishOk("resume.a", "t", "1");
      publishOk("resume.b", "t", "2");
      first.next(WAIT);
      cursor = first.next(WAIT).id();
    }
    publishOk("resume.a", "t", "3");
    publishOk("other.a", "t", "99");
    publishOk("resume.c", "t", "4");
    try (SseClient again = stream("resume.*", "Last-Event-ID", cursor)) {
      assertThat(datas(List.of(again.next(WAIT), again.next(WAIT)))).containsExactly(3, 4);
      publishOk("resume.d", "t", "5");
      assertThat(datas(List.of(again.next(WAIT)))).containsExactly(5);
    }
    try (SseClient query = SseClient.open(hub.uri("/api/v1/stream?topics=resume.*&lastEventId=" + cursor))) {
      assertThat(datas(List.of(query.next(WAIT)))).containsExactly(3);
    }
  }

  @Test
  void aCursorThatCannotBeResumedStartsWithAGap() {
    publishOk("gap.a", "t", "1");
    try (SseClient sse = stream("gap.*", "Last-Event-ID", "unknown-42")) {
      SseClient.Event gap = sse.next(WAIT);
      assertThat(gap.event()).isEqualTo("switchboard.gap");
      assertThat(gap.id()).isNull();
      assertThat(new JsonObject(gap.data()).getString("type")).isEqualTo("switchboard.gap");
      assertThat(datas(List.of(sse.next(WAIT)))).containsExactly(1);
    }
  }

  @Test
  void idleStreamsGetCommentHeartbeats() {
    try (SseClient sse = stream("quiet")) {
      assertThat(sse.nextComment(WAIT)).isEqualTo("heartbeat");
    }
  }

  private double rejected() {
    return io.switchboard.testing.HubMetrics.value(hub, "switchboard_topics_rejected_total");
  }

  @Test
  void errorsAreProblemJson() {
    assertProblem(publish("orders.created", "{\"order\":", "ce-type", "t"), 400, "malformed-json", "not valid JSON");
    double rejectedBefore = rejected();
    assertProblem(publish("orders.created", "{\"order\":1}"), 422, "missing-type", "no type");
    assertThat(rejected()).as("an invalid event counts as a refused publish").isEqualTo(rejectedBefore + 1);
    assertProblem(publish("orders..created", "{}", "ce-type", "t"), 400, "invalid-topic", "empty segment at position 7");
    assertProblem(publish("orders.*", "{}", "ce-type", "t"), 400, "invalid-topic", "character '*'");
    assertProblem(publish("orders.big", "[\"" + "x".repeat(20_000) + "\"]", "ce-type", "t"), 413, "too-large", "limit");
    assertProblem(publish("orders.created", "", "ce-type", "t"), 400, "empty-body", "empty");
    // Form-encoded bodies (what a web page may send anywhere unasked) are refused before they are read.
    String form = "application/x-www-form-urlencoded";
    assertProblem(publish("orders.created", "a=1&".repeat(300), "ce-type", "t", "Content-Type", form), 415, "unsupported-media-type", "JSON");
    assertProblem(publish("orders.created", "a=%zz", "ce-type", "t", "Content-Type", form), 415, "unsupported-media-type", "JSON");
    assertProblem(Http.get(hub.uri("/api/v1/stream?topics=a..b")), 400, "invalid-pattern", "empty segment");
    assertProblem(Http.get(hub.uri("/api/v1/stream")), 400, "invalid-pattern", "no topics given");
    assertProblem(Http.get(hub.uri("/api/v1/nothing-here")), 404, "no-route", "no such route");
    assertProblem(Http.method("DELETE", hub.uri("/api/v1/topics/orders"), null), 405, "method-not-allowed", "method");
  }

  private static void assertProblem(HttpResponse<String> response, int status, String code, String detail) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = Http.json(response);
    assertThat(problem.getString("type")).isEqualTo("urn:switchboard:problem:" + code);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).contains(detail);
  }

  @Test
  void operationsRoutes() {
    HttpResponse<String> health = Http.get(hub.uri("/health"));
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(Http.json(health).getString("status")).isEqualTo("UP");

    HttpResponse<String> ready = Http.get(hub.uri("/ready"));
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("topics").getString("status")).isEqualTo("UP");

    try (SseClient sse = stream("metrics.probe")) {
      publishOk("metrics.probe", "t", "1");
      sse.next(WAIT);
      String metrics = Http.get(hub.uri("/metrics")).body();
      assertThat(metrics).contains("switchboard_connections{transport=\"sse\"}");
      assertThat(metrics).containsPattern("switchboard_topics_published_total [1-9]");
      assertThat(metrics).containsPattern("switchboard_messages_out_total\\{transport=\"sse\"} [1-9]");
    }
  }

  @Test
  void everyRouteInTheOpenApiDocumentExists() {
    HttpResponse<String> doc = Http.get(hub.uri("/api/v1/openapi.yaml"));
    assertThat(doc.statusCode()).isEqualTo(200);
    assertThat(doc.headers().firstValue("Content-Type")).hasValue("application/yaml");
    int checked = 0;
    // An invalid path parameter: each route answers 400 (or 404 for what does not exist) without
    // opening streams or writing; never the router's own no-route or 405.
    for (OpenApiRoutes.Route route : OpenApiRoutes.parse(doc.body(), "%20")) {
      HttpResponse<String> response = Http.method(route.method(), hub.uri(route.path()), route.method().equals("GET") ? null : "");
      assertThat(response.statusCode()).as(route.toString()).isNotEqualTo(405);
      assertThat(response.body()).as(route.toString()).doesNotContain("urn:switchboard:problem:no-route");
      checked++;
    }
    assertThat(checked).isGreaterThanOrEqualTo(6);
  }
}
