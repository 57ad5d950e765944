package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cqrs.TestProjections;
import io.switchboard.examples.orders.OrderProjection;
import io.switchboard.gateway.security.ApiKeys;
import io.switchboard.testing.AmqpClient;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The console page in Chromium against real hubs, as an operator uses it: live charts, every action
 * round-tripping (console-e2e.mjs), and with auth on, a token's page showing only what it may do
 * (console-auth.mjs). Screenshots at 1280 and 800 px are kept in target/.
 */
class ConsoleIT {

  private static final Path OUT = Path.of("target").toAbsolutePath();

  @Test
  void chartsMoveWithTrafficAndEveryActionRoundTripsAtBothWidths() throws Exception {
    NodeClients.requireChromium();
    Services.require(Services.Service.RABBITMQ);
    String queue = Services.unique("console");
    String failingQueue = Services.unique("console-failing");
    String handler = "console.failing." + failingQueue;
    for (String width : new String[] {"1280", "800"}) {
      Files.deleteIfExists(OUT.resolve("console-" + width + ".png"));
    }
    JsonObject conf = new JsonObject()
        .put("webhooks", new JsonObject().put("allow_private", true).put("allow_http", true))
        .put("rabbitmq", new JsonObject().put("uri", Services.RABBITMQ_URI).put("queues", new JsonArray()
            .add(new JsonObject().put("name", queue))
            .add(new JsonObject().put("name", failingQueue).put("handler", handler).put("max_retries", 0))))
        .put("cqrs", new JsonObject().put("lag_refresh_ms", 500).put("lock_retry_ms", 200)
            .put("projections", new JsonArray().add(OrderProjection.class.getName()).add(TestProjections.Failing.class.getName())));
    try (TestHub hub = TestHub.start(conf)) {
      // the failing queue's handler: every message fails, so it goes to the dead-letter queue
      TestHub.await(hub.vertx.eventBus().consumer(handler, m -> m.fail(500, "the console test's handler always fails")).completion());
      String output = NodeClients.run(Duration.ofSeconds(150), "console-e2e.mjs", "http://127.0.0.1:" + hub.port,
          OUT.toString(), queue, failingQueue);
      assertThat(output).contains("OK console-e2e");
    } finally {
      try (AmqpClient amqp = AmqpClient.connect()) {
        amqp.delete(queue, queue + ".dlq", failingQueue, failingQueue + ".dlq");
      }
    }
    for (String width : new String[] {"1280", "800"}) {
      Path screenshot = OUT.resolve("console-" + width + ".png");
      assertThat(screenshot).exists();
      assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }
  }

  @Test
  void withAuthOnThePageWorksWithATokenAndHidesWhatItMayNotDo() {
    NodeClients.requireChromium();
    String admin = ApiKeys.generate();
    String app = ApiKeys.generate();
    JsonObject conf = new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(TestHub.apiKey("ops", admin, "admin"))
        .add(TestHub.apiKey("app", app, "publish", "subscribe")
            .put("streams", new JsonObject().put("append", new JsonArray().add("app-*")).put("read", new JsonArray().add("app-*"))))));
    try (TestHub hub = TestHub.start(conf, "topic-router", "event-store", "metrics-summary", "gateway")) {
      String output = NodeClients.run(Duration.ofSeconds(90), "console-auth.mjs", "http://127.0.0.1:" + hub.port, admin, app);
      assertThat(output).contains("OK console-auth");
    }
  }
}
