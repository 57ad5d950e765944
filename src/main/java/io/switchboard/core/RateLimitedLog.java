package io.switchboard.core;

import org.slf4j.Logger;

/**
 * A warning that may repeat at the rate of outside input (a flood of bad Redis messages, say):
 * logged at most once per interval, with the number of repeats left out in between.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final long intervalMs;
  private long lastLogged = Long.MIN_VALUE;
  private long suppressed;

  public RateLimitedLog(Logger log, long intervalMs) {
    this.log = log;
    this.intervalMs = intervalMs;
  }

  /** Logs {@code message} unless one was logged less than the interval ago. Not thread-safe. */
  public void warn(String message) {
    long now = System.currentTimeMillis();
    if (lastLogged != Long.MIN_VALUE && now - lastLogged < intervalMs) {
      suppressed++;
      return;
    }
    if (suppressed > 0) {
      log.warn("{} ({} more like it in the last {} s)", message, suppressed, (now - lastLogged) / 1000);
    } else {
      log.warn(message);
    }
    lastLogged = now;
    suppressed = 0;
  }
}
