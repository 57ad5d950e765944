package io.switchboard.core.db;

import io.vertx.core.VertxException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything that differs between the hub's two databases, in one place: the hub's SQL is written
 * once, in PostgreSQL's form, and this turns it into what each driver takes.
 *
 * <ul>
 *   <li>parameters: SQL is written with {@code $1, $2 …} (the PostgreSQL client's form); JDBC (H2)
 *       takes {@code ?}, so there each {@code $n} must appear once and in order;</li>
 *   <li>JSON: PostgreSQL stores {@code JSONB} and its client binds and returns JSON values; H2 keeps
 *       JSON as text, encoded and decoded here;</li>
 *   <li>migrations: the column types {@code ${json}} and {@code ${text}}, and how concurrent starts are
 *       serialised (a PostgreSQL advisory lock; H2 is embedded in one process);</li>
 *   <li>errors: both report SQL states ({@code 23505} unique violation); which failures mean "the
 *       database is unreachable".</li>
 * </ul>
 */
public enum Dialect {
  POSTGRES(Map.of("json", "JSONB", "text", "TEXT")),
  H2(Map.of("json", "CHARACTER VARYING", "text", "CHARACTER VARYING"));

  public static final String UNIQUE_VIOLATION = "23505";

  private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("\\$\\{([a-z]+)}");

  private final Map<String, String> types;

  Dialect(Map<String, String> types) {
    this.types = types;
  }

  /** The statement as this dialect's driver takes it (translate once, keep the result). */
  public String sql(String sql) {
    if (this == POSTGRES) {
      return sql;
    }
    Matcher m = PARAMETER.matcher(sql);
    StringBuilder out = new StringBuilder(sql.length());
    int expected = 1;
    while (m.find()) {
      if (Integer.parseInt(m.group(1)) != expected++) {
        throw new IllegalArgumentException("for JDBC each $n must appear once, in order: " + sql);
      }
      m.appendReplacement(out, "?");
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A migration script with its {@code ${json}} / {@code ${text}} column types filled in. */
  public String migration(String script) {
    Matcher m = TOKEN.matcher(script);
    StringBuilder out = new StringBuilder(script.length());
    while (m.find()) {
      String type = types.get(m.group(1));
      if (type == null) {
        throw new IllegalArgumentException("unknown type token ${" + m.group(1) + "}");
      }
      m.appendReplacement(out, type);
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A JSON value (object, array, string, number, boolean or null) as a statement parameter. */
  public Object json(Object value) {
    if (value == null) {
      return null;
    }
    return this == POSTGRES ? value : Json.encode(value);
  }

  /** A JSON array column as read back (an empty array for anything else). */
  public JsonArray jsonArray(Object column) {
    Object value = jsonValue(column);
    return value instanceof JsonArray array ? array : new JsonArray();
  }

  /** A JSON column's value as read back: JsonObject, JsonArray, String, Number, Boolean or null. */
  public Object jsonValue(Object column) {
    if (column == null || column == Tuple.JSON_NULL) {
      return null;
    }
    if (this == H2 && column instanceof String text) {
      return text.isEmpty() ? null : Json.decodeValue(text);
    }
    return column;
  }

  /** A JSON column read back as an object (an empty one when null). */
  public JsonObject jsonObject(Object column) {
    Object value = jsonValue(column);
    return value instanceof JsonObject object ? object : new JsonObject();
  }

  /** SQL run once per migration transaction so concurrent starts apply each script once, or null. */
  String migrationLock() {
    return this == POSTGRES ? "SELECT pg_advisory_xact_lock(7362290846175131)" : null;
  }

  /** The SQL state a failure carries (unwrapping causes), or null when it is not a database error. */
  public static String sqlState(Throwable failure) {
    Throwable sql = sqlFailure(failure);
    return sql instanceof DatabaseException db ? db.getSqlState() : sql instanceof SQLException jdbc ? jdbc.getSQLState() : null;
  }

  /** The first SQL failure in the chain (the reactive clients' or JDBC's), or null. */
  private static Throwable sqlFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DatabaseException || t instanceof SQLException) {
        return t;
      }
    }
    return null;
  }

  private static final int H2_GENERAL_ERROR = 50000;

  /** The database's own error code of the first SQL failure in the chain, or 0. */
  private static int vendorCode(Throwable failure) {
    Throwable sql = sqlFailure(failure);
    return sql instanceof DatabaseException db ? db.getErrorCode() : sql instanceof SQLException jdbc ? jdbc.getErrorCode() : 0;
  }

  public static boolean isUniqueViolation(Throwable failure) {
    return UNIQUE_VIOLATION.equals(sqlState(failure));
  }

  /**
   * Whether the failure means the database cannot be reached or used right now (a refused or lost
   * connection, a pool or network timeout, a server shutting down or out of connections), rather
   * than a statement the database refused.
   */
  public static boolean isUnavailable(Throwable failure) {
    String state = sqlState(failure);
    if (state != null) {
      // 08 connection exception, 57 operator intervention (shutdown, terminated), 53 insufficient
      // resources (too many connections), HYT00 timeout; H2: 90067 connection broken, 90098 closed,
      // and its general error (code 50000, state HY000), which a statement raises when it runs on
      // into a session killed under it (an NPE on the session's user, MVStore's "Transaction is
      // closed"): the session is gone, so the pool is renewed as for 90067.
      return state.startsWith("08") || state.startsWith("57") || state.startsWith("53") || state.equals("HYT00")
          || state.equals("90067") || state.equals("90098") || state.equals("90121")
          || state.equals("HY000") && vendorCode(failure) == H2_GENERAL_ERROR;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof TimeoutException || t instanceof VertxException) {
        return true;
      }
    }
    return false;
  }
}
