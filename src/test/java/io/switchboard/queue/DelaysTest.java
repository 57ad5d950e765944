package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DelaysTest {

  @Test
  void delaysRoundUpSoNothingArrivesEarly() {
    assertThat(Delays.round(0)).isZero();
    assertThat(Delays.round(1)).isEqualTo(100);
    assertThat(Delays.round(1500)).isEqualTo(1500);
    assertThat(Delays.round(1501)).isEqualTo(1600);
    assertThat(Delays.round(10_001)).isEqualTo(11_000);
    assertThat(Delays.round(600_001)).isEqualTo(660_000);
    for (long d = 1; d < 2_000_000; d += 997) {
      assertThat(Delays.round(d)).isGreaterThanOrEqualTo(d);
    }
  }

  @Test
  void aDelayQueueDeadLettersBackAndOutlivesItsMessages() {
    assertThat(Delays.queueName("orders", 1500)).isEqualTo("orders.delay.1500");
    assertThat(Delays.queueArguments("orders", 1500))
        .containsEntry("x-message-ttl", 1500L)
        .containsEntry("x-dead-letter-exchange", "")
        .containsEntry("x-dead-letter-routing-key", "orders");
    // Re-declared every half of x-expires, so x-expires / 2 must exceed the TTL.
    assertThat(Delays.expiresMs(1500) / 2).isGreaterThan(1500);
    assertThat(Delays.expiresMs(86_400_000) / 2).isGreaterThan(86_400_000);
  }
}
