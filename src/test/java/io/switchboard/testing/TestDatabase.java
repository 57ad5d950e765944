package io.switchboard.testing;

import io.switchboard.core.db.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The hub's database for one test run: PostgreSQL in a schema of its own (dropped by {@link
 * #close()}), or H2 in the hub's temporary data directory (which {@link TestHub} removes).
 */
public final class TestDatabase implements AutoCloseable {

  public enum Kind { POSTGRES, H2 }

  public final Kind kind;
  /** The conf fields to merge into a hub's overrides. */
  public final JsonObject conf;
  private final String schema;

  private TestDatabase(Kind kind, JsonObject conf, String schema) {
    this.kind = kind;
    this.conf = conf;
    this.schema = schema;
  }

  public static TestDatabase create(Kind kind) {
    String schema = Services.unique("sbtest").toLowerCase();
    JsonObject conf = new JsonObject();
    if (kind == Kind.POSTGRES) {
      Services.require(Services.Service.POSTGRES);
      conf.put("postgres", new JsonObject().put("uri", Services.POSTGRES_URI).put("schema", schema));
    }
    return new TestDatabase(kind, conf, schema);
  }

  /** A pool of the test's own onto the hub's database (same conf), beside the hub's. */
  public Database open(Vertx vertx, JsonObject hubConf) {
    return Database.open(vertx, hubConf, "test");
  }

  @Override
  public void close() {
    if (kind != Kind.POSTGRES) {
      return;
    }
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
}
