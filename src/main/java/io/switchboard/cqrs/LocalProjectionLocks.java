package io.switchboard.cqrs;

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
public final class LocalProjectionLocks implements ProjectionLocks {

  private final Vertx vertx;
  private final String scope;
  private final Map<String, Lock> held = new HashMap<>();

  /** @param database what the locks are about (projections of another database do not compete) */
  public LocalProjectionLocks(Vertx vertx, String database) {
    this.vertx = vertx;
    this.scope = "switchboard.projection.lock." + database + ".";
  }

  @Override
  public Future<Boolean> tryLock(String projection) {
    if (held.containsKey(projection)) {
      return Future.succeededFuture(true);
    }
    return vertx.sharedData().getLocalLockWithTimeout(scope + projection, 1)
        .map(lock -> {
          held.put(projection, lock);
          return true;
        })
        .otherwise(false);
  }

  @Override
  public Future<Void> unlock(String projection) {
    Lock lock = held.remove(projection);
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
