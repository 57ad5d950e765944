package io.switchboard.cqrs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code cqrs} section of the configuration (README "Configuration").
 *
 * @param projections      class names of the {@link Projection}s the projector runs
 * @param commandRetries   times a command that lost a race to a concurrent writer is decided again before a 409
 * @param snapshotEvery    a snapshot each time a stream passes a multiple of this many events (0: none)
 * @param minPositionWaitMs how long a query with {@code min_position} waits for its projection
 * @param lockRetryMs      how often a projector instance tries to take the projections no one runs
 * @param heartbeatMs      the store's heartbeat to a running projection; three missed and it resubscribes
 * @param lagRefreshMs     how often the lag metrics are refreshed
 * @param readPage         events per read when loading an aggregate ({@code eventstore.max_read_limit})
 * @param undecodable      per projection name, what to do with an event it cannot decode: stop (default) or skip
 * @param aggregateCache   aggregates each command handler keeps between commands, by stream (0: every command reads its stream)
 */
public record CqrsSettings(List<String> projections, int commandRetries, int snapshotEvery, long minPositionWaitMs,
                           long lockRetryMs, long heartbeatMs, long lagRefreshMs, int readPage,
                           Map<String, String> undecodable, int aggregateCache) {

  public boolean skipsUndecodable(String projection) {
    return "skip".equals(undecodable.get(projection));
  }

  public static CqrsSettings from(JsonObject conf) {
    JsonObject cqrs = section(conf, "cqrs");
    Object list = cqrs.getValue("projections", new JsonArray());
    if (!(list instanceof JsonArray array)) {
      throw new IllegalArgumentException("cqrs.projections must be a list of class names");
    }
    List<String> projections = new ArrayList<>();
    for (Object name : array) {
      if (!(name instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException("cqrs.projections must be a list of class names, not " + array.encode());
      }
      projections.add(s);
    }
    return new CqrsSettings(List.copyOf(projections),
        integer(cqrs, "cqrs", "command_retries", 3, 0),
        integer(cqrs, "cqrs", "snapshot_every", 100, 0),
        integer(cqrs, "cqrs", "min_position_wait_ms", 5000, 0),
        integer(cqrs, "cqrs", "lock_retry_ms", 1000, 10),
        integer(cqrs, "cqrs", "heartbeat_ms", 5000, 100),
        integer(cqrs, "cqrs", "lag_refresh_ms", 1000, 10),
        Math.min(integer(section(conf, "eventstore"), "eventstore", "max_read_limit", 1000, 1), 1000),
        undecodable(cqrs),
        integer(cqrs, "cqrs", "aggregate_cache", 10_000, 0));
  }

  private static Map<String, String> undecodable(JsonObject cqrs) {
    Map<String, String> policies = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : section(cqrs, "undecodable", "cqrs.undecodable")) {
      if (!"stop".equals(entry.getValue()) && !"skip".equals(entry.getValue())) {
        throw new IllegalArgumentException("cqrs.undecodable." + entry.getKey() + " must be \"stop\" or \"skip\", not "
            + entry.getValue());
      }
      policies.put(entry.getKey(), (String) entry.getValue());
    }
    return Map.copyOf(policies);
  }

  static JsonObject section(JsonObject conf, String name) {
    return section(conf, name, name);
  }

  private static JsonObject section(JsonObject conf, String name, String path) {
    Object value = conf.getValue(name);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject section)) {
      throw new IllegalArgumentException(path + " must be a JSON object");
    }
    return section;
  }

  /** A whole number of at least {@code min} from a conf section, or the default; the message names the field. */
  public static int integer(JsonObject section, String sectionName, String field, int fallback, int min) {
    Object value = section.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer i) || i < min) {
      throw new IllegalArgumentException(sectionName + "." + field + " must be an integer of at least " + min + ", not " + value);
    }
    return i;
  }
}
