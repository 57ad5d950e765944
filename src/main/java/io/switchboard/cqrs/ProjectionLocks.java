package io.switchboard.cqrs;

import io.vertx.core.Future;

/**
 * Who may run a projection: at most one holder per projection name at a time, and a lock that
 * goes away when its holder dies, so a standby takes over. (Correctness does not rest on it: every
 * write of a runner is fenced by its checkpoint epoch; the lock keeps a second runner from trying.)
 */
public interface ProjectionLocks {

  /** Takes the projection's lock if it is free; true when this holder has it now. */
  Future<Boolean> tryLock(String projection);

  Future<Void> unlock(String projection);

  /** Confirms the locks held are still held; a failure means they are all gone (and were reported lost). */
  Future<Void> check();

  /** Releases everything. */
  Future<Void> close();
}
