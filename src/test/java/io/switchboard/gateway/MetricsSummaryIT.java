package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/metrics/summary} and {@code GET /api/v1/whoami}, what the console's charts and its token checks read. */
class MetricsSummaryIT {

  private static final String ADMIN = io.switchboard.gateway.security.ApiKeys.generate();
  private static final String PUBLISHER = io.switchboard.gateway.security.ApiKeys.generate();

  private static JsonObject auth() {
    return new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(TestHub.apiKey("ops", ADMIN, "admin"))
        .add(TestHub.apiKey("app", PUBLISHER, "publish"))));
  }

  @Test
  void ratesOfRealTrafficAppearInTheSamplesAdminOnlyAndSinceReturnsOnlyNewerSamples() throws Exception {
    try (TestHub hub = TestHub.start(auth(), "topic-router", "event-store", "metrics-summary", "gateway")) {
      String admin = "Bearer " + ADMIN;
      long deadline = System.currentTimeMillis() + 15_000;
      JsonObject seen = null;
      while (seen == null && System.currentTimeMillis() < deadline) {
        assertThat(Http.post(hub.uri("/api/v1/topics/summary.test"), "{\"n\":1}", "Authorization", admin, "ce-type", "summary.test",
            "Content-Type", "application/json").statusCode()).isEqualTo(202);
        assertThat(Http.post(hub.uri("/api/v1/streams/summary-1/events"), "{\"type\":\"t\",\"data\":{}}", "Authorization", admin,
            "Content-Type", "application/json").statusCode()).isEqualTo(201);
        HttpResponse<String> response = Http.get(hub.uri("/api/v1/metrics/summary?since=0"), "Authorization", admin);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = Http.json(response);
        assertThat(body.getJsonArray("missing")).isEmpty();
        JsonObject node = body.getJsonArray("nodes").getJsonObject(0);
        assertThat(node.getString("node")).isEqualTo(hub.nodeId());
        for (Object s : node.getJsonArray("samples")) {
          JsonObject sample = (JsonObject) s;
          if (sample.getJsonObject("messages_in").getDouble("http", 0.0) > 0
              && sample.getJsonObject("store").getDouble("appended") > 0) {
            seen = sample;
          }
        }
        Thread.sleep(300);
      }
      assertThat(seen).as("a sample with topic messages in over http and store appends per second").isNotNull();
      assertThat(seen.getJsonObject("consumer_groups")).isEmpty();
      assertThat(seen.getJsonObject("webhooks").fieldNames()).contains("delivered", "failed", "open_circuits");

      // the latest sample only without since; with since, only later ones
      JsonObject latest = Http.json(Http.get(hub.uri("/api/v1/metrics/summary"), "Authorization", admin));
      JsonArray one = latest.getJsonArray("nodes").getJsonObject(0).getJsonArray("samples");
      assertThat(one).hasSize(1);
      long at = one.getJsonObject(0).getLong("time");
      Thread.sleep(1_300);
      JsonArray after = Http.json(Http.get(hub.uri("/api/v1/metrics/summary?since=" + at), "Authorization", admin))
          .getJsonArray("nodes").getJsonObject(0).getJsonArray("samples");
      assertThat(after).isNotEmpty();
      after.forEach(s -> assertThat(((JsonObject) s).getLong("time")).isGreaterThan(at));

      // a node in the node list whose sampler does not answer is listed, not waited for
      TestHub.await(hub.vertx.sharedData().<String, JsonObject>getAsyncMap(io.switchboard.core.Addresses.NODES_MAP)
          .compose(map -> map.put("ghost-node", new JsonObject().put("id", "ghost-node"), 30_000)));
      JsonObject withGhost = Http.json(Http.get(hub.uri("/api/v1/metrics/summary"), "Authorization", admin));
      assertThat(withGhost.getJsonArray("nodes")).hasSize(1);
      assertThat(withGhost.getJsonArray("missing")).containsExactly(
          new JsonObject().put("node", "ghost-node").put("reason", "no metrics sampler runs there"));

      HttpResponse<String> bad = Http.get(hub.uri("/api/v1/metrics/summary?since=yesterday"), "Authorization", admin);
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");

      // admin only; whoami tells a page which scopes its token has
      assertThat(Http.get(hub.uri("/api/v1/metrics/summary"), "Authorization", "Bearer " + PUBLISHER).statusCode()).isEqualTo(403);
      assertThat(Http.get(hub.uri("/api/v1/metrics/summary")).statusCode()).isEqualTo(401);
      JsonObject app = Http.json(Http.get(hub.uri("/api/v1/whoami"), "Authorization", "Bearer " + PUBLISHER));
      assertThat(app.getString("name")).isEqualTo("key:app");
      assertThat(app.getJsonArray("scopes")).containsExactly("publish");
      assertThat(Http.json(Http.get(hub.uri("/api/v1/whoami"), "Authorization", admin)).getJsonArray("scopes"))
          .containsExactly("publish", "subscribe", "admin");
      assertThat(Http.get(hub.uri("/api/v1/whoami")).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void withoutTheSamplerTheSummaryIsA503ThatSaysSo() {
    try (TestHub hub = TestHub.start(new JsonObject(), "topic-router", "gateway")) {
      HttpResponse<String> response = Http.get(hub.uri("/api/v1/metrics/summary"));
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(Http.json(response).getString("detail")).contains("metrics-summary verticle is not running");
    }
  }
}
