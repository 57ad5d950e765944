package io.switchboard.pubsub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.Metrics;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;

/** The relay's meters ({@code switchboard_redis_*} on GET /metrics); tags are bounded: direction, connection. */
final class RedisRelayMetrics {

  final Counter in;
  final Counter out;
  final Counter rejected;
  final Counter droppedIn;
  final Counter droppedOut;
  final Counter subscriberReconnects;
  final Counter publisherReconnects;
  final AtomicLong subscriberConnected;
  final AtomicLong publisherConnected;
  final AtomicLong buffered;

  RedisRelayMetrics(Vertx vertx) {
    MeterRegistry registry = Metrics.registry();
    in = Counter.builder("switchboard.redis.in").description("Redis messages that entered the hub as topic messages")
        .register(registry);
    out = Counter.builder("switchboard.redis.out").description("Hub topic messages PUBLISHed to Redis")
        .register(registry);
    rejected = Counter.builder("switchboard.redis.rejected")
        .description("Redis messages refused: channel not a topic name, too large, or an invalid CloudEvent")
        .register(registry);
    droppedIn = Counter.builder("switchboard.redis.dropped").tag("direction", "in")
        .description("Messages lost on the way: inbound the hub did not take them, outbound the buffer was full or Redis went away")
        .register(registry);
    droppedOut = Counter.builder("switchboard.redis.dropped").tag("direction", "out")
        .description("Messages lost on the way: inbound the hub did not take them, outbound the buffer was full or Redis went away")
        .register(registry);
    subscriberReconnects = reconnects(registry, "subscriber");
    publisherReconnects = reconnects(registry, "publisher");
    subscriberConnected = Metrics.nodeGauge(vertx, "switchboard.redis.connected", "1 while the connection to Redis is up",
        "connection", "subscriber");
    publisherConnected = Metrics.nodeGauge(vertx, "switchboard.redis.connected", "1 while the connection to Redis is up",
        "connection", "publisher");
    buffered = Metrics.nodeGauge(vertx, "switchboard.redis.buffered", "Outbound messages waiting for Redis");
  }

  private static Counter reconnects(MeterRegistry registry, String connection) {
    return Counter.builder("switchboard.redis.reconnects").tag("connection", connection)
        .description("Connections to Redis re-established after one was lost").register(registry);
  }
}
