package io.switchboard.core.db;

import io.vertx.core.Future;

/**
 * Who may run a named thing (a projection, a consumer group's coordinator): at most one holder per
 * name at a time, and a lock that goes away when its holder dies, so a standby takes over.
 * (Correctness does not rest on it: every write of a runner is fenced by an epoch in its checkpoint
 * row; the lock keeps a second runner from trying.)
 */
public interface RunnerLocks {

  /**
   * PostgreSQL session advisory locks on {@code lockDb} (a pool of its own) for PostgreSQL; node-local
   * locks for the embedded H2 database, which one process owns.
   *
   * @param kind what is locked ({@code projection}, {@code group}): names of different kinds do not compete
   */
  static RunnerLocks open(io.vertx.core.Vertx vertx, Database db, java.util.function.Supplier<Database> lockDb, String kind,
                          Runnable onLost) {
    return db.dialect() == Dialect.POSTGRES
        ? new PostgresRunnerLocks(lockDb.get(), db.schema(), kind, onLost)
        : new LocalRunnerLocks(vertx, kind, db.describe());
  }

  /** Takes the lock of {@code name} if it is free; true when this holder has it now. */
  Future<Boolean> tryLock(String name);

  Future<Void> unlock(String name);

  /** Confirms the locks held are still held; a failure means they are all gone (and were reported lost). */
  Future<Void> check();

  /** Releases everything. */
  Future<Void> close();
}
