package io.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MeterSamplerTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MeterSampler sampler = new MeterSampler(registry);

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }

  @Test
  void countersBecomePerSecondRatesBetweenSamplesAndGaugesAreReadAsTheyStand() {
    Counter sseOut = counter("switchboard.messages.out", "transport", "sse");
    Counter published = counter("switchboard.queue.published", "queue", "orders");
    Counter deadLettered = counter("switchboard.queue.dead_lettered", "queue", "orders");
    Counter delivered = counter("switchboard.webhooks.attempts", "outcome", "delivered");
    Counter failed = counter("switchboard.webhooks.attempts", "outcome", "failed");
    Counter appended = counter("switchboard.eventstore.appended");
    AtomicLong websockets = new AtomicLong(3);
    Gauge.builder("switchboard.connections", websockets, AtomicLong::get).tag("transport", "websocket").register(registry);
    AtomicLong lag = new AtomicLong(7);
    Gauge.builder("switchboard.cqrs.projection.lag.events", lag, AtomicLong::get).tag("projection", "orders").register(registry);
    Gauge.builder("switchboard.webhooks.circuits.open", () -> 2).register(registry);

    JsonObject first = sampler.sample(10_000);
    assertThat(first.getJsonObject("messages_out").getDouble("sse")).isZero();
    assertThat(first.getJsonObject("connections").getLong("websocket")).isEqualTo(3);

    sseOut.increment(20);
    published.increment(4);
    deadLettered.increment(1);
    delivered.increment(6);
    failed.increment(2);
    appended.increment(10);
    // a transport's first message creates its counter between two samples: still counted
    counter("switchboard.messages.in", "transport", "websocket").increment(8);
    JsonObject second = sampler.sample(12_000); // two seconds later

    assertThat(second.getJsonObject("messages_out").getDouble("sse")).isEqualTo(10.0);
    assertThat(second.getJsonObject("messages_in").getDouble("websocket")).isEqualTo(4.0);
    assertThat(second.getJsonObject("queues").getJsonObject("orders").getDouble("published")).isEqualTo(2.0);
    assertThat(second.getJsonObject("queues").getJsonObject("orders").getDouble("dead_lettered")).isEqualTo(0.5);
    assertThat(second.getJsonObject("webhooks").getDouble("delivered")).isEqualTo(3.0);
    assertThat(second.getJsonObject("webhooks").getDouble("failed")).isEqualTo(1.0);
    assertThat(second.getJsonObject("webhooks").getLong("open_circuits")).isEqualTo(2);
    assertThat(second.getJsonObject("store").getDouble("appended")).isEqualTo(5.0);
    assertThat(second.getJsonObject("projections").getJsonObject("orders").getLong("lag_events")).isEqualTo(7);

    // nothing happened since: rates fall back to 0, gauges keep their value
    JsonObject third = sampler.sample(13_000);
    assertThat(third.getJsonObject("messages_out").getDouble("sse")).isZero();
    assertThat(third.getJsonObject("store").getDouble("appended")).isZero();
    assertThat(third.getJsonObject("connections").getLong("websocket")).isEqualTo(3);
  }

  @Test
  void consumerGroupLagFillsItsSlotOnlyWhenGroupsRegisterTheirGauges() {
    assertThat(sampler.sample(1_000).getJsonObject("consumer_groups")).isEmpty();
    Gauge.builder("switchboard.groups.lag.events", () -> 12).tag("group", "billing").register(registry);
    Gauge.builder("switchboard.groups.lag.ms", () -> 340).tag("group", "billing").register(registry);
    assertThat(sampler.sample(2_000).getJsonObject("consumer_groups"))
        .isEqualTo(new JsonObject().put("billing", new JsonObject().put("lag_events", 12L).put("lag_ms", 340L)));
  }

  @Test
  void aCounterThatWentBackwardsAfterARedeployGivesZeroNotANegativeRate() {
    Counter appended = counter("switchboard.eventstore.appended");
    appended.increment(100);
    sampler.sample(1_000);
    registry.remove(appended);
    counter("switchboard.eventstore.appended").increment(3);
    assertThat(sampler.sample(2_000).getJsonObject("store").getDouble("appended")).isZero();
  }
}
