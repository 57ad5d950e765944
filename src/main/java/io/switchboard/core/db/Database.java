package io.switchboard.core.db;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The hub's database, opened from the configuration: PostgreSQL when {@code postgres.uri} is set,
 * else an embedded H2 file under {@code data_dir}. Each package that keeps tables (the event store,
 * the projector, the webhook outbox) opens its own {@code Database}, owns its migrations
 * ({@code db/<module>/V<n>__<what>.sql}, see {@link Migrations}) and writes its SQL once, in
 * PostgreSQL's form, passing it through {@link #sql(String)}, and reads columns by position (H2
 * reports column names in upper case).
 *
 * <p>Configuration: {@code postgres.uri}, {@code postgres.schema} (default {@code switchboard}: the
 * schema every table lives in, so a test run can use its own and drop it), {@code postgres.pool_size}
 * (8), {@code postgres.connect_timeout_ms} (5000), {@code data_dir} (./data).
 */
public final class Database {

  /** The postgres section every verticle with tables reads (ConfigSchema, checked before deploying). */
  public static final io.switchboard.core.ConfigSchema CONFIG_SCHEMA = io.switchboard.core.ConfigSchema.create()
      .string("postgres.schema").integer("postgres.pool_size", 1, Integer.MAX_VALUE)
      .integer("postgres.connect_timeout_ms", 1, Integer.MAX_VALUE).string("data_dir").string("postgres.uri")
      .closed("postgres");


  public static final String DEFAULT_SCHEMA = "switchboard";

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int H2_POOL_SIZE = 4;

  private final Vertx vertx;
  private final Supplier<Pool> opener;
  private volatile Pool pool;
  private final Dialect dialect;
  private final String schema;
  private final String description;

  private Database(Vertx vertx, Supplier<Pool> opener, Dialect dialect, String schema, String description) {
    this.vertx = vertx;
    this.opener = opener;
    this.pool = opener.get();
    this.dialect = dialect;
    this.schema = schema;
    this.description = description;
  }

  /**
   * Opens a pool; connections are made on first use, so this succeeds while PostgreSQL is down.
   *
   * @param user who opens it (e.g. {@code store}), shown as PostgreSQL's {@code application_name}
   * @throws IllegalArgumentException when the configuration is unusable (the message names the field)
   */
  public static Database open(Vertx vertx, JsonObject conf, String user) {
    JsonObject pg = conf.getJsonObject("postgres", new JsonObject());
    String schema = pg.getString("schema", DEFAULT_SCHEMA);
    if (schema == null || !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException("postgres.schema must be a lower-case SQL name ([a-z_][a-z0-9_]*, at most 63), not '" + schema + "'");
    }
    String node = conf.getJsonObject("node", new JsonObject()).getString("id", "switchboard");
    String uri = pg.getString("uri");
    if (uri != null && !uri.isBlank()) {
      return openPostgres(vertx, pg, uri, schema, "switchboard " + user + " " + node);
    }
    return openH2(vertx, conf.getString("data_dir", "./data"), schema);
  }

  private static Database openPostgres(Vertx vertx, JsonObject pg, String uri, String schema, String applicationName) {
    PgConnectOptions connect;
    try {
      connect = PgConnectOptions.fromUri(uri);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("postgres.uri is not a postgresql:// URI: " + e.getMessage());
    }
    // Unqualified table names resolve in the configured schema; the migrations create it.
    connect.addProperty("search_path", schema);
    // Every statement is named and kept per connection: an unnamed one costs a round trip to
    // prepare before it runs, and stalls the statements pipelined behind it. Each execution is
    // planned with its values, though: a cached generic plan made while a table was small (a scan
    // of the whole table) would stay while the table grows.
    connect.setCachePreparedStatements(true);
    connect.addProperty("plan_cache_mode", "force_custom_plan");
    // "already exists, skipping" notices of idempotent DDL are not news; the client logs each as a WARN
    connect.addProperty("client_min_messages", "warning");
    connect.addProperty("application_name", applicationName.length() > 63 ? applicationName.substring(0, 63) : applicationName);
    int connectTimeout = pg.getInteger("connect_timeout_ms", 5000);
    PoolOptions poolOptions = new PoolOptions().setMaxSize(pg.getInteger("pool_size", 8))
        .setConnectionTimeout(connectTimeout).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
    Supplier<Pool> opener = () -> PgBuilder.pool()
        .with(poolOptions)
        .with(new NetClientOptions().setConnectTimeout(connectTimeout))
        .connectingTo(connect)
        .using(vertx)
        .build();
    String where = connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
    return new Database(vertx, opener, Dialect.POSTGRES, schema, "PostgreSQL " + where + " (schema " + schema + ")");
  }

  private static Database openH2(Vertx vertx, String dataDir, String schema) {
    Path dir = Path.of(dataDir).toAbsolutePath().normalize();
    if (dir.toString().contains(";")) {
      throw new IllegalArgumentException("data_dir must not contain ';': " + dir);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("data_dir " + dir + " cannot be created: " + e.getMessage());
    }
    String file = dir.resolve("switchboard").toString();
    // DB_CLOSE_ON_EXIT=FALSE: the hub closes the pool itself on SIGTERM, after its verticles stopped.
    // WRITE_DELAY=0: a commit reaches the file before the append is acknowledged.
    String url = "jdbc:h2:file:" + file + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;LOCK_TIMEOUT=10000"
        + ";INIT=CREATE SCHEMA IF NOT EXISTS " + schema + "\\;SET SCHEMA " + schema;
    Supplier<Pool> opener = () -> JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url).setUser("sa").setPassword(""),
        new PoolOptions().setMaxSize(H2_POOL_SIZE));
    return new Database(vertx, opener, Dialect.H2, schema, "H2 " + file + ".mv.db");
  }

  /** The pool to run statements on (take it per call: it is replaced after a lost H2 session). */
  public Pool pool() {
    return pool;
  }

  public Dialect dialect() {
    return dialect;
  }

  public String schema() {
    return schema;
  }

  /** What it is and where, without credentials: for logs, readiness and error messages. */
  public String describe() {
    return description;
  }

  /** {@link Dialect#sql(String)} for this database. */
  public String sql(String sql) {
    return dialect.sql(sql);
  }

  /** Applies the module's pending migrations (see {@link Migrations}). */
  public Future<Integer> migrate(String module) {
    return Migrations.apply(vertx, this, module);
  }

  /**
   * Runs {@code work} in a transaction: committed when its future succeeds, rolled back when it
   * fails. Unlike {@code Pool.withTransaction}, BEGIN is not awaited: on PostgreSQL it travels in
   * the same round trip as the first statements (connection-level statements are pipelined).
   */
  /**
   * vertx-jdbc-client 5.0.7 leaves a pooled JDBC connection with auto-commit off after a commit or
   * rollback (JDBCTxOp sets it false in both cases), so the next plain statement on it would run in
   * a transaction nobody commits, hiding its writes and holding its locks. Turn it back on.
   */
  private Future<Void> restoreAutoCommit(SqlConnection conn) {
    if (dialect != Dialect.H2) {
      return Future.succeededFuture();
    }
    return conn.query("SET AUTOCOMMIT TRUE").execute().<Void>mapEmpty().otherwiseEmpty();
  }

  public <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
    return pool.getConnection().compose(conn -> {
      Future<Transaction> begun = conn.begin();
      Future<T> result;
      try {
        result = work.apply(conn);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      Future<T> done = result;
      return begun
          .compose(tx -> done.transform(ar -> ar.succeeded()
              ? tx.commit().map(ar.result())
              : tx.rollback().transform(ignored -> Future.<T>failedFuture(ar.cause()))))
          .eventually(() -> restoreAutoCommit(conn))
          .eventually(conn::close);
    });
  }

  /** Ends a transaction opened by {@link #inPipelinedTransaction}. */
  public interface Commit {
    /**
     * Commits once {@code lastStatements} (already issued) succeed; the future fails, and nothing is
     * committed, if any of them fails.
     */
    Future<Void> after(List<Future<?>> lastStatements);
  }

  /**
   * A read-then-write transaction that costs one round trip fewer on PostgreSQL: BEGIN travels with
   * the first statements, and COMMIT with the last ones, which {@code work} issues and passes to
   * {@link Commit#after}. (The Vert.x transaction API sends COMMIT only once every statement has
   * answered.) A statement that fails makes PostgreSQL turn that COMMIT into a rollback, and the
   * future fails with the statement's error. On H2 (JDBC) this is an ordinary transaction.
   * If {@code work} commits nothing, the transaction is ended when its future completes.
   */
  public <T> Future<T> inPipelinedTransaction(BiFunction<SqlConnection, Commit, Future<T>> work) {
    if (dialect != Dialect.POSTGRES) {
      return inTransaction(conn -> work.apply(conn, last -> Future.all(last).mapEmpty()));
    }
    return pool.getConnection().compose(conn -> {
      boolean[] ended = new boolean[1];
      Future<?> begun = conn.query("BEGIN").execute();
      Future<T> result;
      try {
        result = work.apply(conn, last -> {
          ended[0] = true;
          List<Future<?>> all = new ArrayList<>(last);
          all.add(conn.query("COMMIT").execute());
          return Future.all(all).mapEmpty();
        });
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      Future<T> done = result;
      return Future.all(begun, done)
          .compose(ok -> ended[0] ? Future.succeededFuture(done.result())
              : conn.query("COMMIT").execute().map(done.result()))
          // After a failure: end whatever is left of the transaction before the connection goes
          // back (PostgreSQL only warns when there is none).
          .recover(e -> conn.query("ROLLBACK").execute().transform(ignored -> Future.<T>failedFuture(
              done.failed() ? done.cause() : e)))
          .eventually(conn::close);
    });
  }

  /** A round trip to the database, for readiness checks. */
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  /**
   * The problem to answer for a failure: 503 naming the database when it cannot be reached (the
   * caller may retry), else 500. {@link Problem}s pass through.
   */
  public Problem problem(Throwable failure, String what) {
    if (failure instanceof Problem problem) {
      return problem;
    }
    if (Dialect.isUnavailable(failure)) {
      renewIfLost(failure);
      return new Problem(503, "database-unavailable", "Service unavailable",
          what + ": the database (" + description + ") is unavailable: " + reason(failure));
    }
    return Problem.internal(what + " failed in the database: " + reason(failure));
  }

  private static String reason(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message.lines().findFirst().orElse("");
  }

  /**
   * The PostgreSQL pool drops connections the server closed; the JDBC pool keeps handing out an H2
   * session that was aborted (or a database H2 closed after an interrupted write), so after such a
   * failure the whole pool is replaced and the next call opens the file again.
   */
  private synchronized void renewIfLost(Throwable failure) {
    if (dialect == Dialect.H2 && Dialect.sqlState(failure) != null) {
      Pool lost = pool;
      pool = opener.get();
      lost.close();
    }
  }

  public Future<Void> close() {
    return pool.close();
  }
}
