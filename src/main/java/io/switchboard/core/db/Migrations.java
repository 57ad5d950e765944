package io.switchboard.core.db;

import io.switchboard.core.ClasspathFolder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small migration runner: each module keeps numbered SQL scripts on the classpath,
 * {@code db/<module>/V1__create_events.sql}, {@code V2__…}, applied once each, in order, at start.
 *
 * <p>One history table per schema, {@code schema_history}, keyed by (module, version), records
 * what was applied with a checksum; a script changed after it was applied stops start-up (write a
 * new version instead). Scripts are statements separated by {@code ;} at the end of a line, with
 * the column types {@code ${json}} and {@code ${text}} filled in per {@link Dialect}.
 *
 * <p>On PostgreSQL a module's pending scripts run in one transaction under an advisory lock, so
 * nodes starting together apply each script once and a failing script leaves nothing behind. H2
 * is embedded in one process (a JVM-wide lock suffices) and commits each DDL statement by itself.
 */
public final class Migrations {

  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  private static final Pattern FILE = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");
  private static final String LOCAL_LOCK = "switchboard.db.migrations";

  private static final String HISTORY = "CREATE TABLE IF NOT EXISTS schema_history ("
      + "module VARCHAR(100) NOT NULL, version INTEGER NOT NULL, description VARCHAR(200) NOT NULL, "
      + "checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL, PRIMARY KEY (module, version))";

  record Script(int version, String description, String resource, String text, String checksum) {}

  private Migrations() {}

  /** Applies the pending scripts of {@code module}; the future holds how many were applied. */
  static Future<Integer> apply(Vertx vertx, Database db, String module) {
    List<Script> scripts;
    try {
      scripts = scripts(module);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    return vertx.sharedData().getLocalLockWithTimeout(LOCAL_LOCK, 120_000)
        .compose(lock -> db.pool().getConnection()
            .compose(conn -> applyOn(conn, db, module, scripts).eventually(conn::close))
            .eventually(() -> {
              lock.release();
              return Future.succeededFuture();
            }));
  }

  private static Future<Integer> applyOn(SqlConnection conn, Database db, String module, List<Script> scripts) {
    Dialect dialect = db.dialect();
    boolean transactional = dialect == Dialect.POSTGRES;
    Future<?> prepared = transactional ? conn.begin() : Future.succeededFuture();
    Future<Integer> applied = prepared
        .compose(v -> run(conn, dialect.migrationLock()))
        .compose(v -> run(conn, transactional ? "CREATE SCHEMA IF NOT EXISTS " + db.schema() : null))
        .compose(v -> run(conn, HISTORY))
        .compose(v -> conn.preparedQuery(db.sql("SELECT version, checksum FROM schema_history WHERE module = $1"))
            .execute(Tuple.of(module)))
        .compose(rows -> {
          Map<Integer, String> done = new HashMap<>();
          for (Row row : rows) {
            done.put(row.getInteger(0), row.getString(1));
          }
          Future<Integer> chain = Future.succeededFuture(0);
          for (Script script : scripts) {
            String checksum = done.get(script.version());
            if (checksum != null) {
              if (!checksum.equals(script.checksum())) {
                return Future.failedFuture(new IllegalStateException(script.resource()
                    + " was changed after it was applied to this database; add a new version instead"));
              }
              continue;
            }
            chain = chain.compose(n -> applyScript(conn, db, module, script).map(n + 1));
          }
          return chain;
        });
    if (!transactional) {
      return applied;
    }
    return applied
        .compose(n -> conn.transaction().commit().map(n))
        .recover(e -> conn.transaction() == null ? Future.failedFuture(e)
            : conn.transaction().rollback().transform(ignored -> Future.failedFuture(e)));
  }

  private static Future<Void> applyScript(SqlConnection conn, Database db, String module, Script script) {
    Future<Void> chain = Future.succeededFuture();
    for (String statement : statements(db.dialect().migration(script.text()))) {
      chain = chain.compose(v -> conn.query(statement).execute().<Void>mapEmpty()
          .recover(e -> Future.failedFuture(new IllegalStateException(
              script.resource() + " failed: " + e.getMessage() + " in: " + statement, e))));
    }
    return chain
        .compose(v -> conn.preparedQuery(db.sql("INSERT INTO schema_history (module, version, description, checksum, applied_at) "
                + "VALUES ($1, $2, $3, $4, $5)"))
            .execute(Tuple.of(module, script.version(), script.description(), script.checksum(), Instant.now().toString())))
        .onSuccess(v -> log.info("applied migration {} to {}", script.resource(), db.describe()))
        .mapEmpty();
  }

  private static Future<Void> run(SqlConnection conn, String sql) {
    return sql == null ? Future.succeededFuture() : conn.query(sql).execute().mapEmpty();
  }

  /** Statements of a script: separated by ';' at the end of a line; '--' comment lines dropped. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      if (trimmed.endsWith(";")) {
        current.append(trimmed, 0, trimmed.length() - 1);
        out.add(current.toString().strip());
        current.setLength(0);
      } else {
        current.append(trimmed).append('\n');
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }

  /** The module's scripts in version order, read from the classpath (a directory or the jar). */
  static List<Script> scripts(String module) {
    String folder = "db/" + module;
    TreeMap<Integer, Script> byVersion = new TreeMap<>();
    try {
      List<Path> files = ClasspathFolder.list(folder);
      if (files == null) {
        throw new IllegalStateException("no migrations for module '" + module + "': " + folder + " is not on the classpath");
      }
      for (Path file : files) {
        String name = file.getFileName().toString();
        Matcher m = FILE.matcher(name);
        if (!m.matches()) {
          throw new IllegalStateException(folder + "/" + name + ": migration files are named V<n>__<what>.sql");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Script script = new Script(Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), folder + "/" + name,
            text, sha256(text));
        if (byVersion.put(script.version(), script) != null) {
          throw new IllegalStateException(folder + ": two migrations with version " + script.version());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + folder + ": " + e.getMessage(), e);
    }
    return List.copyOf(byVersion.values());
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
