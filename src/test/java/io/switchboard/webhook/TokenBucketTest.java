package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void startsEmptyFillsAtTheRateAndSavesUpAtMostASecond() {
    TokenBucket bucket = new TokenBucket(4, 1_000);
    assertThat(bucket.take(1_000)).isFalse();
    assertThat(bucket.nextAt(1_000)).isEqualTo(1_250);
    assertThat(bucket.take(1_250)).isTrue();
    assertThat(bucket.take(1_250)).isFalse();
    int taken = 0;
    while (bucket.take(10_000)) {
      taken++;
    }
    assertThat(taken).isEqualTo(4);
  }
}
