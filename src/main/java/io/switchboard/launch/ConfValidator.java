package io.switchboard.launch;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.Listening;
import io.switchboard.core.PublicBind;
import io.switchboard.gateway.security.Security;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Checks the fields every node reads, so a typo stops start-up with the file and the field named. */
final class ConfValidator {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConfValidator.class);

  private ConfValidator() {}

  static void validate(String source, JsonObject conf) {
    for (String section : new String[] {"node", "http", "sse", "ws", "bridge", "tcp_bridge", "topics", "auth", "limits", "tls",
        "postgres", "rabbitmq", "redis", "webhooks", "cluster"}) {
      Object value = conf.getValue(section);
      if (value != null && !(value instanceof JsonObject)) {
        throw VerticleDescriptor.error(source, section, "must be a JSON object");
      }
    }
    JsonObject http = conf.getJsonObject("http", new JsonObject());
    requireString(source, "http.host", http.getValue("host"));
    requireInt(source, "http.port", http.getValue("port"), 0, 65535);
    requireInt(source, "http.body_limit", http.getValue("body_limit"), 1, Integer.MAX_VALUE);
    requireString(source, "data_dir", conf.getValue("data_dir"));
    try {
      Security.validate(conf);
    } catch (IllegalArgumentException e) {
      throw new LaunchException(source + ": " + e.getMessage());
    }
    ClusterSettings.validate(conf);
    for (String section : new String[] {"postgres", "rabbitmq", "redis"}) {
      Object uri = conf.getJsonObject(section, new JsonObject()).getValue("uri");
      if (uri != null && !(uri instanceof String)) {
        throw VerticleDescriptor.error(source, section + ".uri", "must be a string or null");
      }
    }
  }

  static void requireTlsPair(JsonObject conf) {
    JsonObject tls = conf.getJsonObject("tls", new JsonObject());
    if ((tls.getString("cert_path") == null) != (tls.getString("key_path") == null)) {
      throw new LaunchException("tls: set both cert_path and key_path (PEM files), or neither");
    }
  }

  /**
   * Secure by default: every listener of every verticle that will run, on the configuration it will
   * receive (its descriptor's merged over the global one), through the public-bind rule, before
   * anything is deployed. A refusal names the verticle, its descriptor and the listener.
   */
  static void requirePublicBindRule(JsonObject conf, List<VerticleDescriptor> verticles) {
    java.util.Map<Integer, String> portOwners = new java.util.HashMap<>();
    for (VerticleDescriptor d : verticles) {
      if (!d.enabledWith(conf) || !Listening.class.isAssignableFrom(d.mainClass())) {
        continue;
      }
      JsonObject config = d.configFor(conf);
      try {
        Listening listening = (Listening) d.mainClass().getDeclaredConstructor().newInstance();
        for (Listening.Listener listener : listening.listeners(config)) {
          PublicBind.require(listener, config);
          requirePortOfItsOwn(portOwners, d, listener);
        }
      } catch (PublicBind.Refused refused) {
        throw new LaunchException(d.name() + " (" + d.source() + "): " + refused.getMessage());
      } catch (ReflectiveOperationException e) {
        throw new LaunchException(d.name() + " (" + d.source() + "): cannot ask " + d.mainClass().getName()
            + " for its listeners: " + e);
      }
    }
  }

  /**
   * Two different listeners on one port would not fail to bind: Vert.x shares a port between servers
   * of one process and hands each connection to one of them in turn, so HTTP clients would meet the
   * TCP bridge's framing half the time. Port 0 (any free port) never clashes.
   */
  private static void requirePortOfItsOwn(java.util.Map<Integer, String> owners, VerticleDescriptor d,
      Listening.Listener listener) {
    if (listener.port() == 0) {
      return;
    }
    String owner = listener.name() + " (" + d.name() + ")";
    String earlier = owners.putIfAbsent(listener.port(), owner);
    if (earlier != null && !earlier.startsWith(listener.name() + " (")) {
      throw new LaunchException(d.name() + " (" + d.source() + "): the " + listener.name() + " listener's port "
          + listener.port() + " is already the " + earlier + " listener's; give each listener a port of its own");
    }
  }

  /**
   * Every field of every verticle that will run, on the configuration it will receive (its
   * descriptor's merged over the global one), through that verticle's {@link Configured} schema,
   * before anything is deployed. A refusal names the configuration, the descriptor, the field's path
   * and what it must be.
   */
  static List<String> requireValidSettings(String confSource, JsonObject conf, List<VerticleDescriptor> verticles) {
    java.util.Set<String> warned = new java.util.LinkedHashSet<>();
    for (VerticleDescriptor d : verticles) {
      if (!d.enabledWith(conf) || !Configured.class.isAssignableFrom(d.mainClass())) {
        continue;
      }
      try {
        Configured configured = (Configured) d.mainClass().getDeclaredConstructor().newInstance();
        ConfigSchema schema = configured.configSchema();
        JsonObject config = d.configFor(conf);
        schema.check(config);
        for (String unknown : schema.unknownFields(config)) {
          if (warned.add(unknown)) {
            log.warn("{}: field \"{}\" is no setting of {} or any verticle reading that section: ignored (a typo?)",
                confSource, unknown, d.name());
          }
        }
      } catch (IllegalArgumentException e) {
        throw new LaunchException(confSource + " (for " + d.name() + ", " + d.source() + "): " + e.getMessage());
      } catch (ReflectiveOperationException e) {
        throw new LaunchException(d.name() + " (" + d.source() + "): cannot ask " + d.mainClass().getName()
            + " for its configuration schema: " + e);
      }
    }
    return List.copyOf(warned);
  }

  private static void requireString(String source, String field, Object value) {
    if (!(value instanceof String s) || s.isBlank()) {
      throw VerticleDescriptor.error(source, field, "must be a non-empty string");
    }
  }

  private static void requireInt(String source, String field, Object value, int min, int max) {
    if (!(value instanceof Integer i) || i < min || i > max) {
      throw VerticleDescriptor.error(source, field, "must be an integer from " + min + " to " + max);
    }
  }
}
