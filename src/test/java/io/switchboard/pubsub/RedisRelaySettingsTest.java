package io.switchboard.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.TopicPattern;
import io.switchboard.launch.HubSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RedisRelaySettingsTest {

  private static RedisRelaySettings settings(JsonObject redis) {
    return RedisRelaySettings.from(HubSettings.defaultConf(new JsonObject()
        .put("redis", redis.copy().put("uri", "redis://127.0.0.1:6379"))));
  }

  private static void assertInvalid(JsonObject redis, String field, String detail) {
    assertThatThrownBy(() -> settings(redis)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + field + "\"").hasMessageContaining(detail);
  }

  @Test
  void theShippedDefaults() {
    RedisRelaySettings s = settings(new JsonObject());
    assertThat(s.channelPrefix()).isEqualTo("switchboard:");
    assertThat(s.subscribePatterns()).containsExactly("switchboard:*");
    assertThat(s.wrapType()).isEqualTo("switchboard.redis.message");
    assertThat(s.outboundTopics()).containsExactly(TopicPattern.parse("#"));
    assertThat(s.outboundBuffer()).isEqualTo(10_000);
    assertThat(s.reconnectInitialMs()).isEqualTo(100);
    assertThat(s.reconnectMaxMs()).isEqualTo(5_000);
    assertThat(s.heartbeatMs()).isEqualTo(5_000);
    assertThat(s.inboundEnabled()).isTrue();
    assertThat(s.outboundEnabled()).isTrue();
  }

  @Test
  void channelPatternsAreUnderThePrefixWhoseGlobCharactersAreEscaped() {
    RedisRelaySettings s = settings(new JsonObject().put("channel_prefix", "app[1]*?:")
        .put("inbound", new JsonObject().put("channels", new JsonArray().add("orders.*").add("audit"))));
    assertThat(s.subscribePatterns()).containsExactly("app\\[1\\]\\*\\?:orders.*", "app\\[1\\]\\*\\?:audit");
  }

  @Test
  void emptyListsSwitchADirectionOff() {
    RedisRelaySettings s = settings(new JsonObject()
        .put("inbound", new JsonObject().put("channels", new JsonArray()))
        .put("outbound", new JsonObject().put("topics", new JsonArray())));
    assertThat(s.inboundEnabled()).isFalse();
    assertThat(s.outboundEnabled()).isFalse();
  }

  @Test
  void mistakesNameTheField() {
    assertInvalid(new JsonObject().put("outbound", new JsonObject().put("topics", new JsonArray().add("a").add("b..c"))),
        "redis.outbound.topics[1]", "empty segment");
    assertInvalid(new JsonObject().put("outbound", new JsonObject().put("topics", "#")), "redis.outbound.topics", "array");
    assertInvalid(new JsonObject().put("outbound", new JsonObject().put("buffer", -1)), "redis.outbound.buffer", "integer");
    assertInvalid(new JsonObject().put("inbound", new JsonObject().put("channels", new JsonArray().add(""))),
        "redis.inbound.channels", "glob");
    assertInvalid(new JsonObject().put("inbound", new JsonObject().put("wrap_type", "a\nb")),
        "redis.inbound.wrap_type", "control character");
    assertInvalid(new JsonObject().put("inbound", "x"), "redis.inbound", "object");
    assertInvalid(new JsonObject().put("reconnect", new JsonObject().put("initial_ms", 500).put("max_ms", 100)),
        "redis.reconnect.max_ms", "smaller");
    assertInvalid(new JsonObject().put("channel_prefix", 5), "redis.channel_prefix", "string");
    assertInvalid(new JsonObject().put("heartbeat_ms", 0), "redis.heartbeat_ms", "integer");
    assertThatThrownBy(() -> RedisRelaySettings.from(HubSettings.defaultConf(new JsonObject())))
        .hasMessageContaining("\"redis.uri\"");
  }
}
