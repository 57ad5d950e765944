package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSettingsTest {

  @Test
  void defaultsFollowTheStandardWebhooksSchedule() {
    WebhookSettings s = WebhookSettings.from(new JsonObject());
    assertThat(s.retryScheduleMs()).containsExactly(5_000L, 300_000L, 1_800_000L, 7_200_000L, 18_000_000L, 36_000_000L, 36_000_000L);
    assertThat(s.allowPrivate()).isFalse();
    assertThat(s.allowHttp()).isFalse();
    assertThat(s.claimLeaseMs()).isGreaterThan(s.connectTimeoutMs() + (long) s.requestTimeoutMs());
  }

  @Test
  void retriesAreJitteredAroundTheScheduleAndEndWithIt() {
    WebhookSettings s = WebhookSettings.from(new JsonObject().put("webhooks", new JsonObject()
        .put("retry_schedule_ms", new JsonArray(List.of(1000, 2000))).put("retry_jitter", 0.25)));
    assertThat(s.retryDelay(0, 0.0)).isEqualTo(750);
    assertThat(s.retryDelay(0, 1.0)).isEqualTo(1250);
    assertThat(s.retryDelay(1, 0.5)).isEqualTo(2000);
    assertThat(s.retryDelay(2, 0.5)).isEqualTo(-1);
  }

  @Test
  void aWrongFieldIsNamed() {
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject().put("webhooks", new JsonObject().put("max_in_flight", 0))))
        .hasMessageContaining("webhooks.max_in_flight");
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject().put("webhooks", new JsonObject()
        .put("breaker", new JsonObject().put("failures", "five"))))).hasMessageContaining("webhooks.breaker.failures");
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject().put("webhooks", new JsonObject()
        .put("retry_schedule_ms", new JsonArray().add(-1))))).hasMessageContaining("webhooks.retry_schedule_ms");
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject().put("webhooks", new JsonObject().put("allow_http", "yes"))))
        .hasMessageContaining("webhooks.allow_http");
  }
}
