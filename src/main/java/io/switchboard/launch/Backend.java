package io.switchboard.launch;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** The outside service a verticle depends on, and how the configuration names it. */
public enum Backend {
  NONE,
  /** The event store's database: PostgreSQL when configured, else the embedded H2 file. */
  STORE,
  POSTGRES,
  RABBITMQ,
  REDIS;

  static Backend of(Object value) {
    try {
      return valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be one of none, store, postgres, rabbitmq, redis");
    }
  }

  /** The name used in readiness checks and logs. */
  public String checkName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isConfigured(JsonObject conf) {
    return switch (this) {
      case NONE, STORE -> true;
      case POSTGRES -> uri(conf, "postgres") != null;
      case RABBITMQ -> uri(conf, "rabbitmq") != null;
      case REDIS -> uri(conf, "redis") != null;
    };
  }

  /** A one-line description for the deployment log, never with credentials. */
  public String describe(JsonObject conf) {
    return switch (this) {
      case NONE -> "none";
      case STORE -> uri(conf, "postgres") != null
          ? "postgresql " + redact(uri(conf, "postgres"))
          : "h2 " + Path.of(conf.getString("data_dir", "./data")).toAbsolutePath().normalize();
      case POSTGRES -> "postgresql " + redact(uri(conf, "postgres"));
      case RABBITMQ -> "rabbitmq " + redact(uri(conf, "rabbitmq"));
      case REDIS -> "redis " + redact(uri(conf, "redis"));
    };
  }

  static String uri(JsonObject conf, String section) {
    JsonObject s = conf.getJsonObject(section);
    String uri = s == null ? null : s.getString("uri");
    return uri == null || uri.isBlank() ? null : uri;
  }

  /** Drops the password from a URI so it can be logged. */
  public static String redact(String uri) {
    try {
      URI parsed = URI.create(uri);
      String userInfo = parsed.getRawUserInfo();
      if (userInfo == null) {
        return uri;
      }
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon) + ":***";
      return uri.replace(userInfo + "@", user + "@");
    } catch (IllegalArgumentException e) {
      return "(unparseable URI)";
    }
  }
}
