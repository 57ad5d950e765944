package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class QueueSpecTest {

  private static QueueSpec parse(String json) {
    return QueueSpec.parse(new JsonObject(json), "rabbitmq.queues[0]");
  }

  @Test
  void defaultsAndArguments() {
    QueueSpec spec = parse("{\"name\":\"orders\",\"handler\":\"orders.handle\"}");
    assertThat(spec.deadLetterQueue()).isEqualTo("orders.dlq");
    assertThat(spec.maxRetries()).isEqualTo(3);
    assertThat(spec.prefetch()).isEqualTo(50);
    assertThat(spec.consumed()).isTrue();
    assertThat(spec.arguments()).containsEntry("x-queue-type", "classic")
        .containsEntry("x-dead-letter-exchange", "")
        .containsEntry("x-dead-letter-routing-key", "orders.dlq")
        .doesNotContainKeys("x-message-ttl", "x-max-length", "x-max-priority");
  }

  @Test
  void everyArgument() {
    QueueSpec spec = parse("{\"name\":\"q\",\"ttl_ms\":60000,\"max_length\":10,\"overflow\":\"reject-publish\",\"max_priority\":5}");
    assertThat(spec.arguments()).containsEntry("x-message-ttl", 60000).containsEntry("x-max-length", 10)
        .containsEntry("x-overflow", "reject-publish").containsEntry("x-max-priority", 5);
    assertThat(spec.consumed()).isFalse();
    assertThat(parse("{\"name\":\"q\",\"type\":\"quorum\"}").deadLetterArguments()).containsEntry("x-queue-type", "quorum");
  }

  @Test
  void backoffDoublesUpToItsCap() {
    QueueSpec spec = parse("{\"name\":\"q\",\"retry_backoff_ms\":100,\"retry_backoff_max_ms\":500}");
    assertThat(spec.backoffMs(1)).isEqualTo(100);
    assertThat(spec.backoffMs(2)).isEqualTo(200);
    assertThat(spec.backoffMs(3)).isEqualTo(400);
    assertThat(spec.backoffMs(4)).isEqualTo(500);
    assertThat(spec.backoffMs(60)).isEqualTo(500);
  }

  @Test
  void mistakesNameTheField() {
    assertThatThrownBy(() -> parse("{\"name\":\"bad name\"}")).hasMessageContaining("rabbitmq.queues[0].name");
    assertThatThrownBy(() -> parse("{\"name\":\"x.dlq\"}")).hasMessageContaining("reserved");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"prefetch\":0}")).hasMessageContaining("(q).prefetch");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"type\":\"stream\"}")).hasMessageContaining("(q).type");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"type\":\"quorum\",\"max_priority\":5}")).hasMessageContaining("classic");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"durable\":false}")).hasMessageContaining("always durable");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"handler\":\"a\",\"topic\":\"t\"}")).hasMessageContaining("not both");
    assertThatThrownBy(() -> parse("{\"name\":\"q\",\"prefetsh\":5}")).hasMessageContaining("unknown field");
  }

  @Test
  void settingsRefuseDuplicatesAndBadPatterns() {
    JsonObject conf = new JsonObject().put("node", new JsonObject().put("id", "n"));
    conf.put("rabbitmq", new JsonObject().put("uri", "amqp://h").put("queues",
        new JsonArray().add(new JsonObject().put("name", "a")).add(new JsonObject().put("name", "a"))));
    assertThatThrownBy(() -> BridgeSettings.from(conf)).hasMessageContaining("configured twice");
    conf.put("rabbitmq", new JsonObject().put("uri", "amqp://h").put("topics", new JsonObject().put("patterns", new JsonArray().add("a.b#"))));
    assertThatThrownBy(() -> BridgeSettings.from(conf)).hasMessageContaining("rabbitmq.topics.patterns");
    conf.put("rabbitmq", new JsonObject().put("uri", "amqp://h"));
    BridgeSettings settings = BridgeSettings.from(conf);
    assertThat(settings.queues()).isEmpty();
    assertThat(settings.topicExchange()).isEqualTo("switchboard.topics");
    assertThat(settings.topicPatterns()).hasSize(1);
  }

  @Test
  void amqpsChecksTheBrokersCertificate() {
    JsonObject conf = new JsonObject().put("node", new JsonObject().put("id", "n"))
        .put("rabbitmq", new JsonObject().put("uri", "amqps://u:p@broker.example:5671"));
    com.rabbitmq.client.ConnectionFactory factory = RabbitLink.factory(BridgeSettings.from(conf), "test");
    assertThat(factory.isSSL()).isTrue();
    assertThat(factory.getPort()).isEqualTo(5671);
    assertThatThrownBy(() -> RabbitLink.factory(BridgeSettings.from(conf.put("rabbitmq",
        new JsonObject().put("uri", "http://u:secret@x"))), "test"))
        .hasMessageContaining("rabbitmq.uri").hasMessageNotContaining("secret");
  }
}
