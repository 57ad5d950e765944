package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the deliveries of topic messages to the outbox: one transaction at a time carrying
 * everything that arrived meanwhile (so a burst costs a few commits, and a lone message one
 * commit without waiting). While the database is away they wait, up to {@code webhooks.fanout_buffer};
 * beyond that they are dropped and counted (topic messages are best effort; store events are
 * followed from the store instead and never dropped). Event loop only.
 */
final class OutboxWriter {

  private static final Logger log = LoggerFactory.getLogger(OutboxWriter.class);
  private static final int MAX_BATCH = 2000;
  private static final long RETRY_MS = 1000;

  private final Vertx vertx;
  private final DeliveryStore store;
  private final int max;
  private final Consumer<List<DeliveryStore.NewDelivery>> written;
  private final Runnable dropped;
  private final ArrayDeque<DeliveryStore.NewDelivery> waiting = new ArrayDeque<>();
  private boolean writing;
  private long retryTimer = -1;
  private long lastDropLog;
  private final List<Promise<Void>> drained = new ArrayList<>();

  /** @param written told of the deliveries of each commit */
  OutboxWriter(Vertx vertx, DeliveryStore store, int max, Consumer<List<DeliveryStore.NewDelivery>> written, Runnable dropped) {
    this.vertx = vertx;
    this.store = store;
    this.max = max;
    this.written = written;
    this.dropped = dropped;
  }

  void add(DeliveryStore.NewDelivery delivery) {
    if (waiting.size() >= max) {
      dropped.run();
      long now = System.currentTimeMillis();
      if (now - lastDropLog > 10_000) {
        lastDropLog = now;
        log.warn("webhook fan-out: {} deliveries are waiting for the database; dropping topic messages beyond them", max);
      }
      return;
    }
    waiting.add(delivery);
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
    List<DeliveryStore.NewDelivery> batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH));
    while (!waiting.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(waiting.poll());
    }
    writing = true;
    store.insert(batch).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        written.accept(batch);
        flush();
        return;
      }
      log.warn("webhook fan-out cannot write {} deliveries, retrying in {} ms: {}", batch.size(), RETRY_MS, ar.cause().toString());
      for (int i = batch.size() - 1; i >= 0; i--) {
        waiting.addFirst(batch.get(i));
      }
      retryTimer = vertx.setTimer(RETRY_MS, t -> {
        retryTimer = -1;
        flush();
      });
    });
  }

  /** Completes once what was handed in is written, or at the timeout (a stopping hub). */
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
