package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import io.micrometer.core.instrument.Counter;
import io.switchboard.core.RateLimitedLog;
import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hub topics out to AMQP: each topic message accepted on this node whose topic matches the
 * configured patterns is published to the topic exchange ({@code switchboard.topics}) with the
 * topic as routing key, so AMQP clients bind queues of their own with the same wildcards. Messages
 * that entered from AMQP are not sent back. Topics are best-effort: while RabbitMQ is away the
 * messages are counted as dropped, not buffered.
 */
final class TopicForwarder {

  private static final Logger log = LoggerFactory.getLogger(TopicForwarder.class);
  private static final String ELECTION_MAP = "switchboard.queue";
  private static final String ELECTION_KEY = "topic-forwarder";

  private final Vertx vertx;
  private final ConfirmPublisher publisher;
  private final String exchange;
  private final TopicTrie<Boolean> patterns = new TopicTrie<>();
  private final Counter forwarded;
  private final Counter dropped;
  private final String instanceId;
  private MessageConsumer<TopicEvent> consumer;
  private final RateLimitedLog notForwardedLog = new RateLimitedLog(log, 10_000);

  TopicForwarder(Vertx vertx, ConfirmPublisher publisher, BridgeSettings settings, String instanceId) {
    this.vertx = vertx;
    this.publisher = publisher;
    this.exchange = settings.topicExchange();
    this.instanceId = instanceId;
    for (TopicPattern pattern : settings.topicPatterns()) {
      patterns.add(pattern, Boolean.TRUE);
    }
    forwarded = Counter.builder("switchboard.queue.topics.forwarded")
        .description("Topic messages published to the AMQP topic exchange").register(Metrics.registry());
    dropped = Counter.builder("switchboard.queue.topics.dropped")
        .description("Topic messages not published to the AMQP topic exchange (RabbitMQ away or refused)")
        .register(Metrics.registry());
  }

  /** One instance per node forwards: every bridge instance sees each message on the node-local address. */
  Future<?> start() {
    if (patterns.size() == 0
        || vertx.sharedData().<String, String>getLocalMap(ELECTION_MAP).putIfAbsent(ELECTION_KEY, instanceId) != null) {
      return Future.succeededFuture();
    }
    TopicEvent.registerCodec(vertx);
    consumer = vertx.eventBus().localConsumer(Addresses.TOPICS_PUBLISHED, m -> forward(m.body()));
    return consumer.completion();
  }

  void stop() {
    if (consumer != null) {
      vertx.sharedData().<String, String>getLocalMap(ELECTION_MAP).removeIfPresent(ELECTION_KEY, instanceId);
    }
  }

  private void forward(TopicEvent event) {
    if ("amqp".equals(event.origin()) || patterns.match(event.topic()).isEmpty()) {
      return;
    }
    AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
        .contentType(Envelope.MEDIA_TYPE)
        .contentEncoding("utf-8")
        .deliveryMode(2)
        .messageId(event.id())
        .type(event.type())
        .timestamp(new Date())
        .appId(AmqpMessages.APP_ID)
        .build();
    byte[] body = event.event().getBytes(StandardCharsets.UTF_8);
    publisher.publish(new ConfirmPublisher.Outgoing(exchange, event.topic(), false, properties, body, null, 0, null))
        .onSuccess(v -> forwarded.increment())
        .onFailure(e -> {
          dropped.increment();
          notForwardedLog.warn("topic messages are not reaching exchange " + exchange + ": " + e.getMessage());
        });
  }
}
