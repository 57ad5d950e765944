package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.JarProcess;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar resolving names from a hosts file the test rewrites, as a DNS server an attacker
 * controls would answer: a name that points at a reserved range is refused at registration, and a
 * registered endpoint whose name is rebound to one gets no further request, even with private
 * targets allowed.
 */
class WebhookRebindingIT {

  @TempDir
  Path dir;

  @Test
  void aNameReboundToAReservedRangeGetsNoFurtherRequest() throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 hooks.rebind.test\n203.0.113.9 reserved.rebind.test\n");
    int port = TestHub.freePort();
    String base = "http://127.0.0.1:" + port;
    try (JarProcess hub = new JarProcess(dir); WebhookReceiver receiver = WebhookReceiver.start()) {
      hub.start(Map.of("SWITCHBOARD_HTTP_PORT", String.valueOf(port), "SWITCHBOARD_NODE_ID", "rebinding",
          "SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE", "true", "SWITCHBOARD_WEBHOOKS_ALLOW_HTTP", "true",
          // the JDK's resolver reads this file on every look-up (and caches nothing)
          "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts + " -Dsun.net.inetaddr.ttl=0"));
      hub.awaitOk(port, "/ready");

      HttpResponse<String> reserved = Http.post(URI.create(base + "/api/v1/webhooks"), new JsonObject()
          .put("url", "http://reserved.rebind.test:" + receiver.port() + "/hook").put("events", new JsonArray().add("#")).encode());
      assertThat(reserved.statusCode()).as(reserved.body()).isEqualTo(422);
      assertThat(Http.json(reserved).getString("detail")).contains("203.0.113.9").contains("documentation");

      HttpResponse<String> created = Http.post(URI.create(base + "/api/v1/webhooks"), new JsonObject()
          .put("url", "http://hooks.rebind.test:" + receiver.port() + "/hook").put("events", new JsonArray().add("rebind.*")).encode());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String id = Http.json(created).getString("id");
      test(base, id);
      receiver.await(Duration.ofSeconds(30), "the test event while the name points at the receiver", list -> list.size() == 1);

      Files.writeString(hosts, "198.51.100.7 hooks.rebind.test\n");
      // The sender looks the name up again within seconds; from then on every attempt is refused.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      JsonObject refused = null;
      while (refused == null && System.nanoTime() < deadline) {
        String deliveryId = test(base, id);
        refused = awaitAttempt(base, id, deliveryId);
      }
      assertThat(refused).as("an attempt refused for the rebound address").isNotNull();
      assertThat(refused.getString("error")).contains("198.51.100.7").contains("documentation (TEST-NET-2)");
      String refusedEvent = refused.getJsonObject("event").getString("id");
      assertThat(receiver.received("/hook")).noneMatch(r -> r.event().getString("id").equals(refusedEvent));
    }
  }

  /** Sends the endpoint a test event; returns its delivery id. */
  private static String test(String base, String id) {
    HttpResponse<String> test = Http.post(URI.create(base + "/api/v1/webhooks/" + id + "/test"), "");
    assertThat(test.statusCode()).as(test.body()).isEqualTo(202);
    return Http.json(test).getString("id");
  }

  /** The delivery once its first attempt is written down: itself when refused by the guard, else null. */
  private static JsonObject awaitAttempt(String base, String id, String deliveryId) throws InterruptedException {
    URI uri = URI.create(base + "/api/v1/webhooks/" + id + "/deliveries/" + deliveryId);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject delivery = Http.json(Http.get(uri));
      JsonArray attempts = delivery.getJsonArray("attempt_list", new JsonArray());
      if (!attempts.isEmpty()) {
        String error = attempts.getJsonObject(0).getString("error");
        return error != null && error.contains("198.51.100.7") ? delivery.put("error", error) : null;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no attempt of " + deliveryId + " within 15 s: " + Http.get(uri).body());
  }
}
