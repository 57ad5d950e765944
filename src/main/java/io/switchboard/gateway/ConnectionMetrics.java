package io.switchboard.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.Metrics;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;

/** Connections by transport, messages out, drops and slow-client closes, all tagged by transport. */
final class ConnectionMetrics {

  private final AtomicLong open;
  private final Counter out;
  private final Counter dropped;
  private final Counter slowClosed;
  /** Messages written during the delivery in progress, added to {@link #out} once it is over. */
  private long sentInDelivery;

  ConnectionMetrics(Vertx vertx, String transport) {
    MeterRegistry registry = Metrics.registry();
    open = Metrics.nodeGauge(vertx, "switchboard.connections", "Open client connections", "transport", transport);
    out = Counter.builder("switchboard.messages.out").description("Messages written to clients")
        .tag("transport", transport).register(registry);
    dropped = Counter.builder("switchboard.messages.dropped").description("Messages dropped for slow clients")
        .tag("transport", transport).register(registry);
    slowClosed = Counter.builder("switchboard.connections.slow_closed").description("Connections closed as too slow")
        .tag("transport", transport).register(registry);
  }

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  void sent() {
    out.increment();
  }

  /**
   * Counts a message written while a message is delivered to this instance's connections: one
   * counter update per message at the end ({@link #deliveryDone}), not one per socket. Only on the
   * instance's event loop, as every delivery.
   */
  void sentInDelivery() {
    sentInDelivery++;
  }

  void deliveryDone() {
    if (sentInDelivery > 0) {
      out.increment(sentInDelivery);
      sentInDelivery = 0;
    }
  }

  void dropped() {
    dropped.increment();
  }

  void slowClosed() {
    slowClosed.increment();
  }
}
