package io.switchboard.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.switchboard.core.Metrics;

/**
 * The counters of one configured queue ({@code switchboard.queue.*{queue=…}}: queue names are
 * bounded by the configuration). Micrometer hands every verticle instance the same meters.
 */
final class QueueMeters {

  final Counter published;
  final Counter confirmed;
  final Counter nacked;
  final Counter consumed;
  final Counter acked;
  final Counter retried;
  final Counter deadLettered;
  final Counter noHandler;
  final Counter repliesUnroutable;
  final Timer confirmLatency;

  QueueMeters(String queue) {
    MeterRegistry registry = Metrics.registry();
    published = counter(registry, "published", "Messages sent to RabbitMQ for this queue", queue);
    confirmed = counter(registry, "confirmed", "Publishes RabbitMQ confirmed", queue);
    nacked = counter(registry, "nacked", "Publishes RabbitMQ refused, could not route, or that failed before a confirm", queue);
    consumed = counter(registry, "consumed", "Deliveries received from this queue", queue);
    acked = counter(registry, "acked", "Deliveries acknowledged after their handler succeeded (or they were moved on)", queue);
    retried = counter(registry, "retried", "Deliveries that failed and were scheduled for another attempt", queue);
    deadLettered = counter(registry, "dead_lettered", "Deliveries moved to the dead-letter queue", queue);
    noHandler = counter(registry, "no_handler", "Deliveries no handler was registered for: requeued after the back-off, "
        + "no attempt counted", queue);
    repliesUnroutable = counter(registry, "rpc.replies.unroutable", "RPC replies dropped: their reply_to queue does not exist",
        queue);
    confirmLatency = Timer.builder("switchboard.queue.confirm.latency")
        .description("From handing a message to RabbitMQ to its publisher confirm")
        .tag("queue", queue)
        .register(registry);
  }

  private static Counter counter(MeterRegistry registry, String name, String description, String queue) {
    return Counter.builder("switchboard.queue." + name).description(description).tag("queue", queue).register(registry);
  }
}
