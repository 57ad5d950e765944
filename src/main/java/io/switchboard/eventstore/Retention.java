package io.switchboard.eventstore;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which events the store's reads no longer show: the rules of a stream's metadata
 * ({@code stream_meta}: {@code max_age_ms}, {@code max_count}, {@code truncate_before}, a hard
 * delete), and for streams without a rule of their own, their category's defaults from the
 * configuration ({@code eventstore.retention: {"order": {"max_age_ms": …, "max_count": …}}}).
 *
 * <p>The rules are one SQL condition over an event {@code e} and its stream's metadata {@code m}
 * (left-joined), used by every read (so an event is hidden the moment a rule covers it) and by the
 * scavenger (which deletes exactly what reads no longer show). The condition is true or false,
 * never NULL, so {@code NOT (hidden)} is exact.
 */
final class Retention {

  /** A category's defaults; null: no limit. */
  record Defaults(Long maxAgeMs, Long maxCount) {}

  private final Map<String, Defaults> categories;

  private Retention(Map<String, Defaults> categories) {
    this.categories = categories;
  }

  static final Retention NONE = new Retention(Map.of());

  /** From {@code eventstore.retention}; throws IllegalArgumentException naming what is wrong. */
  static Retention parse(JsonObject conf) {
    Map<String, Defaults> categories = new TreeMap<>();
    if (conf != null) {
      for (String category : conf.fieldNames()) {
        try {
          StreamName.validateCategory(category);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("eventstore.retention: '" + category + "' is not a category name");
        }
        if (!(conf.getValue(category) instanceof JsonObject rule)) {
          throw new IllegalArgumentException("eventstore.retention." + category + " must be an object {\"max_age_ms\"?, \"max_count\"?}");
        }
        for (String field : rule.fieldNames()) {
          if (!field.equals("max_age_ms") && !field.equals("max_count")) {
            throw new IllegalArgumentException("eventstore.retention." + category + "." + field + " is unknown (max_age_ms, max_count)");
          }
        }
        Defaults defaults = new Defaults(positive(rule, category, "max_age_ms"), positive(rule, category, "max_count"));
        if (defaults.maxAgeMs() != null || defaults.maxCount() != null) {
          categories.put(category, defaults);
        }
      }
    }
    return new Retention(Map.copyOf(categories));
  }

  private static Long positive(JsonObject rule, String category, String field) {
    Object value = rule.getValue(field);
    if (value == null) {
      return null;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() > 0) {
      return ((Number) value).longValue();
    }
    throw new IllegalArgumentException("eventstore.retention." + category + "." + field + " must be a positive integer");
  }

  /** The category's defaults, or null. */
  Defaults of(String category) {
    return categories.get(category);
  }

  /**
   * The SQL condition "event {@code e} is hidden", {@code m} being its stream's {@code stream_meta}
   * row (left-joined: all NULL when the stream has none).
   *
   * @param now the parameter holding the current time in epoch ms (e.g. {@code $3})
   */
  String hidden(String now) {
    String maxCount = effective("m.max_count", Defaults::maxCount);
    String maxAge = effective("m.max_age_ms", Defaults::maxAgeMs);
    return "(COALESCE(m.deleted, '') = 'hard'"
        + " OR e.version < COALESCE(m.truncate_before, 0)"
        + " OR (" + maxCount + " IS NOT NULL AND e.version <= (SELECT MAX(x.version) FROM events x WHERE x.stream = e.stream) - "
        + maxCount + ")"
        + " OR (" + maxAge + " IS NOT NULL AND e.recorded_at IS NOT NULL AND e.recorded_at < " + now + " - " + maxAge + "))";
  }

  /** The stream's own value, else its category's default (names and numbers were validated). */
  private String effective(String column, java.util.function.Function<Defaults, Long> field) {
    StringBuilder cases = new StringBuilder();
    categories.forEach((category, defaults) -> {
      Long value = field.apply(defaults);
      if (value != null) {
        cases.append(" WHEN '").append(category).append("' THEN ").append(value);
      }
    });
    return cases.isEmpty() ? column : "COALESCE(" + column + ", CASE e.category" + cases + " END)";
  }
}
