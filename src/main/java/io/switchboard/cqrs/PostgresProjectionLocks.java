package io.switchboard.cqrs;

import io.switchboard.core.db.Database;
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
public final class PostgresProjectionLocks implements ProjectionLocks {

  private static final Logger log = LoggerFactory.getLogger(PostgresProjectionLocks.class);

  private final Database db;
  private final String schema;
  private final Runnable onLost;
  private final Set<String> held = new HashSet<>();
  private SqlConnection connection;
  private Future<SqlConnection> connecting;

  /**
   * @param db     a pool of one connection, used for nothing else
   * @param schema the hub's schema: projections of another schema do not compete
   * @param onLost told when the locks held were lost
   */
  public PostgresProjectionLocks(Database db, String schema, Runnable onLost) {
    this.db = db;
    this.schema = schema;
    this.onLost = onLost;
  }

  @Override
  public Future<Boolean> tryLock(String projection) {
    if (held.contains(projection)) {
      return Future.succeededFuture(true);
    }
    return connection().compose(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1)").execute(Tuple.of(key(projection))))
        .map(rows -> {
          boolean taken = rows.iterator().next().getBoolean(0);
          if (taken) {
            held.add(projection);
          }
          return taken;
        })
        .recover(e -> {
          log.debug("cannot take the lock of projection {}: {}", projection, e.getMessage());
          lost(e);
          return Future.succeededFuture(false);
        });
  }

  @Override
  public Future<Void> unlock(String projection) {
    if (!held.remove(projection) || connection == null) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key(projection)))
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
      log.warn("lost the projection locks ({}): {}", String.join(", ", held), cause.getMessage());
      held.clear();
      onLost.run();
    }
  }

  /** A 64-bit advisory lock key for the projection within the schema. */
  static long key(String projection, String schema) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("switchboard.projection:" + schema + ":" + projection).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private long key(String projection) {
    return key(projection, schema);
  }
}
