package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a sender's outcomes in batches: one transaction at a time, holding everything that came
 * in meanwhile, so the database sees a few transactions a second however many attempts end. A
 * batch that fails is kept and written again (nothing about an attempt is forgotten while the
 * database is away; meanwhile no new claims succeed either). Event loop only.
 */
final class OutcomeWriter {

  private static final Logger log = LoggerFactory.getLogger(OutcomeWriter.class);
  private static final int MAX_BATCH = 1000;
  private static final long RETRY_MS = 1000;

  private final Vertx vertx;
  private final SenderStore store;
  private final String sender;
  private final Consumer<List<Outcome>> written;
  private List<Outcome> waiting = new ArrayList<>();
  private boolean writing;
  private long retryTimer = -1;
  private final List<Promise<Void>> drained = new ArrayList<>();

  /** @param written told of each batch once it is committed */
  OutcomeWriter(Vertx vertx, SenderStore store, String sender, Consumer<List<Outcome>> written) {
    this.vertx = vertx;
    this.store = store;
    this.sender = sender;
    this.written = written;
  }

  void add(Outcome outcome) {
    waiting.add(outcome);
    flush();
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
    List<Outcome> batch;
    if (waiting.size() <= MAX_BATCH) {
      batch = waiting;
      waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(waiting.subList(0, MAX_BATCH));
      waiting = new ArrayList<>(waiting.subList(MAX_BATCH, waiting.size()));
    }
    writing = true;
    store.write(batch, sender).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        written.accept(batch);
        flush();
        return;
      }
      log.warn("cannot write {} webhook outcome(s), retrying in {} ms: {}", batch.size(), RETRY_MS, ar.cause().toString());
      batch.addAll(waiting);
      waiting = batch;
      retryTimer = vertx.setTimer(RETRY_MS, t -> {
        retryTimer = -1;
        flush();
      });
    });
  }

  /** Completes once everything handed in so far is written (or at the timeout). */
  Future<Void> drain(long timeoutMs) {
    Promise<Void> promise = Promise.promise();
    drained.add(promise);
    flush();
    return promise.future().timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty();
  }

  void close() {
    vertx.cancelTimer(retryTimer);
  }
}
