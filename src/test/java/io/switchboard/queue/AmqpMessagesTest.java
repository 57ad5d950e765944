package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import io.switchboard.core.Envelope;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AmqpMessagesTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aStructuredEventIsReadAsItIs() throws Exception {
    String event = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"urn:x\",\"type\":\"t\",\"data\":{\"a\":1}}";
    Envelope envelope = AmqpMessages.envelope(bytes(event), new AMQP.BasicProperties(), "/switchboard/n");
    assertThat(envelope.toJson().getString("id")).isEqualTo("e-1");
    assertThat(envelope.source()).isEqualTo("urn:x");
  }

  @Test
  void plainJsonFromAnOutsideClientBecomesData() throws Exception {
    AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId("m-1").type("thing.done").correlationId("c").build();
    Envelope envelope = AmqpMessages.envelope(bytes("[1,2]"), props, "/switchboard/n");
    assertThat(envelope.id()).isEqualTo("m-1");
    assertThat(envelope.type()).isEqualTo("thing.done");
    assertThat(envelope.correlationId()).isEqualTo("c");
    assertThat(envelope.source()).isEqualTo("/switchboard/n");
    assertThat(envelope.toJson().getJsonArray("data")).containsExactly(1, 2);
    assertThat(AmqpMessages.envelope(bytes("7"), new AMQP.BasicProperties(), "/s").type()).isEqualTo("amqp.message");
  }

  @Test
  void theHubsOwnMessagesAreOnlyCheckedForTheRequiredAttributes() throws Exception {
    AMQP.BasicProperties own = AmqpMessages.properties(Envelope.of(new JsonObject().put("type", "t"), "/s"), null, null, null, null);
    String event = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/s\",\"type\":\"t\",\"data\":1}";
    assertThat(AmqpMessages.event(bytes(event), own, "/s")).isEqualTo(new JsonObject(event));
    // Without the required attributes, or from anyone else, the full check runs.
    assertThatThrownBy(() -> AmqpMessages.event(bytes("{\"specversion\":\"1.0\",\"id\":\"e\"}"), own, "/s"))
        .isInstanceOf(AmqpMessages.Poison.class);
    assertThat(AmqpMessages.event(bytes("{\"a\":1}"), new AMQP.BasicProperties(), "/s").getString("type")).isEqualTo("amqp.message");
  }

  @Test
  void poisonSaysWhy() {
    assertThatThrownBy(() -> AmqpMessages.envelope(bytes("hello"), new AMQP.BasicProperties(), "/s"))
        .isInstanceOf(AmqpMessages.Poison.class).hasMessageStartingWith("the body is not JSON (5 bytes");
    assertThatThrownBy(() -> AmqpMessages.envelope(bytes("{\"specversion\":\"1.0\"}"), new AMQP.BasicProperties(), "/s"))
        .isInstanceOf(AmqpMessages.Poison.class).hasMessageContaining("not a valid CloudEvent");
  }

  @Test
  void failureHeadersCountAndKeepTheRest() {
    AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId("m").headers(Map.of("tenant", "t1", "x-retry-count", 1)).build();
    assertThat(AmqpMessages.retryCount(props)).isEqualTo(1);
    AMQP.BasicProperties failed = AmqpMessages.failed(props, 2, "x".repeat(2000));
    assertThat(failed.getHeaders()).containsEntry("tenant", "t1").containsEntry("x-retry-count", 2).containsKey("x-failed-at");
    assertThat(failed.getHeaders().get("x-last-error").toString()).hasSize(1001);
    assertThat(failed.getMessageId()).isEqualTo("m");
    assertThat(failed.getDeliveryMode()).isEqualTo(2);
    assertThat(AmqpMessages.requeued(failed).getHeaders()).doesNotContainKey("x-retry-count").containsKey("x-requeued-at");
  }

  @Test
  void aReplyCarriesTheRequestsCorrelationId() {
    AMQP.BasicProperties request = new AMQP.BasicProperties.Builder().messageId("m").correlationId("c-1").build();
    assertThat(AmqpMessages.reply(request, new JsonObject()).getCorrelationId()).isEqualTo("c-1");
    assertThat(AmqpMessages.reply(new AMQP.BasicProperties.Builder().messageId("m").build(), null).getCorrelationId()).isEqualTo("m");
    assertThat(new String(AmqpMessages.replyBody(new JsonObject().put("a", 1)), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
  }
}
