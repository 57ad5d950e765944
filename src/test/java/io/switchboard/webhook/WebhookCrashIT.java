package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.JarProcess;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, embedded (H2), killed with SIGKILL in the middle of a backlog of deliveries and
 * started again on the same data: every event it had accepted still reaches the receiver.
 */
class WebhookCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private JarProcess hub;
  private Process process;

  @AfterEach
  void kill() throws InterruptedException {
    if (hub != null) {
      hub.close();
    }
  }

  private void start(int port) throws Exception {
    hub = new JarProcess(dir);
    process = hub.start(Map.of("SWITCHBOARD_HTTP_PORT", String.valueOf(port),
        "SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE", "true", "SWITCHBOARD_WEBHOOKS_ALLOW_HTTP", "true"));
    hub.awaitOk(port, "/ready");
  }

  private String output() throws IOException {
    return hub.output();
  }

  @Test
  void aHubKilledInTheMiddleOfABacklogDeliversEverythingAfterARestart() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"), new JsonObject().put("webhooks", new JsonObject()
        .put("connect_timeout_ms", 500).put("request_timeout_ms", 1000).put("lease_ms", 1500).put("poll_ms", 300)).encode());
    int port = TestHub.freePort();
    String base = "http://127.0.0.1:" + port;
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      receiver.delay("/hook", 15);
      start(port);
      HttpResponse<String> created = Http.post(URI.create(base + "/api/v1/webhooks"), new JsonObject()
          .put("url", receiver.url("/hook")).put("events", new JsonArray().add("crash.*")).put("max_in_flight", 4).encode());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String id = Http.json(created).getString("id");

      Set<String> accepted = new HashSet<>();
      for (int i = 0; i < 100; i++) {
        HttpResponse<String> published = Http.post(URI.create(base + "/api/v1/topics/crash"), String.valueOf(i), "ce-type", "crash.topic");
        assertThat(published.statusCode()).isEqualTo(202);
        accepted.add(Http.json(published).getString("id"));
      }
      // Topic messages are in the outbox within moments of their 202 (a crash before that would
      // lose them: topics are best effort); store events are safe from their 201 on.
      WebhookContract.await(WAIT, "the topic messages to be in the outbox", () -> Http.json(Http.get(URI.create(base
          + "/api/v1/webhooks/" + id + "/deliveries?event_type=crash.topic&limit=500"))).getJsonArray("deliveries").size() == 100);
      JsonArray events = new JsonArray();
      for (int i = 0; i < 300; i++) {
        events.add(new JsonObject().put("type", "crash.stored").put("id", "crash-" + i).put("data", i));
        accepted.add("crash-" + i);
      }
      HttpResponse<String> appended = Http.post(URI.create(base + "/api/v1/streams/crash-1/events"), events.encode());
      assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);

      receiver.await(WAIT, "the first part of the backlog", list -> list.size() >= 60);
      process.destroyForcibly();   // SIGKILL: no stop, nothing flushed
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      int beforeRestart = receiver.received("/hook").size();
      assertThat(beforeRestart).as("killed in the middle").isLessThan(400);

      start(port);
      receiver.await(WAIT, "every accepted event", list -> list.size() >= accepted.size() && eventIds(list).containsAll(accepted));
      Thread.sleep(500);
      List<WebhookReceiver.Received> got = receiver.received("/hook");
      assertThat(eventIds(got)).isEqualTo(accepted);
      // At least once: only what was in flight at the kill may come twice, with the same webhook-id.
      Map<String, Set<String>> webhookIdsByEvent = got.stream().collect(Collectors.groupingBy(r -> r.event().getString("id"),
          Collectors.mapping(WebhookReceiver.Received::webhookId, Collectors.toSet())));
      assertThat(webhookIdsByEvent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
      assertThat(got.size() - accepted.size()).as("deliveries repeated after the kill").isLessThanOrEqualTo(12);
      assertThat(output()).contains("deployed webhook-sender");
    }
  }

  private static Set<String> eventIds(List<WebhookReceiver.Received> received) {
    return received.stream().filter(r -> "/hook".equals(r.path())).map(r -> r.event().getString("id")).collect(Collectors.toSet());
  }
}
