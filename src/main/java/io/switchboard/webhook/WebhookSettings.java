package io.switchboard.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code webhooks} section of the configuration, checked once: a wrong field stops the
 * verticle with its name.
 *
 * @param allowPrivate     loopback, private and link-local targets are allowed (never cloud metadata)
 * @param allowHttp        plain {@code http://} targets are allowed
 * @param connectTimeoutMs TCP connect, and waiting for a pooled connection
 * @param requestTimeoutMs no answer (or no byte of it) within this is a failed attempt
 * @param retryScheduleMs  the delay before each retry; after the last one the delivery is failed
 * @param retryJitter      each delay is spread by ± this fraction
 * @param breakerFailures  failures (within {@code breakerWindowMs}, no success between) that open an endpoint's circuit
 * @param breakerWindowMs  the window those failures are counted in
 * @param breakerResetMs   how long an open circuit waits before one probe
 * @param disableAfterMs   an endpoint failing without a success for this long is disabled
 * @param rateLimit        default deliveries per second per endpoint (0: none)
 * @param maxInFlight      default requests in flight per endpoint
 * @param secretGraceMs    how long the previous secret keeps signing after a rotation
 * @param pollMs           how often a sender looks for due deliveries it was not told about
 * @param leaseMs          lease of a partition, and of the store follower, renewed every third of it
 * @param retentionMs      delivered and failed deliveries (and their attempts) are kept this long
 * @param fanoutBuffer     topic messages waiting to be written to the outbox; more are dropped and counted
 */
public record WebhookSettings(boolean allowPrivate, boolean allowHttp, int connectTimeoutMs, int requestTimeoutMs,
                              List<Long> retryScheduleMs, double retryJitter, int breakerFailures, long breakerWindowMs,
                              long breakerResetMs, long disableAfterMs, int rateLimit, int maxInFlight, long secretGraceMs,
                              long pollMs, long leaseMs, long retentionMs, int fanoutBuffer) {

  static final List<Long> DEFAULT_SCHEDULE = List.of(5_000L, 300_000L, 1_800_000L, 7_200_000L, 18_000_000L, 36_000_000L, 36_000_000L);

  public static WebhookSettings from(JsonObject conf) {
    JsonObject w = conf.getJsonObject("webhooks", new JsonObject());
    JsonObject breaker = w.getJsonObject("breaker", new JsonObject());
    return new WebhookSettings(
        bool(w, "allow_private", false),
        bool(w, "allow_http", false),
        (int) number(w, "connect_timeout_ms", 5_000, 1, 600_000),
        (int) number(w, "request_timeout_ms", 15_000, 1, 600_000),
        schedule(w.getValue("retry_schedule_ms")),
        fraction(w, "retry_jitter", 0.2),
        (int) number(breaker, "breaker.failures", "failures", 5, 1, 10_000),
        number(breaker, "breaker.window_ms", "window_ms", 60_000, 1_000, 86_400_000),
        number(breaker, "breaker.reset_ms", "reset_ms", 30_000, 10, 86_400_000),
        number(w, "disable_after_ms", 432_000_000L, 1, Long.MAX_VALUE),
        (int) number(w, "rate_limit", 0, 0, 1_000_000),
        (int) number(w, "max_in_flight", 16, 1, 1024),
        number(w, "secret_grace_ms", 86_400_000L, 0, Long.MAX_VALUE),
        number(w, "poll_ms", 10_000, 10, 3_600_000),
        number(w, "lease_ms", 15_000, 300, 3_600_000),
        number(w, "retention_ms", 604_800_000L, 1_000, Long.MAX_VALUE),
        (int) number(w, "fanout_buffer", 100_000, 1, 10_000_000));
  }

  /**
   * How long a claim holds a delivery: longer than any attempt can take, so a delivery is claimed
   * again only when its sender died (or lost its database) in the middle of it.
   */
  public long claimLeaseMs() {
    return connectTimeoutMs + 2L * requestTimeoutMs + 10_000;
  }

  /** The delay before retry number {@code step} (0-based), with jitter; -1 when the schedule is done. */
  long retryDelay(int step, double random) {
    if (step >= retryScheduleMs.size()) {
      return -1;
    }
    long base = retryScheduleMs.get(step);
    return Math.max(0, Math.round(base * (1 + retryJitter * (2 * random - 1))));
  }

  private static boolean bool(JsonObject w, String field, boolean fallback) {
    Object value = w.getValue(field, fallback);
    if (!(value instanceof Boolean b)) {
      throw new IllegalArgumentException("webhooks." + field + " must be true or false");
    }
    return b;
  }

  private static long number(JsonObject w, String field, long fallback, long min, long max) {
    return number(w, "webhooks." + field, field, fallback, min, max);
  }

  private static long number(JsonObject section, String name, String field, long fallback, long min, long max) {
    Object value = section.getValue(field);
    if (value == null) {
      return fallback;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min
        && ((Number) value).longValue() <= max) {
      return ((Number) value).longValue();
    }
    throw new IllegalArgumentException((name.startsWith("webhooks.") ? name : "webhooks." + name)
        + " must be an integer from " + min + (max == Long.MAX_VALUE ? "" : " to " + max) + ", not " + value);
  }

  private static double fraction(JsonObject w, String field, double fallback) {
    Object value = w.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException("webhooks." + field + " must be a number from 0 to 1, not " + value);
  }

  private static List<Long> schedule(Object value) {
    if (value == null) {
      return DEFAULT_SCHEDULE;
    }
    if (!(value instanceof JsonArray array) || array.size() > 100) {
      throw new IllegalArgumentException("webhooks.retry_schedule_ms must be a list of at most 100 delays in milliseconds");
    }
    List<Long> out = new ArrayList<>();
    for (Object delay : array) {
      if (!(delay instanceof Integer || delay instanceof Long) || ((Number) delay).longValue() < 0) {
        throw new IllegalArgumentException("webhooks.retry_schedule_ms must hold delays in milliseconds (0 or more), not " + delay);
      }
      out.add(((Number) delay).longValue());
    }
    return List.copyOf(out);
  }
}
