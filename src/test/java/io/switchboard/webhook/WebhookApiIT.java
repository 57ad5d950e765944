package io.switchboard.webhook;

import static io.switchboard.webhook.WebhookContract.assertProblem;
import static io.switchboard.webhook.WebhookContract.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook endpoints API on the embedded database: create, read, change, delete; precise
 * problems for bad input; the address guard of a hub with its defaults (https only, no private
 * addresses); and an endpoint that fails for too long being disabled and announced.
 */
class WebhookApiIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String JSON = "application/json";

  private static TestHub hub;
  private static TestHub strict;
  private static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    JsonObject webhooks = new JsonObject().put("allow_private", true).put("allow_http", true)
        .put("connect_timeout_ms", 500).put("request_timeout_ms", 1000)
        .put("retry_schedule_ms", new JsonArray(List.of(100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100)))
        .put("breaker", new JsonObject().put("failures", 2).put("reset_ms", 200))
        .put("disable_after_ms", 1200).put("poll_ms", 500);
    hub = TestHub.start(new JsonObject().put("webhooks", webhooks), "gateway", "topic-router", "webhook-outbox", "webhook-sender");
    // The defaults: https only, public addresses only.
    strict = TestHub.start(new JsonObject(), "gateway", "webhook-outbox");
    receiver = WebhookReceiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.close();
    try {
      hub.close();
    } finally {
      strict.close();
    }
  }

  private static HttpResponse<String> create(TestHub on, String body) {
    return Http.post(on.uri("/api/v1/webhooks"), body, "Content-Type", JSON);
  }

  private static HttpResponse<String> patch(String id, String body) {
    return Http.method("PATCH", hub.uri("/api/v1/webhooks/" + id), body, "Content-Type", JSON);
  }

  @Test
  void endpointsAreCreatedReadChangedAndDeletedAndTheSecretIsShownOnlyOnCreate() {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    HttpResponse<String> created = create(hub, new JsonObject().put("url", receiver.url("/crud")).put("events", new JsonArray()
        .add("order.*").add("order.+")).put("secret", secret).put("description", "orders to the warehouse").put("rate_limit", 50).encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject endpoint = Http.json(created);
    String id = endpoint.getString("id");
    assertThat(id).startsWith("wh_");
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/webhooks/" + id);
    assertThat(endpoint.getString("secret")).isEqualTo(secret);
    assertThat(endpoint.getJsonArray("events")).containsExactly("order.*");
    assertThat(endpoint.getBoolean("active")).isTrue();
    assertThat(endpoint.getString("circuit")).isEqualTo("closed");
    assertThat(endpoint.getInteger("rate_limit")).isEqualTo(50);

    JsonObject read = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id)));
    assertThat(read.containsKey("secret")).isFalse();
    assertThat(read.getString("description")).isEqualTo("orders to the warehouse");
    // The console reads {"webhooks": [{id, url, events, active}]}.
    JsonArray listed = Http.json(Http.get(hub.uri("/api/v1/webhooks"))).getJsonArray("webhooks");
    JsonObject inList = listed.stream().map(JsonObject.class::cast).filter(w -> id.equals(w.getString("id"))).findFirst().orElseThrow();
    assertThat(inList.getString("url")).isEqualTo(receiver.url("/crud"));
    assertThat(listed.stream().map(JsonObject.class::cast)).noneMatch(w -> w.containsKey("secret"));

    HttpResponse<String> changed = patch(id, "{\"events\": [\"invoice.#\"], \"active\": false, \"rate_limit\": null, \"url\": \""
        + receiver.url("/crud2") + "\"}");
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    JsonObject after = Http.json(changed);
    assertThat(after.getJsonArray("events")).containsExactly("invoice.#");
    assertThat(after.getBoolean("active")).isFalse();
    assertThat(after.getValue("rate_limit")).isNull();
    assertThat(after.getString("url")).endsWith("/crud2");
    assertThat(after.getString("description")).isEqualTo("orders to the warehouse");

    HttpResponse<String> rotated = Http.post(hub.uri("/api/v1/webhooks/" + id + "/secret/rotate"), "{\"grace_period_ms\": 60000}",
        "Content-Type", JSON);
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    assertThat(Http.json(rotated).getString("secret")).startsWith("whsec_").isNotEqualTo(secret);
    assertThat(Http.json(rotated).getString("previous_secret_expires_at")).isNotNull();
    assertThat(Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id))).getString("previous_secret_expires_at")).isNotNull();

    HttpResponse<String> deleted = Http.method("DELETE", hub.uri("/api/v1/webhooks/" + id), null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/" + id)), 404, "webhook-not-found");
    assertProblem(Http.method("DELETE", hub.uri("/api/v1/webhooks/" + id), null), 404, "webhook-not-found");
    assertProblem(Http.get(hub.uri("/api/v1/webhooks/nothing-like-an-id")), 404, "webhook-not-found");
  }

  @Test
  void malformedEndpointInputIsAPreciseProblem() {
    String url = "\"url\": \"" + receiver.url("/bad") + "\"";
    assertProblem(create(hub, ""), 400, "empty-body");
    assertProblem(create(hub, "{\"url\": "), 400, "malformed-json");
    assertProblem(create(hub, "[1, 2]"), 400, "malformed-request");
    assertProblem(create(hub, "null"), 400, "malformed-request");
    assertProblem(create(hub, "{\"events\": [\"a.*\"]}"), 422, "invalid-url");
    assertProblem(create(hub, "{" + url + "}"), 422, "invalid-events");
    assertProblem(create(hub, "{" + url + ", \"events\": []}"), 422, "invalid-events");
    assertProblem(create(hub, "{" + url + ", \"events\": \"a.*\"}"), 422, "invalid-events");
    assertProblem(create(hub, "{" + url + ", \"events\": [\"a.b*\"]}"), 422, "invalid-events");
    assertProblem(create(hub, "{" + url + ", \"event\": [\"a.*\"]}"), 422, "unknown-field");
    assertProblem(create(hub, "{" + url + ", \"events\": [\"a.*\"], \"secret\": \"hunter2\"}"), 422, "invalid-secret");
    assertProblem(create(hub, "{" + url + ", \"events\": [\"a.*\"], \"rate_limit\": -1}"), 422, "invalid-field");
    assertProblem(create(hub, "{\"url\": \"ftp://127.0.0.1/x\", \"events\": [\"a.*\"]}"), 422, "invalid-url");
    assertProblem(create(hub, "{\"url\": \"/relative\", \"events\": [\"a.*\"]}"), 422, "invalid-url");
    assertProblem(create(hub, "{\"url\": \"http://user:pw@127.0.0.1/x\", \"events\": [\"a.*\"]}"), 422, "invalid-url");
    assertProblem(create(hub, "{\"url\": \"http://no-such-host.invalid/x\", \"events\": [\"a.*\"]}"), 422, "unresolvable-host");

    String id = Http.json(create(hub, "{" + url + ", \"events\": [\"a.*\"]}")).getString("id");
    assertProblem(patch(id, "{}"), 422, "nothing-to-change");
    assertProblem(patch(id, "{\"active\": \"no\"}"), 422, "invalid-field");
    assertProblem(patch(id, "{\"secret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}"), 422, "unknown-field");
    assertProblem(patch(id, "not json"), 400, "malformed-json");
    assertProblem(Http.post(hub.uri("/api/v1/webhooks/" + id + "/secret/rotate"), "{\"secret\": \"x\"}", "Content-Type", JSON),
        422, "invalid-secret");
    // A misspelt field is refused, not ignored (it would rotate with the default grace period).
    assertProblem(Http.post(hub.uri("/api/v1/webhooks/" + id + "/secret/rotate"), "{\"grace\": 1000}", "Content-Type", JSON),
        422, "unknown-field");
    assertProblem(Http.post(hub.uri("/api/v1/webhooks/" + id + "/deliveries/msg_nope/retry"), ""), 404, "delivery-not-found");
    // nothing was stored by the refused requests
    assertThat(Http.json(Http.get(hub.uri("/api/v1/webhooks"))).getJsonArray("webhooks").stream()
        .map(JsonObject.class::cast).filter(w -> w.getString("url").endsWith("/bad"))).hasSize(1);
  }

  @Test
  void byDefaultOnlyHttpsToPublicAddressesIsAccepted() {
    for (String inside : List.of("https://127.0.0.1/hook", "https://localhost:8443/hook", "https://[::1]/hook", "https://10.0.0.7/hook",
        "https://192.168.1.20/hook", "https://172.16.5.4/hook", "https://169.254.10.10/hook", "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook")) {
      HttpResponse<String> refused = create(strict, "{\"url\": \"" + inside + "\", \"events\": [\"#\"]}");
      assertProblem(refused, 422, "forbidden-address");
      assertThat(Http.json(refused).getString("detail")).as(inside).contains("SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE");
    }
    HttpResponse<String> metadata = create(strict, "{\"url\": \"https://169.254.169.254/latest/meta-data\", \"events\": [\"#\"]}");
    assertProblem(metadata, 422, "forbidden-address");
    assertThat(Http.json(metadata).getString("detail")).contains("metadata");
    assertProblem(create(strict, "{\"url\": \"http://93.184.216.34/hook\", \"events\": [\"#\"]}"), 422, "insecure-url");
    // A public address is fine (nothing is sent at registration).
    HttpResponse<String> ok = create(strict, "{\"url\": \"https://93.184.216.34/hook\", \"events\": [\"#\"]}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    String id = Http.json(ok).getString("id");
    assertProblem(Http.method("PATCH", strict.uri("/api/v1/webhooks/" + id), "{\"url\": \"https://127.0.0.1/x\"}", "Content-Type", JSON),
        422, "forbidden-address");
    // Even with private addresses allowed, the metadata service is not a target.
    assertProblem(create(hub, "{\"url\": \"http://169.254.169.254/\", \"events\": [\"#\"]}"), 422, "forbidden-address");
    // Nor are the special-purpose ranges that are not globally reachable (documentation, benchmarking, reserved ...).
    for (String reserved : List.of("http://192.0.2.10/hook", "http://198.51.100.7/hook", "http://203.0.113.9/hook",
        "http://198.18.0.5/hook", "http://240.0.0.9/hook", "http://[2001:db8::7]/hook", "http://[3fff::1]/hook")) {
      HttpResponse<String> refused = create(hub, "{\"url\": \"" + reserved + "\", \"events\": [\"#\"]}");
      assertProblem(refused, 422, "forbidden-address");
      assertThat(Http.json(refused).getString("detail")).as(reserved).contains("not a unicast address");
    }
    assertProblem(Http.method("PATCH", strict.uri("/api/v1/webhooks/" + id), "{\"url\": \"https://198.51.100.7/x\"}",
        "Content-Type", JSON), 422, "forbidden-address");
  }

  @Test
  void redirectsAreNotFollowed() {
    receiver.redirect("/moved", receiver.url("/elsewhere"));
    String id = Http.json(create(hub, "{\"url\": \"" + receiver.url("/moved") + "\", \"events\": [\"moved.*\"]}")).getString("id");
    Http.post(hub.uri("/api/v1/topics/moved"), "{}", "Content-Type", JSON, "ce-type", "moved.event");
    await(WAIT, "an attempt to be written down", () -> {
      JsonArray deliveries = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries"))).getJsonArray("deliveries");
      return !deliveries.isEmpty() && deliveries.getJsonObject(0).getInteger("attempts") >= 1;
    });
    JsonObject delivery = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries"))).getJsonArray("deliveries").getJsonObject(0);
    assertThat(delivery.getInteger("http_status")).isEqualTo(307);
    assertThat(delivery.getString("error")).isEqualTo("HTTP 307");
    assertThat(receiver.received("/moved")).isNotEmpty();
    assertThat(receiver.received("/elsewhere")).isEmpty();
    Http.method("DELETE", hub.uri("/api/v1/webhooks/" + id), null);
  }

  @Test
  void anEndpointFailingForTooLongIsDisabledAnnouncedAndSentItsBacklogOnceTurnedOnAgain() throws Exception {
    BlockingQueue<JsonObject> notices = new LinkedBlockingQueue<>();
    TestHub.await(hub.vertx.eventBus().<JsonObject>consumer("switchboard.webhook.disabled", m -> notices.add(m.body())).completion());
    try (WebhookReceiver failing = WebhookReceiver.start();
         SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=switchboard.webhooks"))) {
      failing.answer("/hook", 503);
      String id = Http.json(create(hub, "{\"url\": \"" + failing.url("/hook") + "\", \"events\": [\"doomed.*\"]}")).getString("id");
      Http.post(hub.uri("/api/v1/topics/doomed"), "{}", "Content-Type", JSON, "ce-type", "doomed.event");

      JsonObject notice = notices.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(notice).as("switchboard.webhook.disabled on the event bus").isNotNull();
      assertThat(notice.getString("id")).isEqualTo(id);
      assertThat(notice.getString("reason")).contains("HTTP 503");
      SseClient.Event event = sse.next(WAIT);
      assertThat(event.event()).isEqualTo("switchboard.webhook.disabled");
      assertThat(new JsonObject(event.data()).getJsonObject("data").getString("id")).isEqualTo(id);

      await(WAIT, "the endpoint to show disabled", () -> !Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id))).getBoolean("active"));
      JsonObject disabled = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id)));
      assertThat(disabled.getString("disabled_reason")).contains("every attempt failed since");
      // Disabled: no new deliveries are written, the pending one waits.
      Http.post(hub.uri("/api/v1/topics/doomed"), "{}", "Content-Type", JSON, "ce-type", "doomed.later");
      int attempts = failing.received("/hook").size();

      failing.answer("/hook", 200);
      HttpResponse<String> on = patch(id, "{\"active\": true}");
      assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
      assertThat(Http.json(on).getValue("disabled_reason")).isNull();
      assertThat(Http.json(on).getValue("failing_since")).isNull();
      failing.awaitDelivered("/hook", 1, WAIT);
      assertThat(failing.received("/hook").size()).isEqualTo(attempts + 1);
      JsonArray deliveries = Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries"))).getJsonArray("deliveries");
      assertThat(deliveries).hasSize(1);
      assertThat(deliveries.getJsonObject(0).getString("event_type")).isEqualTo("doomed.event");
      await(WAIT, "the delivery to be recorded", () -> "delivered".equals(Http.json(Http.get(hub.uri("/api/v1/webhooks/" + id + "/deliveries")))
          .getJsonArray("deliveries").getJsonObject(0).getString("status")));
    }
  }
}
