package io.switchboard.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 19, item 10: a wrong field in any verticle's section stops the launch before anything
 * deploys (LaunchException: Main exits 2), naming the file, the field's path and what it must be.
 * One case (at least) per section.
 */
class ConfigValidationTest {

  @TempDir
  Path dir;

  @Test
  void theShippedConfigurationWithEveryBackendOnPasses() throws IOException {
    JsonObject conf = new JsonObject(Files.readString(Path.of("conf/switchboard.json")));
    conf.getJsonObject("redis").put("uri", "redis://127.0.0.1:6379");
    conf.getJsonObject("rabbitmq").put("uri", "amqp://127.0.0.1").put("queues", new JsonArray()
        .add(new JsonObject().put("name", "jobs").put("handler", "jobs.work").put("max_retries", 2).put("delay", true)));
    conf.put("tcp_bridge", conf.getJsonObject("tcp_bridge", new JsonObject()).put("port", 7000));
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"), conf.encode());
    assertThat(ConfValidator.requireValidSettings("conf", conf, HubSettings.builtInDescriptors())).as("unknown fields").isEmpty();
    HubSettings settings = HubSettings.load(LaunchOptions.parse(new String[0]), Map.of(), dir);
    assertThat(settings.verticles()).extracting(VerticleDescriptor::name).contains("rabbitmq-bridge", "redis-relay", "tcp-bridge");
  }

  @Test
  void aFieldNoVerticleReadsInACheckedSectionIsReportedNotRefused() {
    JsonObject conf = HubSettings.defaultConf(new JsonObject()
        .put("sse", new JsonObject().put("heartbeat", 5000))
        .put("eventstore", new JsonObject().put("pol_ms", 100).put("upcasters", new JsonArray())));
    assertThat(ConfValidator.requireValidSettings("conf/switchboard.json", conf, HubSettings.builtInDescriptors()))
        .containsExactlyInAnyOrder("sse.heartbeat", "eventstore.pol_ms");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      eventstore.upcasters[0].from | {"eventstore": {"upcasters": [{"type": "a", "from": 0}]}}                    | (1 or more)
      eventstore.upcasters         | {"eventstore": {"upcasters": {}}}                                              | must be a list
      eventstore.poll_ms           | {"eventstore": {"poll_ms": "x"}}                                               | must be an integer of at least 1, not "x"
      cqrs.snapshot_every          | {"cqrs": {"snapshot_every": "x"}}                                              | must be an integer of at least 0
      cqrs.undecodable.orders      | {"cqrs": {"undecodable": {"orders": "ignore"}}}                                | "stop" or "skip"
      sse.heartbeat_ms             | {"sse": {"heartbeat_ms": "x"}}                                                 | must be an integer of at least 1, not "x"
      sse.slow_policy              | {"sse": {"slow_policy": "wait"}}                                               | one of "drop_oldest", "close"
      ws.max_frame_bytes           | {"ws": {"max_frame_bytes": 0}}                                                 | at least 1, not 0
      bridge.reply_timeout_ms      | {"bridge": {"reply_timeout_ms": "soon"}}                                       | at least 1
      bridge.inbound[0].address    | {"bridge": {"inbound": [{"address": 5}]}}                                      | a non-empty string
      tcp_bridge.max_frame_bytes   | {"tcp_bridge": {"port": 7000, "max_frame_bytes": "big"}}                       | at least 1
      topics.history.max_count     | {"topics": {"history": {"max_count": "x"}}}                                    | at least 0
      limits.publish_rate          | {"limits": {"publish_rate": 0}}                                                | at least 1
      tls.hsts_max_age_s           | {"tls": {"hsts_max_age_s": "year"}}                                            | at least 0
      postgres.pool_size           | {"postgres": {"pool_size": 0}}                                                 | at least 1
      orders.max_items             | {"orders": {"max_items": "many"}}                                              | orders.max_items
      webhooks.retry_jitter        | {"webhooks": {"retry_jitter": "x"}}                                            | webhooks.retry_jitter
      redis.heartbeat_ms           | {"redis": {"uri": "redis://127.0.0.1:6379", "heartbeat_ms": 0}}                | redis.heartbeat_ms
      rabbitmq.queues              | {"rabbitmq": {"uri": "amqp://127.0.0.1", "queues": [{"name": "q", "max_retries": "x"}]}} | max_retries
      """)
  void aWrongFieldStopsTheLaunchNamingFileAndField(String field, String conf, String expectation) throws IOException {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"), conf);
    assertThatThrownBy(() -> HubSettings.load(LaunchOptions.parse(new String[0]), Map.of(), dir))
        .isInstanceOf(LaunchException.class)
        .hasMessageStartingWith("conf/switchboard.json")
        .hasMessageContaining(field)
        .hasMessageContaining(expectation);
  }
}
