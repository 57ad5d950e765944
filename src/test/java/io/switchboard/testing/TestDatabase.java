package io.switchboard.testing;

import io.switchboard.core.db.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The hub's database for one test run: PostgreSQL in a schema of its own (dropped by {@link
 * #close()}), or H2 in a temporary data directory (deleted by {@link #close()}).
 */
public final class TestDatabase implements AutoCloseable {

  public enum Kind { POSTGRES, H2 }

  public final Kind kind;
  /** The conf fields to merge into a hub's overrides. */
  public final JsonObject conf;
  private final String schema;
  private final Path dataDir;

  private TestDatabase(Kind kind, JsonObject conf, String schema, Path dataDir) {
    this.kind = kind;
    this.conf = conf;
    this.schema = schema;
    this.dataDir = dataDir;
  }

  public static TestDatabase create(Kind kind) {
    try {
      Path dataDir = Files.createTempDirectory("switchboard-test");
      String schema = Services.unique("sbtest").toLowerCase();
      JsonObject conf = new JsonObject().put("data_dir", dataDir.toString());
      if (kind == Kind.POSTGRES) {
        Services.require(Services.Service.POSTGRES);
        conf.put("postgres", new JsonObject().put("uri", Services.POSTGRES_URI).put("schema", schema));
      }
      return new TestDatabase(kind, conf, schema, dataDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A pool of its own onto the same database (the test's view, beside the hub's). */
  public Database open(Vertx vertx, JsonObject hubConf) {
    return Database.open(vertx, hubConf, "test");
  }

  @Override
  public void close() {
    if (kind == Kind.POSTGRES) {
      Vertx vertx = Vertx.vertx();
      try {
        Database db = Database.open(vertx, new JsonObject().put("postgres",
            new JsonObject().put("uri", Services.POSTGRES_URI).put("schema", "public")), "test-cleanup");
        TestHub.await(db.pool().query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute());
        TestHub.await(db.close());
      } finally {
        TestHub.await(vertx.close());
      }
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException ignored) {
      // a temporary directory; the OS cleans up what is left
    }
  }
}
