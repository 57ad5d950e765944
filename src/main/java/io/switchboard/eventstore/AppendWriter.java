package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The store instance's one writer: appends wait here while a write transaction is under way, and
 * the next transaction takes all that waited (up to {@code maxBatchEvents} events), so concurrent
 * writers share one lock, one commit and one disk flush (see {@link SqlEventStore}). Each append
 * still gets its own outcome. Runs on the verticle's event loop only.
 */
final class AppendWriter {

  private record Pending(AppendRequest request, Promise<Appended> promise) {}

  private final SqlEventStore store;
  private final int maxBatchEvents;
  private final int maxPending;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final IntConsumer batchSizes;
  private boolean writing;

  AppendWriter(SqlEventStore store, int maxBatchEvents, int maxPending, IntConsumer batchSizes) {
    this.store = store;
    this.batchSizes = batchSizes;
    this.maxBatchEvents = maxBatchEvents;
    this.maxPending = maxPending;
  }

  Future<Appended> submit(AppendRequest request) {
    if (queue.size() >= maxPending) {
      return Future.failedFuture(new Problem(503, "store-busy", "Service unavailable",
          maxPending + " appends are already waiting for the database; retry shortly"));
    }
    Promise<Appended> promise = Promise.promise();
    queue.add(new Pending(request, promise));
    drain();
    return promise.future();
  }

  private void drain() {
    if (writing || queue.isEmpty()) {
      return;
    }
    List<Pending> batch = new ArrayList<>();
    int events = 0;
    while (!queue.isEmpty() && (batch.isEmpty() || events + queue.peek().request().events().size() <= maxBatchEvents)) {
      Pending next = queue.poll();
      events += next.request().events().size();
      batch.add(next);
    }
    writing = true;
    batchSizes.accept(batch.size());
    store.append(batch.stream().map(Pending::request).toList()).onComplete(result -> {
      writing = false;
      for (int i = 0; i < batch.size(); i++) {
        Promise<Appended> promise = batch.get(i).promise();
        if (result.failed()) {
          promise.fail(result.cause());
        } else if (result.result().get(i) instanceof Appended appended) {
          promise.complete(appended);
        } else {
          promise.fail((Problem) result.result().get(i));
        }
      }
      drain();
    });
  }
}
