package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Queue;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one hub queue with manual acks and its prefetch. Each delivery is sent as a request to
 * the queue's handler address (or published on its hub topic); the reply acks it. A failure or a
 * timeout republishes it, after a back-off, with {@code x-retry-count} + 1, {@code x-last-error}
 * and {@code x-failed-at}, and acks the original only once RabbitMQ confirmed the copy; past
 * {@code max_retries}, or when it is not JSON at all, it goes to {@code {queue}.dlq} the same way.
 */
final class QueueConsumer {

  private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);
  private final RateLimitedLog lostReplies = new RateLimitedLog(log, 60_000);
  private final RateLimitedLog noHandlerLog = new RateLimitedLog(log, 60_000);

  private final Vertx vertx;
  private final QueueSpec spec;
  private final RabbitLink link;
  private final ConfirmPublisher publisher;
  private final QueueMeters meters;
  private final String source;
  private final BooleanSupplier delayPlugin;
  private final Queue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean deliveriesScheduled = new AtomicBoolean();
  private final DeliveryOptions topicOptions = new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, "amqp");

  QueueConsumer(Vertx vertx, QueueSpec spec, RabbitLink link, ConfirmPublisher publisher, QueueMeters meters, String source,
                BooleanSupplier delayPlugin) {
    this.delayPlugin = delayPlugin;
    this.vertx = vertx;
    this.spec = spec;
    this.link = link;
    this.publisher = publisher;
    this.meters = meters;
    this.source = source;
  }

  String queue() {
    return spec.name();
  }

  /** Link thread: a channel of its own (its own prefetch; an error here stops no other queue). */
  void open(Connection connection) throws IOException {
    Channel channel = connection.createChannel();
    channel.basicQos(spec.prefetch());
    Acks acks = new Acks(channel, link, meters.acked::increment);
    channel.basicConsume(spec.name(), false, new DefaultConsumer(channel) {
      @Override
      public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        acks.delivered(envelope.getDeliveryTag());
        deliveries.add(new Delivery(acks, envelope, properties, body));
        // One hop to the event loop for every delivery waiting, not one each.
        if (deliveriesScheduled.compareAndSet(false, true)) {
          link.runOnContext(QueueConsumer.this::handleDeliveries);
        }
      }

      @Override
      public void handleCancel(String consumerTag) {
        log.error("RabbitMQ cancelled the consumer of queue {} (was it deleted?); declaring it again", spec.name());
        link.runOnContext(() -> vertx.setTimer(1000, t -> link.execute(() -> redeclare(channel))));
      }
    });
    channel.addShutdownListener(cause -> reopenAfterChannelError(channel, cause));
  }

  /** Link thread: the queue went away under its consumer; put it back and consume again. */
  private void redeclare(Channel cancelled) {
    Connection connection = link.connection();
    if (connection == null || !connection.isOpen() || cancelled.getConnection() != connection) {
      return; // the link reconnects and reopens everything
    }
    try {
      cancelled.abort();
      Channel channel = connection.createChannel();
      Topology.declareQueue(channel, spec, delayPlugin.getAsBoolean());
      channel.close();
      open(connection);
      log.info("queue {} declared again; consuming", spec.name());
    } catch (Exception e) {
      log.error("cannot declare queue {} again: {}; it resumes on the next reconnect", spec.name(), RabbitLink.describe(e));
    }
  }

  private void reopenAfterChannelError(Channel channel, ShutdownSignalException cause) {
    if (cause.isHardError() || cause.isInitiatedByApplication()) {
      return; // the link reconnects and reopens everything
    }
    log.warn("consumer channel of queue {} closed: {}; reopening it", spec.name(), RabbitLink.describe(cause));
    link.execute(() -> {
      Connection connection = link.connection();
      if (connection != null && connection.isOpen() && channel.getConnection() == connection) {
        try {
          open(connection);
        } catch (IOException | AlreadyClosedException e) {
          log.warn("cannot reopen the consumer of queue {}: {}", spec.name(), RabbitLink.describe(e));
        }
      }
    });
  }

  private record Delivery(Acks acks, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {}

  private void handleDeliveries() {
    deliveriesScheduled.set(false);
    Delivery d;
    while ((d = deliveries.poll()) != null) {
      handle(d);
    }
  }

  private void handle(Delivery d) {
    meters.consumed.increment();
    JsonObject event;
    try {
      event = AmqpMessages.event(d.body, d.properties, source);
    } catch (AmqpMessages.Poison poison) {
      deadLetter(d, poison.getMessage(), AmqpMessages.retryCount(d.properties));
      return;
    }
    Future<Void> outcome = spec.topic() != null ? feedTopic(event) : callHandler(d, event);
    outcome.onSuccess(v -> ack(d)).onFailure(e -> failed(d, e));
  }

  private Future<Void> callHandler(Delivery d, JsonObject event) {
    AMQP.BasicProperties p = d.properties;
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(spec.handlerTimeoutMs())
        .addHeader("queue", spec.name())
        .addHeader("retry-count", Integer.toString(AmqpMessages.retryCount(p)))
        .addHeader("redelivered", Boolean.toString(d.envelope.isRedeliver()));
    if (p.getReplyTo() != null) {
      options.addHeader("reply-to", p.getReplyTo());
    }
    return vertx.eventBus().request(spec.handler(), event, options).compose(reply -> {
      if (p.getReplyTo() == null || p.getReplyTo().isBlank()) {
        return Future.succeededFuture();
      }
      Object body = reply.body();
      // RPC: the answer goes to reply_to with the request's correlation id before the request is acked.
      // Mandatory, so a reply_to no queue answers to is seen (and counted) rather than vanishing.
      return publisher.publish(new ConfirmPublisher.Outgoing("", p.getReplyTo(), true,
          AmqpMessages.reply(p, body), AmqpMessages.replyBody(body), null, 0, null))
          .recover(e -> ConfirmPublisher.unroutable(e) ? replyLost(p) : Future.failedFuture(e));
    });
  }

  /** The handler did its work; a retry would not create the reply queue: count, log, and ack the request. */
  private Future<Void> replyLost(AMQP.BasicProperties p) {
    meters.repliesUnroutable.increment();
    lostReplies.warn("queue " + spec.name() + ": the RPC reply to message " + p.getMessageId() + " was dropped: its reply_to '"
        + p.getReplyTo() + "' is no queue (switchboard_queue_rpc_replies_unroutable_total counts them)");
    return Future.succeededFuture();
  }

  private Future<Void> feedTopic(JsonObject event) {
    JsonObject request = new JsonObject().put("topic", spec.topic()).put("event", event);
    return vertx.eventBus().request(Addresses.TOPICS_PUBLISH, request, topicOptions).mapEmpty();
  }

  private void failed(Delivery d, Throwable failure) {
    int count = AmqpMessages.retryCount(d.properties);
    String error = describe(failure);
    // x-retry-count on the way out counts the attempts made, this one included.
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      // Not delivered (no handler yet: a restart, a worker reconnecting): again after the back-off, no attempt spent.
      meters.noHandler.increment();
      noHandlerLog.warn("queue " + spec.name() + ": " + error + "; its messages go back after the back-off without "
          + "counting an attempt (switchboard_queue_no_handler_total counts them)");
      move(d, spec.name(), AmqpMessages.failed(d.properties, count, error), spec.backoffMs(count + 1), meters.noHandler, false);
    } else if (spec.topic() != null && failure instanceof ReplyException reply && reply.failureCode() >= 400 && reply.failureCode() < 500) {
      deadLetter(d, error, count + 1); // the router said the event is invalid: trying again changes nothing
    } else if (count >= spec.maxRetries()) {
      deadLetter(d, error, count + 1);
    } else {
      long backoff = spec.backoffMs(count + 1);
      move(d, spec.name(), AmqpMessages.failed(d.properties, count + 1, error), backoff, meters.retried);
    }
  }

  /** {@code attempts}: how many times a handler was tried (0 for a message that is not JSON at all). */
  private void deadLetter(Delivery d, String error, int attempts) {
    log.debug("dead-lettering a message of {}: {}", spec.name(), error);
    move(d, spec.deadLetterQueue(), AmqpMessages.failed(d.properties, attempts, error), 0, meters.deadLettered);
  }

  /** Republishes a copy (confirmed) and only then acks the original: a crash between the two duplicates, never loses. */
  private void move(Delivery d, String queue, AMQP.BasicProperties properties, long delayMs,
                    io.micrometer.core.instrument.Counter counter) {
    move(d, queue, properties, delayMs, counter, true);
  }

  private void move(Delivery d, String queue, AMQP.BasicProperties properties, long delayMs,
                    io.micrometer.core.instrument.Counter counter, boolean count) {
    publisher.publish(new ConfirmPublisher.Outgoing("", queue, true, properties, d.body, spec.name(), delayMs, meters))
        .onSuccess(v -> {
          if (count) {
            counter.increment();
          }
          ack(d);
        })
        .onFailure(e -> {
          // Could not move it: leave it to RabbitMQ (requeue), after a pause so a broken broker is not hammered.
          log.warn("could not move a message of {} to {}: {}; it goes back to its queue", spec.name(), queue, e.getMessage());
          vertx.setTimer(Math.max(100, spec.retryBackoffMs()), id -> nack(d));
        });
  }

  private void ack(Delivery d) {
    d.acks.ack(d.envelope.getDeliveryTag());
  }

  private void nack(Delivery d) {
    d.acks.requeue(d.envelope.getDeliveryTag());
  }

  private String describe(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return "no reply from " + target() + " within " + spec.handlerTimeoutMs() + " ms";
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return "nothing handles " + target() + " (no consumer registered)";
      }
      Problem problem = Problem.from(reply, target());
      return problem.detail() != null ? problem.detail() : String.valueOf(reply.getMessage());
    }
    if (failure instanceof Problem problem) {
      return problem.detail();
    }
    return failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  private String target() {
    return spec.topic() != null ? "topic " + spec.topic() : spec.handler();
  }
}
