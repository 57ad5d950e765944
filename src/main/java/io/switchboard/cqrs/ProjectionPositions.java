package io.switchboard.cqrs;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until a projection has committed a global position, reading its checkpoint (the
 * authority: the read model and the checkpoint commit together) when the projector announces
 * progress, and every {@value #POLL_MS} ms in case an announcement went astray.
 */
final class ProjectionPositions {

  private static final long POLL_MS = 250;

  private final Vertx vertx;
  private final Database db;
  private final String select;
  private final List<Waiter> waiters = new ArrayList<>();
  private MessageConsumer<JsonObject> progress;

  private final class Waiter {
    final String projection;
    final long min;
    final long deadline;
    final Promise<Void> done = Promise.promise();
    long timer = -1;
    boolean reading;
    boolean again;

    Waiter(String projection, long min, long waitMs) {
      this.projection = projection;
      this.min = min;
      this.deadline = System.nanoTime() + waitMs * 1_000_000;
    }
  }

  ProjectionPositions(Vertx vertx, Database db) {
    this.vertx = vertx;
    this.db = db;
    this.select = db.sql(Checkpoints.SELECT_ONE);
  }

  Future<Void> start() {
    progress = vertx.eventBus().consumer(Addresses.PROJECTIONS_PROGRESS, m -> {
      String name = m.body().getString("name");
      long position = m.body().getLong("position", -1L);
      for (Waiter w : List.copyOf(waiters)) {
        if (w.projection.equals(name) && position >= w.min) {
          check(w);
        }
      }
    });
    return progress.completion();
  }

  Future<Void> close() {
    waiters.forEach(w -> vertx.cancelTimer(w.timer));
    waiters.clear();
    return progress == null ? Future.succeededFuture() : progress.unregister();
  }

  Future<Void> await(String projection, long min, long waitMs) {
    Waiter w = new Waiter(projection, min, waitMs);
    waiters.add(w);
    check(w);
    return w.done.future();
  }

  private void check(Waiter w) {
    if (w.done.future().isComplete()) {
      return;
    }
    if (w.reading) {
      w.again = true;   // progress announced while reading: the read may predate it
      return;
    }
    w.reading = true;
    w.again = false;
    vertx.cancelTimer(w.timer);
    db.pool().preparedQuery(select).execute(Tuple.of(w.projection)).onComplete(ar -> {
      w.reading = false;
      if (ar.failed()) {
        finish(w, db.problem(ar.cause(), "reading the checkpoint of projection '" + w.projection + "'"));
        return;
      }
      Row row = ar.result().iterator().hasNext() ? ar.result().iterator().next() : null;
      long position = row == null ? 0 : row.getLong(0);
      String status = row == null ? Checkpoints.RUNNING : row.getString(1);
      JsonObject where = new JsonObject().put("projection", w.projection).put("position", position).put("min_position", w.min);
      if (position >= w.min) {
        finish(w, null);
      } else if (Checkpoints.FAILED.equals(status)) {
        finish(w, new Problem(503, "projection-failed", "Service unavailable", "projection '" + w.projection
            + "' is stopped at a failed event after position " + position + " and will not reach " + w.min
            + " until an admin retries or skips it: " + row.getString(2), where));
      } else if (w.again) {
        check(w);
      } else if (System.nanoTime() >= w.deadline) {
        finish(w, new Problem(503, "projection-behind", "Service unavailable", "projection '" + w.projection + "' is at position "
            + position + " and did not reach " + w.min + " in time; ask again", where.put("retry_after", 1)));
      } else {
        long left = (w.deadline - System.nanoTime()) / 1_000_000;
        w.timer = vertx.setTimer(Math.max(1, Math.min(POLL_MS, left)), t -> check(w));
      }
    });
  }

  private void finish(Waiter w, Problem failure) {
    vertx.cancelTimer(w.timer);
    waiters.remove(w);
    if (failure == null) {
      w.done.tryComplete();
    } else {
      w.done.tryFail(failure);
    }
  }
}
