package io.switchboard.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a verticle's configuration fields must be, by dotted path ({@code "sse.heartbeat_ms"}). An
 * absent (or null) field is fine (its default applies); a present one must match, or
 * {@link #check} throws {@link Invalid} with the path (list items as {@code [i]}) and the expectation.
 * Build one per verticle with the chained methods; see {@link Configured}.
 */
public final class ConfigSchema {

  /** A field that is not what it must be. The message is {@code field "path": must be …, not …}. */
  public static final class Invalid extends IllegalArgumentException {
    public Invalid(String message) {
      super(message);
    }
  }

  private interface Check {
    void check(JsonObject config, String prefix);
  }

  private final List<Check> checks = new ArrayList<>();
  private final Set<String> declared = new LinkedHashSet<>();
  private final Set<String> closed = new LinkedHashSet<>();

  public static ConfigSchema create() {
    return new ConfigSchema();
  }

  /** An integer from {@code min} to {@code max}. */
  public ConfigSchema integer(String path, long min, long max) {
    return field(path, (value, where) -> {
      if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
          || ((Number) value).longValue() > max) {
        throw invalid(where, max == Integer.MAX_VALUE || max == Long.MAX_VALUE
            ? "an integer of at least " + min : "an integer from " + min + " to " + max, value);
      }
    });
  }

  /** A number (integer or decimal) from {@code min} to {@code max}. */
  public ConfigSchema number(String path, double min, double max) {
    return field(path, (value, where) -> {
      if (!(value instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
        throw invalid(where, "a number from " + min + " to " + max, value);
      }
    });
  }

  public ConfigSchema bool(String path) {
    return field(path, (value, where) -> {
      if (!(value instanceof Boolean)) {
        throw invalid(where, "true or false", value);
      }
    });
  }

  /** A non-empty string. */
  public ConfigSchema string(String path) {
    return field(path, (value, where) -> {
      if (!(value instanceof String s) || s.isBlank()) {
        throw invalid(where, "a non-empty string", value);
      }
    });
  }

  /** One of these strings. */
  public ConfigSchema oneOf(String path, String... values) {
    Set<String> allowed = Set.of(values);
    return field(path, (value, where) -> {
      if (!(value instanceof String s) || !allowed.contains(s)) {
        throw invalid(where, "one of \"" + String.join("\", \"", values) + "\"", value);
      }
    });
  }

  /** A list of non-empty strings. */
  public ConfigSchema strings(String path) {
    return field(path, (value, where) -> {
      JsonArray list = list(value, where, "a list of strings");
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof String s) || s.isBlank()) {
          throw invalid(where + "[" + i + "]", "a non-empty string", list.getValue(i));
        }
      }
    });
  }

  /** A list of integers from {@code min} to {@code max}. */
  public ConfigSchema integers(String path, long min, long max) {
    return field(path, (value, where) -> {
      JsonArray list = list(value, where, "a list of integers");
      for (int i = 0; i < list.size(); i++) {
        Object item = list.getValue(i);
        if (!(item instanceof Integer || item instanceof Long) || ((Number) item).longValue() < min
            || ((Number) item).longValue() > max) {
          throw invalid(where + "[" + i + "]", "an integer from " + min + " to " + max, item);
        }
      }
    });
  }

  /** A JSON object (its fields checked elsewhere, or free). */
  public ConfigSchema object(String path) {
    return field(path, (value, where) -> {
      if (!(value instanceof JsonObject)) {
        throw invalid(where, "a JSON object", value);
      }
    });
  }

  /** A list of objects, each checked against {@code item} (whose paths are relative to the item). */
  public ConfigSchema list(String path, ConfigSchema item) {
    return field(path, (value, where) -> {
      JsonArray list = list(value, where, "a list of objects");
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof JsonObject object)) {
          throw invalid(where + "[" + i + "]", "a JSON object", list.getValue(i));
        }
        item.check(object, where + "[" + i + "].");
      }
    });
  }

  /**
   * The whole configuration through a settings class's parser (its {@code from(conf)}), for
   * sections whose rules are more than types and ranges; its IllegalArgumentException names the field.
   */
  public ConfigSchema parsedBy(Consumer<JsonObject> parser) {
    checks.add((config, prefix) -> {
      try {
        parser.accept(config);
      } catch (Invalid e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new Invalid(e.getMessage());
      } catch (ClassCastException e) {
        throw new Invalid("a field has the wrong type (" + e.getMessage() + ")");
      }
    });
    return this;
  }

  /** Every check of {@code other} as well (a section several verticles read). */
  public ConfigSchema include(ConfigSchema other) {
    checks.addAll(other.checks);
    declared.addAll(other.declared);
    closed.addAll(other.closed);
    return this;
  }

  /** A field checked by a {@link #parsedBy} parser: declared here so a closed section knows it. */
  public ConfigSchema declare(String path) {
    declared.add(path);
    return this;
  }

  /**
   * Sections whose every field this schema declares: another field there is reported by
   * {@link #unknownFields} (a typo, most likely). The launcher warns about them; it does not refuse.
   */
  public ConfigSchema closed(String... sections) {
    closed.addAll(List.of(sections));
    return this;
  }

  /** The fields of the closed sections that no line of this schema declares, as paths. */
  public List<String> unknownFields(JsonObject config) {
    List<String> unknown = new ArrayList<>();
    for (String section : closed) {
      Object value = config;
      for (String part : section.split("\\.")) {
        value = value instanceof JsonObject object ? object.getValue(part) : null;
      }
      if (value instanceof JsonObject fields) {
        for (String name : fields.fieldNames()) {
          String path = section + "." + name;
          if (!declared.contains(path) && declared.stream().noneMatch(d -> d.startsWith(path + "."))) {
            unknown.add(path);
          }
        }
      }
    }
    return unknown;
  }

  /** Throws {@link Invalid} for the first field that is not what it must be. */
  public void check(JsonObject config) {
    check(config, "");
  }

  private void check(JsonObject config, String prefix) {
    for (Check c : checks) {
      c.check(config, prefix);
    }
  }

  private interface ValueCheck {
    void check(Object value, String where);
  }

  private ConfigSchema field(String path, ValueCheck check) {
    declared.add(path);
    String[] parts = path.split("\\.");
    checks.add((config, prefix) -> {
      Object current = config;
      for (int i = 0; i < parts.length; i++) {
        if (!(current instanceof JsonObject object)) {
          throw invalid(prefix + String.join(".", java.util.Arrays.copyOf(parts, i)), "a JSON object", current);
        }
        current = object.getValue(parts[i]);
        if (current == null) {
          return; // absent: the default applies
        }
      }
      check.check(current, prefix + path);
    });
    return this;
  }

  private static JsonArray list(Object value, String where, String what) {
    if (!(value instanceof JsonArray list)) {
      throw invalid(where, what, value);
    }
    return list;
  }

  private static Invalid invalid(String where, String expected, Object value) {
    String shown = value instanceof String s ? "\"" + s + "\"" : value instanceof JsonObject ? "an object"
        : value instanceof JsonArray ? "a list" : String.valueOf(value);
    return new Invalid("field \"" + where + "\": must be " + expected + ", not " + shown);
  }
}
