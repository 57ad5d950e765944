package io.switchboard.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RedisMessagesTest {

  private static final RedisRelaySettings SETTINGS = RedisRelaySettings.from(new JsonObject()
      .put("redis", new JsonObject().put("uri", "redis://127.0.0.1:6379")
          .put("inbound", new JsonObject().put("max_message_bytes", 256))));
  private final RedisMessages messages = new RedisMessages(SETTINGS, "node-a", "/switchboard/node-a/redis", "/switchboard/node-a");

  private JsonObject in(String payload) {
    Envelope event = messages.eventOf(Buffer.buffer(payload));
    return event == null ? null : event.toJson();
  }

  @Test
  void channelsUnderThePrefixAreTopics() {
    assertThat(messages.topicOf("switchboard:orders.created")).isEqualTo("orders.created");
    assertThat(messages.channelOf("orders.created")).isEqualTo("switchboard:orders.created");
  }

  @Test
  void channelsThatAreNotTopicNamesAreRefusedSayingWhy() {
    assertThatThrownBy(() -> messages.topicOf("switchboard:bad topic")).isInstanceOf(Problem.class)
        .hasMessageContaining("character ' '");
    assertThatThrownBy(() -> messages.topicOf("switchboard:a..b")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> messages.topicOf("switchboard:")).hasMessageContaining("empty");
    assertThatThrownBy(() -> messages.topicOf("switchboard:a:b")).hasMessageContaining("':'");
    assertThatThrownBy(() -> messages.topicOf("other:a")).hasMessageContaining("prefix");
  }

  @Test
  void aCloudEventEntersAsItIsCompleted() {
    JsonObject event = new JsonObject().put("specversion", "1.0").put("id", "e-1").put("source", "urn:x")
        .put("type", "order.created").put("data", new JsonObject().put("n", 1)).put("correlationid", "c-1");
    JsonObject entered = in(event.encode());
    assertThat(entered.getString("time")).isNotBlank();
    entered.remove("time");
    assertThat(entered).isEqualTo(event);
    assertThat(in("{\"specversion\":\"1.0\",\"type\":\"t\"}").getString("source")).isEqualTo("/switchboard/node-a");
  }

  @Test
  void anInvalidCloudEventIsRefusedSayingWhy() {
    assertThatThrownBy(() -> in("{\"specversion\":\"1.0\",\"data\":{}}")).isInstanceOfSatisfying(Problem.class,
        p -> assertThat(p.status()).isEqualTo(422)).hasMessageContaining("no type");
    assertThatThrownBy(() -> in("{\"specversion\":\"1.0\",\"type\":\"t\",\"Bad-Name\":1}"))
        .hasMessageContaining("not a CloudEvents attribute name");
  }

  @Test
  void otherJsonBecomesTheDataOfAnEnvelopeWithTheConfiguredType() {
    JsonObject object = in("{\"order_id\":\"o-1\"}");
    assertThat(object.getString("type")).isEqualTo("switchboard.redis.message");
    assertThat(object.getString("source")).isEqualTo("/switchboard/node-a/redis");
    assertThat(object.getString("datacontenttype")).isEqualTo("application/json");
    assertThat(object.getValue("data")).isEqualTo(new JsonObject().put("order_id", "o-1"));

    assertThat(in(" [1, 2]").getValue("data")).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(in("42").getValue("data")).isEqualTo(42);
    assertThat(in("\"quoted\"").getValue("data")).isEqualTo("quoted");
    assertThat(in("true").getValue("data")).isEqualTo(true);
    // and the router turns it into a valid envelope
    assertThat(Envelope.of(object, "/x").data()).isEqualTo(new JsonObject().put("order_id", "o-1"));
  }

  @Test
  void textThatIsNotJsonIsAPlainTextString() {
    for (String text : new String[] {"hello world", "", "{not json", "12 apples", "nope", "line1\nline2"}) {
      JsonObject event = in(text);
      assertThat(event.getString("datacontenttype")).as(text).isEqualTo("text/plain; charset=utf-8");
      assertThat(event.getValue("data")).as(text).isEqualTo(text);
    }
  }

  @Test
  void utf8BeyondAsciiIsReadAsTextToo() {
    // ASCII payloads are parsed from their bytes; the others are decoded (strictly) first
    assertThat(in("{\"name\":\"Zoë 東京\"}").getValue("data")).isEqualTo(new JsonObject().put("name", "Zoë 東京"));
    JsonObject text = in("grüße, 東京");
    assertThat(text.getString("datacontenttype")).isEqualTo("text/plain; charset=utf-8");
    assertThat(text.getValue("data")).isEqualTo("grüße, 東京");
  }

  @Test
  void bytesThatAreNotUtf8AreBase64() {
    JsonObject event = messages.eventOf(Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xfe, 0})).toJson();
    assertThat(event.getString("datacontenttype")).isEqualTo("application/octet-stream");
    assertThat(event.getString("data_base64")).isEqualTo("//4A");
    assertThat(event.containsKey("data")).isFalse();
  }

  @Test
  void messagesOverTheLimitAreRefused() {
    assertThatThrownBy(() -> in("x".repeat(257))).isInstanceOf(Problem.class).hasMessageContaining("257 bytes, the limit is 256");
    assertThat(in("x".repeat(256))).isNotNull();
  }

  @Test
  void whatThisRelayWroteIsRecognisedOnTheWayBack() {
    Envelope envelope = Envelope.of(new JsonObject().put("type", "t").put("data", 1), "/switchboard/node-a");
    String written = messages.payloadOf(TopicEvent.of("a", envelope, "http"));
    assertThat(new JsonObject(written)).isEqualTo(envelope.toJson().put("switchboardrelay", "node-a"));
    assertThat(messages.eventOf(Buffer.buffer(written))).isNull();

    // another hub's relay wrote this one: it enters, marker and all
    RedisMessages other = new RedisMessages(SETTINGS, "node-b", "/switchboard/node-b/redis", "/switchboard/node-b");
    assertThat(other.eventOf(Buffer.buffer(written)).toJson()).isEqualTo(new JsonObject(written));
  }

  @Test
  void aRepublishedEnvelopeCarriesThisRelaysMarkOnly() {
    Envelope envelope = Envelope.of(new JsonObject().put("type", "t").put("switchboardrelay", "node-b"), "/x");
    assertThat(new JsonObject(messages.payloadOf(TopicEvent.of("a", envelope, "http"))).getString("switchboardrelay"))
        .isEqualTo("node-a");
  }
}
