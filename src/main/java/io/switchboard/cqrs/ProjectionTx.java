package io.switchboard.cqrs;

import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;

/**
 * The transaction a projection writes its read model in. SQL is written once in PostgreSQL's form
 * ({@code $1, $2 …}; on H2 each {@code $n} must appear once and in order, see {@link Dialect}) and
 * translated here; read columns by position. On PostgreSQL statements are pipelined: issuing
 * several before awaiting them costs one round trip, and they run in the order issued.
 */
public final class ProjectionTx {

  private final SqlConnection connection;
  private final Dialect dialect;
  private final Map<String, String> translated;

  ProjectionTx(SqlConnection connection, Dialect dialect, Map<String, String> translated) {
    this.connection = connection;
    this.dialect = dialect;
    this.translated = translated;
  }

  public Future<RowSet<Row>> execute(String sql, Tuple params) {
    return connection.preparedQuery(sql(sql)).execute(params);
  }

  /** One statement for each tuple (nothing for none). */
  public Future<Void> executeBatch(String sql, List<Tuple> batch) {
    return batch.isEmpty() ? Future.succeededFuture() : connection.preparedQuery(sql(sql)).executeBatch(batch).mapEmpty();
  }

  /** A JSON value as a parameter for a {@code ${json}} column. */
  public Object json(Object value) {
    return dialect.json(value);
  }

  public Dialect dialect() {
    return dialect;
  }

  private String sql(String sql) {
    return translated.computeIfAbsent(sql, dialect::sql);
  }
}
