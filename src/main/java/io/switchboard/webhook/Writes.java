package io.switchboard.webhook;

import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * A statement that writes, run on its own. On H2 it runs in an explicit transaction: vertx-jdbc-client
 * 5.0.7 leaves a pooled connection with auto-commit off after any transaction on it
 * (vert-x3/vertx-jdbc-client#356), so a bare write there would never be committed, and would hold
 * its row locks until some later transaction on that connection ended.
 */
final class Writes {

  private Writes() {}

  static Future<RowSet<Row>> run(Database db, String sql, Tuple values) {
    if (db.dialect() == Dialect.POSTGRES) {
      return db.pool().preparedQuery(sql).execute(values);
    }
    return db.inTransaction(conn -> conn.preparedQuery(sql).execute(values));
  }
}
