package io.switchboard.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.JarProcess;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, embedded (H2), killed with SIGKILL while a consumer holds unacked deliveries, and
 * started again on the same data: the group resumes from its checkpoint, every acked event stays
 * acked, and only the unacked ones come again.
 */
class GroupsCrashIT {

  @TempDir
  Path dir;

  private JarProcess hub;

  @AfterEach
  void kill() throws InterruptedException {
    if (hub != null) {
      hub.close();
    }
  }

  private String start(int port) throws Exception {
    hub = new JarProcess(dir);
    hub.start(Map.of("SWITCHBOARD_HTTP_PORT", String.valueOf(port)));
    hub.awaitOk(port, "/ready");
    return "http://127.0.0.1:" + port;
  }

  private static JsonObject ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return Http.json(response);
  }

  private static JsonArray fetch(String base, int max) {
    return ok(Http.post(URI.create(base + "/api/v1/subscriptions/billing/fetch?consumer=w&max=" + max + "&wait_ms=3000"), ""))
        .getJsonArray("deliveries");
  }

  private static void ack(String base, JsonArray deliveries) {
    JsonArray ids = new JsonArray();
    deliveries.forEach(d -> ids.add(((JsonObject) d).getString("delivery_id")));
    ok(Http.post(URI.create(base + "/api/v1/subscriptions/billing/ack"), new JsonObject().put("consumer", "w").put("ids", ids).encode(),
        "Content-Type", "application/json"));
  }

  @Test
  void aHubKilledWhileEventsAreInFlightResumesFromTheCheckpointRedeliveringOnlyTheUnacked() throws Exception {
    int port = TestHub.freePort();
    String base = start(port);
    ok(Http.method("PUT", URI.create(base + "/api/v1/subscriptions/billing"), new JsonObject().put("category", "invoice")
        .put("start", "beginning").put("max_in_flight", 50).encode(), "Content-Type", "application/json"));
    JsonArray events = new JsonArray();
    for (int i = 0; i < 100; i++) {
      events.add(new JsonObject().put("type", "invoice.issued").put("data", new JsonObject().put("n", i)));
    }
    ok(Http.post(URI.create(base + "/api/v1/streams/invoice-1/events"), events.encode(), "Content-Type", "application/json"));

    Set<Long> acked = new HashSet<>();
    // Acks out of order: the second batch of 20 first, the first only partly, so "done" lies above the checkpoint too.
    JsonArray first = fetch(base, 20);
    JsonArray second = fetch(base, 20);
    assertThat(first).hasSize(20);
    assertThat(second).hasSize(20);
    ack(base, second);
    JsonArray firstHalf = new JsonArray(new ArrayList<>(first.getList().subList(0, 10)));
    ack(base, firstHalf);
    for (JsonArray acks : List.of(second, firstHalf)) {
      acks.forEach(d -> acked.add(((JsonObject) d).getJsonObject("event").getLong("position")));
    }
    hub.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);

    start(port);
    Set<Long> after = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (after.size() < 70 && System.nanoTime() < deadline) {
      JsonArray got = fetch(base, 50);
      got.forEach(d -> {
        JsonObject delivery = (JsonObject) d;
        assertThat(after.add(delivery.getJsonObject("event").getLong("position"))).as("delivered twice after the restart").isTrue();
      });
      if (!got.isEmpty()) {
        ack(base, got);
      }
    }
    assertThat(after).hasSize(70).doesNotContainAnyElementsOf(acked);
    Set<Long> all = new HashSet<>(after);
    all.addAll(acked);
    assertThat(all).hasSize(100);
    JsonObject status = ok(Http.get(URI.create(base + "/api/v1/subscriptions/billing")));
    assertThat(status.getLong("lag_events")).isZero();
  }
}
