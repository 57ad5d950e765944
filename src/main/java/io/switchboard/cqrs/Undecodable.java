package io.switchboard.cqrs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An event a projection cannot decode, saying what is wrong with it by field ("lacks `items`").
 * The runner adds the event's type and position, and follows the projection's {@code undecodable}
 * policy in {@code cqrs.undecodable}: stop there (the default) or skip the event and record it.
 * The helpers read a required field, or throw this.
 */
public final class Undecodable extends RuntimeException {

  public Undecodable(String problem) {
    super(problem, null, false, false);
  }

  public static JsonArray array(JsonObject data, String path, String field) {
    return data.getValue(field) instanceof JsonArray a ? a : fail(data, path, field, "a list");
  }

  public static JsonObject object(JsonObject data, String path, String field) {
    return data.getValue(field) instanceof JsonObject o ? o : fail(data, path, field, "an object");
  }

  public static String string(JsonObject data, String path, String field) {
    return data.getValue(field) instanceof String s ? s : fail(data, path, field, "a string");
  }

  public static Number number(JsonObject data, String path, String field) {
    return data.getValue(field) instanceof Number n ? n : fail(data, path, field, "a number");
  }

  /** Always throws: {@code lacks `path.field`} or {@code has `path.field` that is not <what>}. */
  private static <T> T fail(JsonObject data, String path, String field, String what) {
    String name = "`" + (path == null || path.isEmpty() ? "" : path + ".") + field + "`";
    throw new Undecodable(data.getValue(field) == null ? "lacks " + name : "has " + name + " that is not " + what);
  }
}
