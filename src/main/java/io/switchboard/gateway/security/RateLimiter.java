package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

/**
 * Publish rate per credential, a token bucket shared by every gateway instance of the node:
 * {@code limits.publish_rate} per second, bursts up to {@code limits.publish_burst}. Over it: 429
 * with Retry-After. With auth off (no credentials, bound to loopback) there is no one to limit,
 * unless {@code limits.limit_anonymous} asks to limit each client address.
 */
public final class RateLimiter {

  private static final int MAX_BUCKETS = 100_000;

  private final LocalMap<String, Bucket> buckets;
  private final double ratePerMs;
  private final double burst;
  private final boolean limitAnonymous;

  public RateLimiter(Vertx vertx, JsonObject conf) {
    JsonObject limits = conf.getJsonObject("limits", new JsonObject());
    this.buckets = vertx.sharedData().getLocalMap("switchboard.security.rate");
    this.ratePerMs = limits.getInteger("publish_rate", 10_000) / 1000.0;
    this.burst = limits.getInteger("publish_burst", 20_000);
    this.limitAnonymous = limits.getBoolean("limit_anonymous", false);
  }

  /** Takes one publish from the principal's bucket, or throws 429 saying when to retry. */
  public void acquire(Principal principal) {
    if (ratePerMs <= 0 || (principal.anonymous() && !limitAnonymous)) {
      return;
    }
    if (buckets.size() > MAX_BUCKETS) {
      buckets.clear(); // a flood of distinct callers: forget (refill) everyone rather than grow
    }
    Bucket bucket = buckets.computeIfAbsent(principal.name(), k -> new Bucket(burst));
    long waitMs = bucket.take(System.currentTimeMillis(), ratePerMs, burst);
    if (waitMs > 0) {
      long seconds = Math.max(1, (waitMs + 999) / 1000);
      throw new Problem(429, "rate-limited", "Too many requests",
          "more than " + Math.round(ratePerMs * 1000) + " publishes per second; retry in " + seconds + " s",
          new JsonObject().put("retry_after", seconds));
    }
  }

  private static final class Bucket implements Shareable {
    private double tokens;
    private long updated = System.currentTimeMillis();

    Bucket(double tokens) {
      this.tokens = tokens;
    }

    /** 0 when a token was taken, else the milliseconds until one is available. */
    synchronized long take(long now, double ratePerMs, double burst) {
      tokens = Math.min(burst, tokens + (now - updated) * ratePerMs);
      updated = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - tokens) / ratePerMs);
    }
  }
}
