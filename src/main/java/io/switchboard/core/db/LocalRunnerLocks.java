package io.switchboard.core.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Node-local locks (Vert.x shared data), for the embedded H2 database: it lives in one process, so
 * every projector that can reach it runs on this node. A verticle that stops releases its locks.
 */
final class LocalRunnerLocks implements RunnerLocks {

  private final Vertx vertx;
  private final String scope;
  private final Map<String, Lock> held = new HashMap<>();

  /** @param database what the locks are about (names of another database do not compete) */
  LocalRunnerLocks(Vertx vertx, String kind, String database) {
    this.vertx = vertx;
    this.scope = "switchboard." + kind + ".lock." + database + ".";
  }

  @Override
  public Future<Boolean> tryLock(String name) {
    if (held.containsKey(name)) {
      return Future.succeededFuture(true);
    }
    return vertx.sharedData().getLocalLockWithTimeout(scope + name, 1)
        .map(lock -> {
          held.put(name, lock);
          return true;
        })
        .otherwise(false);
  }

  @Override
  public Future<Void> unlock(String name) {
    Lock lock = held.remove(name);
    if (lock != null) {
      lock.release();
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> check() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    List.copyOf(held.keySet()).forEach(this::unlock);
    return Future.succeededFuture();
  }
}
