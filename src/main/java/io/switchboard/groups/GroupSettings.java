package io.switchboard.groups;

import io.vertx.core.json.JsonObject;

/**
 * The {@code groups} section of the configuration, parsed in one place (README "Consumer groups").
 *
 * @param lockRetryMs       how often a node tries to take the groups no coordinator runs (failover time)
 * @param readBatch         events read from the store per read (at most {@code eventstore.max_read_limit})
 * @param maxWindow         events read ahead of the checkpoint at most (pending and in flight)
 * @param consumerTimeoutMs a consumer silent this long (no fetch, ack or nack) is gone: its events go to others
 * @param maxFetch          the largest {@code max} a fetch may ask for
 * @param maxWaitMs         the longest {@code wait_ms} a fetch may ask for
 * @param pollMs            how often a caught-up group looks for appends it was not told of
 * @param maxGroups         how many groups the hub keeps
 */
public record GroupSettings(long lockRetryMs, int readBatch, int maxWindow, long consumerTimeoutMs, int maxFetch,
                            long maxWaitMs, long pollMs, int maxGroups) {

  public static GroupSettings from(JsonObject conf) {
    Object value = conf.getValue("groups");
    if (value != null && !(value instanceof JsonObject)) {
      throw new IllegalArgumentException("groups must be a JSON object");
    }
    JsonObject groups = value == null ? new JsonObject() : (JsonObject) value;
    for (String field : groups.fieldNames()) {
      if (!java.util.Set.of("lock_retry_ms", "read_batch", "max_window", "consumer_timeout_ms", "max_fetch", "max_wait_ms",
          "poll_ms", "max_groups").contains(field)) {
        throw new IllegalArgumentException("groups." + field + ": unknown setting (expected lock_retry_ms, read_batch, "
            + "max_window, consumer_timeout_ms, max_fetch, max_wait_ms, poll_ms, max_groups)");
      }
    }
    return new GroupSettings(
        integer(groups, "lock_retry_ms", 2000, 10, 600_000),
        // a read may not ask for more than the store answers (eventstore.max_read_limit)
        Math.min(integer(groups, "read_batch", 1000, 1, 1000), storeReadLimit(conf)),
        integer(groups, "max_window", 10_000, 10, 1_000_000),
        integer(groups, "consumer_timeout_ms", 30_000, 100, 3_600_000),
        integer(groups, "max_fetch", 1000, 1, 10_000),
        integer(groups, "max_wait_ms", 30_000, 0, 300_000),
        integer(groups, "poll_ms", 1000, 10, 600_000),
        integer(groups, "max_groups", 1000, 1, 100_000));
  }

  private static int storeReadLimit(JsonObject conf) {
    Object store = conf.getValue("eventstore");
    Object limit = store instanceof JsonObject es ? es.getValue("max_read_limit") : null;
    return limit instanceof Integer i && i > 0 ? i : 1000;
  }

  private static int integer(JsonObject section, String field, int fallback, int min, int max) {
    Object value = section.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer i) || i < min || i > max) {
      throw new IllegalArgumentException("groups." + field + " must be an integer from " + min + " to " + max + ", not " + value);
    }
    return i;
  }
}
