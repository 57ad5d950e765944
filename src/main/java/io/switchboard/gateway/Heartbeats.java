package io.switchboard.gateway;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Periodic work over a gateway instance's connections (pings, SSE heartbeats, presence refresh),
 * spread over the interval in slices instead of done for every connection at once: thousands of
 * connections would otherwise stall the event loop for one long turn each interval.
 */
final class Heartbeats<C> {

  private static final int SLICES = 10;

  private final Vertx vertx;
  private final List<Set<C>> slices = new ArrayList<>();
  private final long timer;
  private int next;
  private int tick;

  /** Calls {@code beat(connection, now)} for every added connection once per {@code intervalMs}. */
  Heartbeats(Vertx vertx, long intervalMs, BiConsumer<C, Long> beat) {
    this.vertx = vertx;
    for (int i = 0; i < SLICES; i++) {
      slices.add(new LinkedHashSet<>());
    }
    this.timer = vertx.setPeriodic(Math.max(1, intervalMs / SLICES), id -> {
      long now = System.currentTimeMillis();
      for (C connection : List.copyOf(slices.get(tick++ % SLICES))) {
        beat.accept(connection, now);
      }
    });
  }

  void add(C connection) {
    slices.get(next++ % SLICES).add(connection);
  }

  void remove(C connection) {
    for (Set<C> slice : slices) {
      if (slice.remove(connection)) {
        return;
      }
    }
  }

  void stop() {
    vertx.cancelTimer(timer);
  }
}
