package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Webhook delivery over real HTTP to receivers on 127.0.0.1, run once per database by
 * {@link WebhooksPostgresIT} and {@link WebhooksH2IT}. Short retry delays and breaker times (conf)
 * keep it quick.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebhookContract {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final List<Long> SCHEDULE = List.of(150L, 300L, 600L, 1200L);
  static final long RESET_MS = 800;

  TestDatabase database;
  TestHub hub;
  WebhookReceiver receiver;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void start() {
    database = TestDatabase.create(kind());
    JsonObject webhooks = new JsonObject().put("allow_private", true).put("allow_http", true)
        .put("connect_timeout_ms", 1000).put("request_timeout_ms", 2000)
        .put("retry_schedule_ms", new JsonArray(SCHEDULE)).put("retry_jitter", 0.1)
        .put("breaker", new JsonObject().put("failures", 3).put("window_ms", 10_000).put("reset_ms", RESET_MS))
        .put("poll_ms", 500).put("lease_ms", 3000);
    hub = TestHub.start(database.conf.copy().put("webhooks", webhooks),
        "gateway", "topic-router", "event-store", "webhook-outbox", "webhook-sender");
    receiver = WebhookReceiver.start();
  }

  @AfterAll
  void stop() {
    try {
      if (receiver != null) {
        receiver.close();
      }
      if (hub != null) {
        hub.close();
      }
    } finally {
      database.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  JsonObject create(JsonObject endpoint) {
    HttpResponse<String> response = Http.post(hub.uri("/api/v1/webhooks"), endpoint.encode(), "Content-Type", "application/json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Http.json(response);
  }

  JsonObject create(String url, String... patterns) {
    return create(new JsonObject().put("url", url).put("events", new JsonArray(List.of(patterns))));
  }

  JsonObject endpoint(String id) {
    HttpResponse<String> response = Http.get(hub.uri("/api/v1/webhooks/" + id));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response);
  }

  String publish(String topic, String type, Object data) {
    HttpResponse<String> response = Http.post(hub.uri("/api/v1/topics/" + topic), io.vertx.core.json.Json.encode(data),
        "Content-Type", "application/json", "ce-type", type);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Http.json(response).getString("id");
  }

  JsonObject append(String stream, JsonArray events) {
    HttpResponse<String> response = Http.post(hub.uri("/api/v1/streams/" + stream + "/events"), events.encode(),
        "Content-Type", "application/json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Http.json(response);
  }

  JsonArray deliveries(String id, String query) {
    HttpResponse<String> response = Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries" + query));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response).getJsonArray("deliveries");
  }

  JsonObject delivery(String id, String deliveryId) {
    HttpResponse<String> response = Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries/" + deliveryId));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response);
  }

  static void await(Duration timeout, String what, Supplier<Boolean> done) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (!done.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what + " did not happen within " + timeout);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static String path() {
    return "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String hmac(String secret, String id, String timestamp, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  // ------------------------------------------------------------------ tests

  @Test
  void signaturesVerifyWithTheStandardWebhooksLibraryThroughARotation() {
    String output = NodeClients.run(Duration.ofSeconds(90), "webhook-verify.mjs", "http://127.0.0.1:" + hub.port, "20");
    assertThat(output).contains("\"verified\":41");
  }

  @Test
  void eachMatchingTopicMessageAndStoreEventIsOneSignedDelivery() throws Exception {
    String path = path();
    JsonObject endpoint = create(receiver.url(path), "shop.*");
    JsonObject unrelated = create(receiver.url(path + "-other"), "billing.#");
    JsonObject inactive = create(new JsonObject().put("url", receiver.url(path + "-off")).put("events", new JsonArray().add("#"))
        .put("active", false));
    List<String> topicIds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      topicIds.add(publish("shop.orders", "shop.ordered", i));
    }
    publish("shop.orders", "shop.eu.ordered", "two segments: not shop.*");
    String stream = "shop-" + UUID.randomUUID().toString().substring(0, 8);
    JsonArray events = new JsonArray();
    for (int i = 0; i < 5; i++) {
      events.add(new JsonObject().put("type", "shop.stored").put("data", new JsonObject().put("n", i)));
    }
    append(stream, events);

    Map<String, Long> delivered = receiver.awaitDelivered(path, 10, WAIT);
    // Store events are also topic messages on streams.shop: they must not arrive a second time.
    await(Duration.ofSeconds(2), "the outbox to settle", () -> deliveries(endpoint.getString("id"), "").size() >= 10);
    Thread.sleep(500);
    assertThat(receiver.deliveredById(path)).hasSize(10).allSatisfy((id, times) -> assertThat(times).as(id).isEqualTo(1));
    assertThat(delivered).hasSize(10);
    JsonArray listed = deliveries(endpoint.getString("id"), "");
    assertThat(listed).hasSize(10);
    assertThat(listed.stream().map(d -> ((JsonObject) d).getString("origin")).toList()).containsOnly("topic", "store")
        .filteredOn("store"::equals).hasSize(5);
    assertThat(receiver.received(path + "-other")).isEmpty();
    assertThat(receiver.received(path + "-off")).isEmpty();
    assertThat(deliveries(inactive.getString("id"), "")).isEmpty();
    assertThat(deliveries(unrelated.getString("id"), "")).isEmpty();

    List<WebhookReceiver.Received> got = receiver.received(path);
    List<String> eventIds = got.stream().map(r -> r.event().getString("id")).toList();
    assertThat(eventIds).containsAll(topicIds).doesNotHaveDuplicates();
    for (WebhookReceiver.Received r : got) {
      assertThat(r.webhookId()).startsWith("msg_");
      assertThat(r.contentType()).startsWith("application/cloudevents+json");
      assertThat(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(r.timestamp()))).isLessThan(60);
      assertThat(r.signature()).isEqualTo(hmac(endpoint.getString("secret"), r.webhookId(), r.timestamp(), r.body()));
      JsonObject event = r.event();
      assertThat(event.getString("specversion")).isEqualTo("1.0");
      if ("shop.stored".equals(event.getString("type"))) {
        assertThat(event.getString("subject")).isEqualTo(stream);
        assertThat(event.getLong("position")).isPositive();
        assertThat(event.getJsonObject("data").containsKey("n")).isTrue();
      }
    }
  }

  @Test
  void aFailingDeliveryIsRetriedWithGrowingDelaysThenFailedAndKeptForAManualRetry() {
    String path = path();
    receiver.answer(path, 500);
    JsonObject endpoint = create(receiver.url(path), "retry.me");
    String id = endpoint.getString("id");
    publish("retry", "retry.me", "x");
    await(WAIT, "the delivery to fail after its schedule", () -> deliveries(id, "?status=failed").size() == 1);
    JsonObject failed = delivery(id, deliveries(id, "?status=failed").getJsonObject(0).getString("id"));
    JsonArray attempts = failed.getJsonArray("attempt_list");
    assertThat(attempts).hasSize(SCHEDULE.size() + 1);
    assertThat(failed.getInteger("attempts")).isEqualTo(SCHEDULE.size() + 1);
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < attempts.size(); i++) {
      gaps.add(Instant.parse(attempts.getJsonObject(i).getString("attempted_at")).toEpochMilli()
          - Instant.parse(attempts.getJsonObject(i - 1).getString("attempted_at")).toEpochMilli());
    }
    for (int i = 0; i < gaps.size(); i++) {
      assertThat(gaps.get(i)).as("gap %d of %s", i, gaps).isGreaterThanOrEqualTo((long) (SCHEDULE.get(i) * 0.85));
      if (i > 0) {
        assertThat(gaps.get(i)).as("gaps grow: %s", gaps).isGreaterThan(gaps.get(i - 1));
      }
    }
    JsonObject last = attempts.getJsonObject(attempts.size() - 1);
    assertThat(last.getString("outcome")).isEqualTo("failed");
    assertThat(last.getInteger("http_status")).isEqualTo(500);
    assertThat(last.getString("response")).isEqualTo("not now");
    assertThat(last.getInteger("latency_ms")).isNotNull();
    assertThat(failed.getString("error")).isEqualTo("HTTP 500");
    assertThat(failed.getJsonObject("event").getString("type")).isEqualTo("retry.me");
    // every attempt carried the same webhook-id
    assertThat(receiver.received(path).stream().map(WebhookReceiver.Received::webhookId).distinct()).containsExactly(failed.getString("id"));

    receiver.answer(path, 200);
    HttpResponse<String> retry = Http.post(hub.uri("/api/v1/webhooks/" + id + "/deliveries/" + failed.getString("id") + "/retry"), "");
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(202);
    receiver.awaitDelivered(path, 1, WAIT);
    await(WAIT, "the retried delivery to be recorded", () -> "delivered".equals(delivery(id, failed.getString("id")).getString("status")));
    JsonObject done = delivery(id, failed.getString("id"));
    assertThat(done.getInteger("attempts")).isEqualTo(SCHEDULE.size() + 2);
    assertThat(done.getInteger("http_status")).isEqualTo(200);
    assertThat(done.getString("delivered_at")).isNotNull();
    // One word for success, in attempts as in deliveries and metrics.
    JsonArray doneAttempts = done.getJsonArray("attempt_list");
    assertThat(doneAttempts.stream().map(a -> ((JsonObject) a).getString("outcome"))).containsOnly("failed", "delivered")
        .contains("delivered");
    assertThat(deliveries(id, "?status=failed")).isEmpty();
  }

  @Test
  void anAttemptCutOffByTheRequestTimeoutSaysWhichTimeout() {
    try (WebhookReceiver slow = WebhookReceiver.start()) {
      slow.delay("/late", 3500);
      String id = create(slow.url("/late"), "late.one").getString("id");
      publish("late", "late.one", 1);
      await(WAIT, "the first attempt to be recorded", () -> deliveries(id, "").size() == 1
          && deliveries(id, "").getJsonObject(0).getInteger("attempts") >= 1);
      // request_timeout_ms is 2000 (connect_timeout_ms 1000): the answer names the timeout that fired.
      JsonObject cutOff = delivery(id, deliveries(id, "").getJsonObject(0).getString("id"));
      assertThat(cutOff.getString("error")).isEqualTo("no answer within 2000 ms");
      assertThat(cutOff.getJsonArray("attempt_list").getJsonObject(0).getString("error")).isEqualTo("no answer within 2000 ms");
      assertThat(Http.method("DELETE", hub.uri("/api/v1/webhooks/" + id), null).statusCode()).isEqualTo(204);
    }
  }

  @Test
  void whileAReceiverIsDownTheBreakerHoldsDeliveriesAndWhenItIsBackEachArrivesOnce() throws Exception {
    Logger senderLog = (Logger) LoggerFactory.getLogger(WebhookSenderVerticle.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    senderLog.addAppender(logged);
    try (WebhookReceiver down = WebhookReceiver.start()) {
      down.down();
      JsonObject endpoint = create(down.url("/hook"), "outage.#");
      String id = endpoint.getString("id");
      int count = 12;
      for (int i = 0; i < count; i++) {
        publish("outage", "outage.event", i);
      }
      await(WAIT, "the circuit to open", () -> "open".equals(endpoint(id).getString("circuit")));
      assertThat(endpoint(id).getString("failing_since")).isNotNull();
      // Open: the deliveries wait instead of burning attempts (at most a probe per reset period).
      int before = totalAttempts(id);
      Thread.sleep(2 * RESET_MS + 200);
      int during = totalAttempts(id) - before;
      assertThat(during).as("attempts while the circuit was open").isLessThanOrEqualTo(4);
      assertThat(totalAttempts(id)).isLessThan(count * 2);

      down.up();
      Map<String, Long> delivered = down.awaitDelivered("/hook", count, WAIT);
      await(WAIT, "the circuit to close", () -> "closed".equals(endpoint(id).getString("circuit")));
      await(WAIT, "every delivery to be recorded", () -> deliveries(id, "?status=delivered").size() == count);
      assertThat(delivered).hasSize(count).allSatisfy((webhookId, times) -> assertThat(times).isEqualTo(1));
      assertThat(down.received("/hook")).hasSize(count);
      assertThat(endpoint(id).getString("failing_since")).isNull();
      // Opening and closing are both logged, at the same level, naming the endpoint.
      await(WAIT, "the closing to be logged", () -> List.copyOf(logged.list).stream().anyMatch(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().contains(id) && e.getFormattedMessage().contains("circuit closed")
          && e.getFormattedMessage().contains(down.url("/hook"))));
      assertThat(List.copyOf(logged.list)).anyMatch(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().contains(id) && e.getFormattedMessage().contains("circuit open"));
    } finally {
      senderLog.detachAppender(logged);
    }
  }

  private int totalAttempts(String id) {
    return deliveries(id, "?limit=500").stream().mapToInt(d -> ((JsonObject) d).getInteger("attempts")).sum();
  }

  @Test
  void deliveriesAreListedNewestFirstWithFiltersAndPages() {
    String path = path();
    String id = create(receiver.url(path), "list.*").getString("id");
    long start = System.currentTimeMillis();
    for (int i = 0; i < 3; i++) {
      publish("list", "list.a", i);
    }
    for (int i = 0; i < 2; i++) {
      publish("list", "list.b", i);
    }
    receiver.awaitDelivered(path, 5, WAIT);
    await(WAIT, "five delivered", () -> deliveries(id, "?status=delivered").size() == 5);
    JsonArray all = deliveries(id, "");
    assertThat(all).hasSize(5);
    assertThat(all.getJsonObject(0).getString("event_type")).isEqualTo("list.b");
    JsonObject first = all.getJsonObject(0);
    assertThat(first.fieldNames()).contains("id", "event_id", "event_type", "status", "http_status", "attempts", "latency_ms",
        "created_at", "delivered_at", "next_attempt_at");
    assertThat(first.getInteger("http_status")).isEqualTo(200);
    assertThat(first.getInteger("attempts")).isEqualTo(1);
    assertThat(deliveries(id, "?event_type=list.a")).hasSize(3);
    assertThat(deliveries(id, "?status=pending")).isEmpty();
    assertThat(deliveries(id, "?since=" + Instant.ofEpochMilli(start - 1000))).hasSize(5);
    assertThat(deliveries(id, "?until=" + Instant.ofEpochMilli(start - 1000))).isEmpty();
    assertThat(deliveries(id, "?since=" + (System.currentTimeMillis() + 60_000))).isEmpty();

    JsonObject page = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries?limit=2")));
    assertThat(page.getJsonArray("deliveries")).hasSize(2);
    List<String> seen = new ArrayList<>();
    page.getJsonArray("deliveries").forEach(d -> seen.add(((JsonObject) d).getString("id")));
    while (page.getString("next") != null) {
      page = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries?limit=2&before=" + page.getString("next"))));
      page.getJsonArray("deliveries").forEach(d -> seen.add(((JsonObject) d).getString("id")));
    }
    assertThat(seen).hasSize(5).doesNotHaveDuplicates();

    assertProblem(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries?status=lost")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries?limit=0")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries?since=yesterday")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/wh_01M8D9T79JC188Z8XPRWBQQ56V/deliveries")), 404, "webhook-not-found");
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries/msg_01M8D9T79JC188Z8XPRWBQQ56V")), 404, "delivery-not-found");
  }

  @Test
  void replaySendsTheDeliveriesSinceATimeAgainAndATestPingIsASignedDelivery() throws Exception {
    String path = path();
    JsonObject endpoint = create(receiver.url(path), "replay.*");
    String id = endpoint.getString("id");
    for (int i = 0; i < 3; i++) {
      publish("replay", "replay.me", i);
    }
    Map<String, Long> first = receiver.awaitDelivered(path, 3, WAIT);
    await(WAIT, "three delivered", () -> deliveries(id, "?status=delivered").size() == 3);

    HttpResponse<String> replay = Http.post(hub.uri("/api/v1/webhooks/" + id + "/replay?since="
        + Instant.now().minusSeconds(600)), "");
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
    assertThat(Http.json(replay).getInteger("replayed")).isEqualTo(3);
    receiver.await(WAIT, "each delivery a second time", list -> receiver.deliveredById(path).values().stream().allMatch(n -> n == 2));
    assertThat(receiver.deliveredById(path).keySet()).isEqualTo(first.keySet());
    assertProblem(Http.post(hub.uri("/api/v1/webhooks/" + id + "/replay"), ""), 400, "invalid-parameter");

    HttpResponse<String> ping = Http.post(hub.uri("/api/v1/webhooks/" + id + "/test"), "");
    assertThat(ping.statusCode()).as(ping.body()).isEqualTo(202);
    String pingId = Http.json(ping).getString("id");
    WebhookReceiver.Received got = receiver.await(WAIT, "the test ping", list -> list.stream().anyMatch(r -> pingId.equals(r.webhookId())))
        .stream().filter(r -> pingId.equals(r.webhookId())).findFirst().orElseThrow();
    assertThat(got.event().getString("type")).isEqualTo("switchboard.webhook.test");
    assertThat(got.signature()).isEqualTo(hmac(endpoint.getString("secret"), got.webhookId(), got.timestamp(), got.body()));

    Http.method("PATCH", hub.uri("/api/v1/webhooks/" + id), "{\"active\": false}", "Content-Type", "application/json");
    assertProblem(Http.post(hub.uri("/api/v1/webhooks/" + id + "/test"), ""), 409, "webhook-inactive");
  }

  @Test
  void aRateLimitSpacesDeliveriesAndAConcurrencyCapBoundsRequestsInFlight() {
    String paced = path();
    String pacedId = create(new JsonObject().put("url", receiver.url(paced)).put("events", new JsonArray().add("paced.*"))
        .put("rate_limit", 4)).getString("id");
    for (int i = 0; i < 12; i++) {
      publish("paced", "paced.x", i);
    }
    receiver.awaitDelivered(paced, 12, WAIT);
    List<Long> times = receiver.received(paced).stream().map(WebhookReceiver.Received::atMillis).sorted().toList();
    // 4 at once, then 4 a second: the twelfth no sooner than about two seconds after the first.
    assertThat(times.get(11) - times.get(0)).isGreaterThanOrEqualTo(1700);
    assertThat(deliveries(pacedId, "?status=delivered")).hasSizeLessThanOrEqualTo(12);

    try (WebhookReceiver slow = WebhookReceiver.start()) {
      slow.delay("/slow", 150);
      create(new JsonObject().put("url", slow.url("/slow")).put("events", new JsonArray().add("capped.*")).put("max_in_flight", 2));
      for (int i = 0; i < 10; i++) {
        publish("capped", "capped.x", i);
      }
      slow.awaitDelivered("/slow", 10, WAIT);
      assertThat(slow.maxInFlight()).isBetween(1, 2);
    }
  }

  static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = Http.json(response);
    assertThat(problem.getString("type")).isEqualTo("urn:switchboard:problem:" + code);
    assertThat(problem.getString("detail")).isNotBlank();
  }
}
