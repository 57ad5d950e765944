package io.switchboard.core.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL session advisory locks held on one dedicated connection: when the connection or the
 * node holding it dies, the server releases them, and a projector elsewhere takes over. The
 * connection is checked on every {@link #check}; once it fails, every lock counts as lost.
 */
public final class PostgresRunnerLocks implements RunnerLocks {

  private static final Logger log = LoggerFactory.getLogger(PostgresRunnerLocks.class);

  private final Database db;
  private final String schema;
  private final String kind;
  private final Runnable onLost;
  private final Set<String> held = new HashSet<>();
  private SqlConnection connection;
  private Future<SqlConnection> connecting;

  /**
   * @param db     a pool of one connection, used for nothing else
   * @param schema the hub's schema: names of another schema do not compete
   * @param kind   what is locked (name, group)
   * @param onLost told when the locks held were lost
   */
  PostgresRunnerLocks(Database db, String schema, String kind, Runnable onLost) {
    this.db = db;
    this.schema = schema;
    this.kind = kind;
    this.onLost = onLost;
  }

  @Override
  public Future<Boolean> tryLock(String name) {
    if (held.contains(name)) {
      return Future.succeededFuture(true);
    }
    return connection().compose(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1)").execute(Tuple.of(key(name))))
        .map(rows -> {
          boolean taken = rows.iterator().next().getBoolean(0);
          if (taken) {
            held.add(name);
          }
          return taken;
        })
        .recover(e -> {
          log.debug("cannot take the lock of {} {}: {}", kind, name, e.getMessage());
          lost(e);
          return Future.succeededFuture(false);
        });
  }

  @Override
  public Future<Void> unlock(String name) {
    if (!held.remove(name) || connection == null) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key(name)))
        .<Void>mapEmpty()
        .recover(e -> {
          lost(e);
          return Future.succeededFuture();
        });
  }

  @Override
  public Future<Void> check() {
    if (connection == null) {
      return Future.succeededFuture();
    }
    return connection.query("SELECT 1").execute().<Void>mapEmpty().recover(e -> {
      lost(e);
      return Future.failedFuture(e);
    });
  }

  @Override
  public Future<Void> close() {
    held.clear();
    SqlConnection conn = connection;
    connection = null;
    // Closing the pool closes the session, and the server releases every lock it held.
    Future<Void> returned = conn == null ? Future.succeededFuture() : conn.close();
    return returned.eventually(db::close);
  }

  private Future<SqlConnection> connection() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    if (connecting == null) {
      connecting = db.pool().getConnection()
          .onSuccess(conn -> {
            connection = conn;
            conn.closeHandler(v -> {
              if (connection == conn) {
                lost(new IllegalStateException("the lock connection closed"));
              }
            });
          })
          .onComplete(ar -> connecting = null);
    }
    return connecting;
  }

  /** The session is gone or unusable: its locks with it. */
  private void lost(Throwable cause) {
    SqlConnection gone = connection;
    connection = null;
    if (gone != null) {
      // If the session is in fact alive, it must not go back to the pool holding locks.
      gone.query("SELECT pg_advisory_unlock_all()").execute().eventually(gone::close);
    }
    if (!held.isEmpty()) {
      log.warn("lost the {} locks ({}): {}", kind, String.join(", ", held), cause.getMessage());
      held.clear();
      onLost.run();
    }
  }

  /** A 64-bit advisory lock key for the name of that kind within the schema. */
  public static long key(String kind, String name, String schema) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("switchboard." + kind + ":" + schema + ":" + name).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private long key(String name) {
    return key(kind, name, schema);
  }
}
