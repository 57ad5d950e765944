package io.switchboard.launch;

import io.switchboard.gateway.security.Security;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Checks the fields every node reads, so a typo stops start-up with the file and the field named. */
final class ConfValidator {

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
    for (String section : new String[] {"postgres", "rabbitmq", "redis"}) {
      Object uri = conf.getJsonObject(section, new JsonObject()).getValue("uri");
      if (uri != null && !(uri instanceof String)) {
        throw VerticleDescriptor.error(source, section + ".uri", "must be a string or null");
      }
    }
  }

  /**
   * Secure by default: without credentials the hub serves only this machine. Binding anything
   * else without them refuses to start, saying what to set.
   */
  static void requireCredentialsBeyondLoopback(JsonObject conf) {
    String host = conf.getJsonObject("http").getString("host");
    if (!isLoopback(host) && !Security.credentialsConfigured(conf)) {
      throw new LaunchException("http.host is " + host + ", which is reachable from other machines, and no credentials "
          + "are configured: set auth.api_keys (java -jar switchboard.jar keygen prints an entry) or auth.jwt "
          + "(SWITCHBOARD_JWT_SECRET), or bind 127.0.0.1 (SWITCHBOARD_HTTP_HOST)");
    }
    JsonObject tls = conf.getJsonObject("tls", new JsonObject());
    if ((tls.getString("cert_path") == null) != (tls.getString("key_path") == null)) {
      throw new LaunchException("tls: set both cert_path and key_path (PEM files), or neither");
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new LaunchException("http.host " + host + " does not resolve");
    }
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
