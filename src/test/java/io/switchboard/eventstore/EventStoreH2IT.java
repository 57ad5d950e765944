package io.switchboard.eventstore;

import io.switchboard.core.db.Database;
import io.switchboard.testing.TestDatabase;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The event store on the embedded H2 file database, in a temporary data directory. */
class EventStoreH2IT extends EventStoreContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }

  @Override
  boolean killInsertingSession(Database db) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      List<Row> sessions = rows(db, "SELECT SESSION_ID FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID <> SESSION_ID() "
          + "AND (EXECUTING_STATEMENT LIKE 'INSERT INTO events%' OR CONTAINS_UNCOMMITTED)", Tuple.tuple());
      if (!sessions.isEmpty()) {
        rows(db, "CALL ABORT_SESSION($1)", Tuple.of(sessions.get(0).getInteger(0)));
        return true;
      }
    }
    return false;
  }
}
