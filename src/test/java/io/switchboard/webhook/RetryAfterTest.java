package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Retry-After as RFC 9110 allows it: delay-seconds or an HTTP-date (all three forms). */
class RetryAfterTest {

  private static final long NOW = Instant.parse("2026-12-06T08:49:37Z").toEpochMilli();

  @Test
  void secondsAndEachFormOfHttpDateAreRead() {
    assertThat(HttpPoster.retryAfterMs("120", NOW)).isEqualTo(120_000);
    assertThat(HttpPoster.retryAfterMs(" 5 ", NOW)).isEqualTo(5_000);
    assertThat(HttpPoster.retryAfterMs("Sun, 06 Dec 2026 08:50:07 GMT", NOW)).isEqualTo(30_000);   // IMF-fixdate
    assertThat(HttpPoster.retryAfterMs("Sunday, 06-Dec-26 08:50:37 GMT", NOW)).isEqualTo(60_000);  // RFC 850
    assertThat(HttpPoster.retryAfterMs("Sun Dec  6 08:49:47 2026", NOW)).isEqualTo(10_000);        // asctime
  }

  @Test
  void absentPastOrUnreadableIsNoWait() {
    assertThat(HttpPoster.retryAfterMs(null, NOW)).isZero();
    assertThat(HttpPoster.retryAfterMs("", NOW)).isZero();
    assertThat(HttpPoster.retryAfterMs("Sun, 06 Dec 2026 08:00:00 GMT", NOW)).isZero();
    assertThat(HttpPoster.retryAfterMs("soon", NOW)).isZero();
    assertThat(HttpPoster.retryAfterMs("-5", NOW)).isZero();
  }
}
