package io.switchboard.launch;

import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * One file of verticles/: which class to deploy, how many instances, whether it runs, its config.
 *
 * <pre>{"main": "io.switchboard.gateway.GatewayVerticle", "instances": 2, "enabled": true,
 *  "backend": "none", "order": 20, "config": {}}</pre>
 *
 * {@code enabled} is true, false or "auto": deploy when its backend is configured and the conf
 * field named by {@code requires} (e.g. {@code "tcp_bridge.port"}) is set. {@code own_event_loop}
 * (default false): the verticles deployed after it keep off its event loop while there are loops
 * enough for them (see {@link EventLoopReservations}).
 */
public record VerticleDescriptor(String name, String source, Class<? extends Deployable> mainClass, int instances,
                                 Enabled enabled, Backend backend, String requires, int order, JsonObject config,
                                 boolean ownEventLoop) {

  public enum Enabled { TRUE, FALSE, AUTO }

  private static final Set<String> FIELDS = Set.of("main", "instances", "enabled", "backend", "requires", "order", "config", "description",
      "own_event_loop");

  /** Reads a descriptor; every mistake is reported with the file and the field. */
  public static VerticleDescriptor parse(String name, String source, JsonObject json) {
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw error(source, field, "unknown field (expected one of " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
      }
    }
    Object main = json.getValue("main");
    if (!(main instanceof String className) || className.isBlank()) {
      throw error(source, "main", "must name the verticle class");
    }
    Class<? extends Deployable> mainClass = loadClass(source, className);
    int instances = intField(json, source, "instances", 1);
    if (instances < 1 || instances > 1024) {
      throw error(source, "instances", "must be between 1 and 1024, not " + instances);
    }
    Enabled enabled = switch (String.valueOf(json.getValue("enabled", true))) {
      case "true" -> Enabled.TRUE;
      case "false" -> Enabled.FALSE;
      case "auto" -> Enabled.AUTO;
      default -> throw error(source, "enabled", "must be true, false or \"auto\"");
    };
    Backend backend;
    try {
      backend = Backend.of(json.getValue("backend", "none"));
    } catch (IllegalArgumentException e) {
      throw error(source, "backend", e.getMessage());
    }
    Object requires = json.getValue("requires");
    if (requires != null && !(requires instanceof String)) {
      throw error(source, "requires", "must name a conf field, such as \"tcp_bridge.port\"");
    }
    if (enabled == Enabled.AUTO && backend == Backend.NONE && requires == null) {
      throw error(source, "enabled", "\"auto\" needs a backend or a required conf field to decide on");
    }
    int order = intField(json, source, "order", 100);
    Object config = json.getValue("config", new JsonObject());
    if (!(config instanceof JsonObject configObject)) {
      throw error(source, "config", "must be a JSON object");
    }
    if (!(json.getValue("own_event_loop", false) instanceof Boolean ownEventLoop)) {
      throw error(source, "own_event_loop", "must be true or false");
    }
    return new VerticleDescriptor(name, source, mainClass, instances, enabled, backend, (String) requires, order, configObject,
        ownEventLoop);
  }

  public VerticleDescriptor withInstances(int count) {
    return new VerticleDescriptor(name, source, mainClass, count, enabled, backend, requires, order, config, ownEventLoop);
  }

  /** The configuration this verticle receives: its {@code config} merged over the global one. */
  public JsonObject configFor(JsonObject conf) {
    return conf.copy().mergeIn(config, true);
  }

  /** Whether this verticle runs with the given configuration. */
  public boolean enabledWith(JsonObject conf) {
    return switch (enabled) {
      case TRUE -> true;
      case FALSE -> false;
      case AUTO -> backend.isConfigured(conf) && (requires == null || valueAt(conf, requires) != null);
    };
  }

  private static Object valueAt(JsonObject conf, String path) {
    Object value = conf;
    for (String part : path.split("\\.")) {
      value = value instanceof JsonObject object ? object.getValue(part) : null;
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends Deployable> loadClass(String source, String className) {
    Class<?> type;
    try {
      type = Class.forName(className, false, VerticleDescriptor.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw error(source, "main", "class " + className + " not found");
    }
    if (!Deployable.class.isAssignableFrom(type)) {
      throw error(source, "main", className + " is not a verticle");
    }
    return (Class<? extends Deployable>) type;
  }

  private static int intField(JsonObject json, String source, String field, int fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).intValue();
    }
    throw error(source, field, "must be an integer");
  }

  static LaunchException error(String source, String field, String message) {
    return new LaunchException(source + ": field \"" + field + "\": " + message);
  }
}
