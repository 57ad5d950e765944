package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The embedded store keeps its events across restarts of the hub, and its migrations run once. */
class EmbeddedRestartIT {

  @Test
  void eventsAppendedBeforeARestartAreThereAfterIt() throws Exception {
    Path dataDir = Files.createTempDirectory("switchboard-restart");
    JsonObject conf = new JsonObject().put("data_dir", dataDir.toString());
    try {
      try (TestHub first = TestHub.start(conf, "gateway", "event-store")) {
        HttpResponse<String> appended = Http.post(first.uri("/api/v1/streams/order-1/events"),
            "[{\"type\":\"order.created\",\"data\":{\"n\":1}},{\"type\":\"order.paid\",\"data\":{}}]");
        assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
      }
      try (TestHub second = TestHub.start(conf, "gateway", "event-store")) {
        HttpResponse<String> read = Http.get(second.uri("/api/v1/streams/order-1"));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(Http.json(read).getJsonArray("events")).hasSize(2);
        HttpResponse<String> next = Http.post(second.uri("/api/v1/streams/order-1/events"),
            "{\"type\":\"order.shipped\",\"data\":{}}", "Expected-Version", "1");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(201);
        assertThat(Http.json(next).getLong("position")).isEqualTo(3);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
