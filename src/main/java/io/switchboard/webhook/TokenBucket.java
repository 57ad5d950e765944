package io.switchboard.webhook;

/**
 * A per-endpoint rate limit: {@code rate} tokens a second, up to one second's worth saved up. A new
 * bucket starts empty: when an endpoint moves to another sender, the old one's last second and the
 * new one's first cannot add up to twice the rate.
 */
final class TokenBucket {

  private final double rate;
  private final double capacity;
  private double tokens;
  private long refilledAt;

  TokenBucket(int ratePerSecond, long now) {
    this.rate = ratePerSecond / 1000.0;
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = 0;
    this.refilledAt = now;
  }

  int ratePerSecond() {
    return (int) Math.round(rate * 1000);
  }

  boolean take(long now) {
    refill(now);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** When the next token will be there. */
  long nextAt(long now) {
    refill(now);
    return tokens >= 1 ? now : now + (long) Math.ceil((1 - tokens) / rate);
  }

  private void refill(long now) {
    if (now > refilledAt) {
      tokens = Math.min(capacity, tokens + (now - refilledAt) * rate);
      refilledAt = now;
    }
  }
}
