package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes rows in batches: one transaction at a time carrying everything that arrived meanwhile, so
 * a burst costs a few commits and a lone row one commit without waiting. A batch that fails is kept,
 * in order, and written again after a second (nothing is forgotten while the database is away).
 * Used for the outbox of topic messages' deliveries (bounded: beyond it they are refused) and for
 * a sender's outcomes (unbounded: while the database is away no new claims succeed either).
 * Event loop only.
 */
final class BatchWriter<T> {

  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
  private static final long RETRY_MS = 1000;

  private final Vertx vertx;
  private final String what;
  private final int maxBatch;
  private final int maxWaiting;
  private final Function<List<T>, Future<?>> write;
  private final Consumer<List<T>> written;
  private final ArrayDeque<T> waiting = new ArrayDeque<>();
  private final List<Promise<Void>> drained = new ArrayList<>();
  private boolean writing;
  private long retryTimer = -1;

  /**
   * @param what       the rows, for the log ("webhook outcomes")
   * @param maxWaiting rows held while a write is under way or the database is away
   * @param write      writes one batch in one transaction
   * @param written    told of each batch once it is committed
   */
  BatchWriter(Vertx vertx, String what, int maxBatch, int maxWaiting, Function<List<T>, Future<?>> write,
              Consumer<List<T>> written) {
    this.vertx = vertx;
    this.what = what;
    this.maxBatch = maxBatch;
    this.maxWaiting = maxWaiting;
    this.write = write;
    this.written = written;
  }

  /** False, writing nothing, when {@code maxWaiting} rows are waiting already. */
  boolean add(T row) {
    if (waiting.size() >= maxWaiting) {
      return false;
    }
    waiting.add(row);
    flush();
    return true;
  }

  private void flush() {
    if (writing || retryTimer != -1) {
      return;
    }
    if (waiting.isEmpty()) {
      drained.forEach(Promise::tryComplete);
      drained.clear();
      return;
    }
    List<T> batch = new ArrayList<>(Math.min(waiting.size(), maxBatch));
    while (!waiting.isEmpty() && batch.size() < maxBatch) {
      batch.add(waiting.poll());
    }
    writing = true;
    write.apply(batch).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        written.accept(batch);
        flush();
        return;
      }
      log.warn("cannot write {} {}, retrying in {} ms: {}", batch.size(), what, RETRY_MS, ar.cause().toString());
      for (int i = batch.size() - 1; i >= 0; i--) {
        waiting.addFirst(batch.get(i));
      }
      retryTimer = vertx.setTimer(RETRY_MS, t -> {
        retryTimer = -1;
        flush();
      });
    });
  }

  /** Completes once everything handed in so far is written, or at the timeout (a stopping hub). */
  Future<Void> drain(long timeoutMs) {
    Promise<Void> promise = Promise.promise();
    drained.add(promise);
    flush();
    return promise.future().timeout(timeoutMs, TimeUnit.MILLISECONDS).otherwiseEmpty();
  }

  void close() {
    vertx.cancelTimer(retryTimer);
  }
}
