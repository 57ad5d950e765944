package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console page in Chromium against an embedded hub, as an operator uses it. */
class ConsoleIT {

  @Test
  void theConsoleShowsTopicsStoreEventsAndWebhookDeliveriesAndRetriesFromThePage() throws Exception {
    NodeClients.requireChromium();
    Path screenshot = Path.of("target", "console.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    try (TestHub hub = TestHub.start(new JsonObject().put("webhooks", new JsonObject()
        .put("allow_private", true).put("allow_http", true).put("retry_schedule_ms", new JsonArray())))) {
      String output = NodeClients.run(Duration.ofSeconds(120), "console-e2e.mjs", "http://127.0.0.1:" + hub.port, screenshot.toString());
      assertThat(output).contains("OK console-e2e");
    }
    assertThat(screenshot).exists();
    assertThat(Files.size(screenshot)).isGreaterThan(10_000);
  }
}
