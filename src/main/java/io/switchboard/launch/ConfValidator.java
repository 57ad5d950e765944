package io.switchboard.launch;

import io.vertx.core.json.JsonObject;

/** Checks the fields every node reads, so a typo stops start-up with the file and the field named. */
final class ConfValidator {

  private ConfValidator() {}

  static void validate(String source, JsonObject conf) {
    for (String section : new String[] {"node", "http", "sse", "topics", "postgres", "rabbitmq", "redis", "webhooks", "cluster"}) {
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
    for (String section : new String[] {"postgres", "rabbitmq", "redis"}) {
      Object uri = conf.getJsonObject(section, new JsonObject()).getValue("uri");
      if (uri != null && !(uri instanceof String)) {
        throw VerticleDescriptor.error(source, section + ".uri", "must be a string or null");
      }
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
