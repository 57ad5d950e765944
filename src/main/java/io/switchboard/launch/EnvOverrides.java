package io.switchboard.launch;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** The environment variables operators script against (API.md), each overriding one conf field. */
final class EnvOverrides {

  private enum Kind { STRING, PORT, BOOLEAN, LIST }

  private record Override(String path, Kind kind) {}

  private static final Map<String, Override> VARIABLES = new LinkedHashMap<>();

  static {
    VARIABLES.put("SWITCHBOARD_HTTP_HOST", new Override("http.host", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_HTTP_PORT", new Override("http.port", Kind.PORT));
    VARIABLES.put("SWITCHBOARD_DATA_DIR", new Override("data_dir", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_PG_URI", new Override("postgres.uri", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_RABBITMQ_URI", new Override("rabbitmq.uri", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_REDIS_URI", new Override("redis.uri", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE", new Override("webhooks.allow_private", Kind.BOOLEAN));
    VARIABLES.put("SWITCHBOARD_WEBHOOKS_ALLOW_HTTP", new Override("webhooks.allow_http", Kind.BOOLEAN));
    VARIABLES.put("SWITCHBOARD_CLUSTER_MEMBERS", new Override("cluster.members", Kind.LIST));
    VARIABLES.put("SWITCHBOARD_CLUSTER_PORT", new Override("cluster.port", Kind.PORT));
    VARIABLES.put("SWITCHBOARD_CLUSTER_NAME", new Override("cluster.name", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_TCP_BRIDGE_PORT", new Override("tcp_bridge.port", Kind.PORT));
    VARIABLES.put("SWITCHBOARD_NODE_ID", new Override("node.id", Kind.STRING));
    VARIABLES.put("SWITCHBOARD_JWT_SECRET", new Override("auth.jwt.hs256_secret", Kind.STRING));
  }

  private EnvOverrides() {}

  static void apply(Map<String, String> env, JsonObject conf) {
    VARIABLES.forEach((variable, override) -> {
      String raw = env.get(variable);
      if (raw == null || raw.isBlank()) {
        return;
      }
      Object value = switch (override.kind) {
        case STRING -> raw.trim();
        case PORT -> port(variable, raw.trim());
        case BOOLEAN -> bool(variable, raw.trim());
        case LIST -> HubSettings.list(raw);
      };
      set(conf, override.path, value);
    });
  }

  private static int port(String variable, String raw) {
    try {
      int port = Integer.parseInt(raw);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new LaunchException(variable + ": must be a port number (0-65535), not '" + raw + "'");
  }

  private static boolean bool(String variable, String raw) {
    return switch (raw.toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new LaunchException(variable + ": must be true or false, not '" + raw + "'");
    };
  }

  private static void set(JsonObject conf, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject node = conf;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }
}
