package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which dead letters an erasure removes: exact matches only, so it never takes another person's letter. */
class ErasedMessagesTest {

  private static final AMQP.BasicProperties NONE = new AMQP.BasicProperties.Builder().build();

  private static byte[] bytes(Object json) {
    return (json instanceof String s ? s : json.toString()).getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject event(String id) {
    return new JsonObject().put("specversion", "1.0").put("id", id).put("type", "t").put("source", "/s");
  }

  @Test
  void byEventIdStreamSubjectOrStreamIdInTheData() {
    ErasedMessages erased = new ErasedMessages(new JsonObject()
        .put("event_ids", new JsonArray().add("e-1")).put("streams", new JsonArray().add("person-1")));
    assertThat(erased.matches(NONE, bytes(event("e-1")))).isTrue();
    assertThat(erased.matches(new AMQP.BasicProperties.Builder().messageId("e-1").build(), bytes("not json"))).isTrue();
    assertThat(erased.matches(NONE, bytes(event("x").put("subject", "person-1")))).isTrue();
    assertThat(erased.matches(NONE, bytes(event("x").put("stream", "person-1")))).isTrue();
    assertThat(erased.matches(NONE, bytes(event("x").put("data", new JsonObject().put("a", new JsonArray().add("person-1")))))).isTrue();
    assertThat(erased.matches(NONE, bytes(new JsonObject().put("who", "person-1")))).as("an outside client's JSON").isTrue();
    assertThat(erased.matches(NONE, bytes("raw text naming person-1"))).as("not JSON: by its text").isTrue();

    assertThat(erased.matches(NONE, bytes(event("x").put("subject", "person-10")))).isFalse();
    assertThat(erased.matches(NONE, bytes(event("x").put("data", new JsonObject().put("note", "see person-1 too"))))).isFalse();
    assertThat(erased.matches(NONE, bytes(event("x").put("person-1", "a key is not a value")))).isFalse();
  }

  @Test
  void byMetadataFieldAsAttributeOrItsValueInTheData() {
    ErasedMessages erased = new ErasedMessages(new JsonObject()
        .put("metadata", new JsonObject().put("customer", "c-42")));
    assertThat(erased.isEmpty()).isFalse();
    assertThat(erased.matches(NONE, bytes(event("x").put("customer", "c-42")))).isTrue();
    assertThat(erased.matches(NONE, bytes(event("x").put("data", new JsonObject().put("id", "c-42"))))).isTrue();
    assertThat(erased.matches(NONE, bytes(event("x").put("customer", "c-43")))).isFalse();
    assertThat(new ErasedMessages(new JsonObject()).isEmpty()).isTrue();
  }
}
