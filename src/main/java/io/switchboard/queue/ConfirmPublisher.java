package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes persistent messages on a channel in confirm mode and completes each publish only when
 * RabbitMQ has confirmed it. A nack, an unroutable message, a lost connection or a missing confirm
 * fails the publish with a 503 saying which, so a caller never takes "sent" for "stored".
 */
final class ConfirmPublisher {

  /** A message to publish. {@code delayMs > 0} sends it through {@code queue}'s delay route. */
  record Outgoing(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties properties,
                  byte[] body, String queue, long delayMs, QueueMeters meters) {}

  private static final Logger log = LoggerFactory.getLogger(ConfirmPublisher.class);
  /** What a publisher does after a 503 whose outcome is unknown. */
  static final String RETRY_SAME_ID = "It may have been stored: publish again with the same id (a message confirmed "
      + "within rabbitmq.dedupe_window_ms is answered 202 with \"repeated\": true and not sent again)";
  private static final String UNROUTABLE = "RabbitMQ could not route the message to queue '";

  /** Whether a publish failed because no queue took the (mandatory) message: it was not stored anywhere. */
  static boolean unroutable(Throwable failure) {
    return failure instanceof Problem p && p.detail() != null && p.detail().startsWith(UNROUTABLE);
  }

  private final Vertx vertx;
  private final RabbitLink link;
  private final BridgeSettings settings;
  private final long sweepTimer;
  private volatile Open open;
  private volatile boolean plugin;
  private volatile Map<String, String> brokenQueues = Map.of();
  private int inFlight;

  ConfirmPublisher(Vertx vertx, RabbitLink link, BridgeSettings settings) {
    this.vertx = vertx;
    this.link = link;
    this.settings = settings;
    this.sweepTimer = vertx.setPeriodic(500, id -> sweep());
  }

  /** Link thread, on every new connection: a fresh confirm channel. */
  void open(Connection connection, boolean delayPlugin, Map<String, String> broken) throws IOException {
    plugin = delayPlugin;
    brokenQueues = Map.copyOf(broken);
    openChannel(connection);
  }

  private void openChannel(Connection connection) throws IOException {
    Channel channel = connection.createChannel();
    channel.confirmSelect();
    Open o = new Open(channel);
    channel.addConfirmListener(o);
    channel.addReturnListener(o);
    channel.addShutdownListener(o);
    open = o;
  }

  /** Why a configured queue cannot take messages (its declaration failed), or null. */
  String brokenReason(String queue) {
    return brokenQueues.get(queue);
  }

  /** Event loop: publishes and completes after the broker's confirm, or fails with a 503 problem. */
  Future<Void> publish(Outgoing message) {
    Open o = open;
    if (!link.isUp() || o == null || !o.channel.isOpen()) {
      return fail(message, link.isUp() ? "the RabbitMQ channel is being reopened; try again" : link.downReason());
    }
    if (inFlight >= settings.maxInFlight()) {
      return fail(message, inFlight + " messages are already waiting for RabbitMQ's confirm; try again shortly");
    }
    Pending pending = new Pending(message, Promise.promise(), System.nanoTime());
    inFlight++;
    link.execute(() -> o.send(pending));
    return pending.promise.future().andThen(ar -> inFlight--);
  }

  private Future<Void> fail(Outgoing message, String reason) {
    if (message.meters() != null) {
      message.meters().nacked.increment();
    }
    return Future.failedFuture(Problem.unavailable(reason));
  }

  /** Fails publishes whose confirm is overdue: the broker may be stuck (a disk alarm, say). */
  private void sweep() {
    Open o = open;
    if (o == null) {
      return;
    }
    long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(settings.confirmTimeoutMs());
    while (true) {
      Map.Entry<Long, Pending> oldest = o.pending.firstEntry();
      if (oldest == null || oldest.getValue().started - deadline > 0) {
        return;
      }
      if (o.pending.remove(oldest.getKey(), oldest.getValue())) {
        oldest.getValue().fail("RabbitMQ did not confirm the message within " + settings.confirmTimeoutMs()
            + " ms; it may or may not have been stored");
      }
    }
  }

  void close() {
    vertx.cancelTimer(sweepTimer);
    Open o = open;
    if (o != null) {
      o.failAll("the RabbitMQ bridge is stopping");
    }
  }

  private final class Pending {
    final Outgoing message;
    final Promise<Void> promise;
    final long started;
    volatile String returned;

    Pending(Outgoing message, Promise<Void> promise, long started) {
      this.message = message;
      this.promise = promise;
      this.started = started;
    }

    /** On the verticle's context. */
    void settle(boolean ack) {
      QueueMeters meters = message.meters();
      if (ack && returned == null) {
        if (meters != null) {
          meters.confirmed.increment();
          meters.confirmLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        promise.tryComplete();
      } else {
        if (meters != null) {
          meters.nacked.increment();
        }
        promise.tryFail(Problem.unavailable(returned != null ? returned
            : "RabbitMQ refused the message (nack): it was not stored"));
      }
    }

    void fail(String reason) {
      link.runOnContext(() -> {
        if (message.meters() != null) {
          message.meters().nacked.increment();
        }
        promise.tryFail(Problem.unavailable(reason).outcomeUnknown(RETRY_SAME_ID));
      });
    }
  }

  /** One confirm channel and what is waiting for its confirms. Its methods run on the link thread. */
  private final class Open implements ConfirmListener, ReturnListener, ShutdownListener {

    final Channel channel;
    final ConcurrentSkipListMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    /** TTL delay queues declared on this channel, with when (link thread only). */
    final Map<String, Long> declaredDelays = new HashMap<>();

    Open(Channel channel) {
      this.channel = channel;
    }

    void send(Pending p) {
      Outgoing m = p.message;
      if (!channel.isOpen()) {
        p.fail("the RabbitMQ channel closed before the message was sent: " + closeReason());
        return;
      }
      long seq = channel.getNextPublishSeqNo();
      try {
        String exchange = m.exchange();
        String routingKey = m.routingKey();
        boolean mandatory = m.mandatory();
        AMQP.BasicProperties properties = m.properties();
        if (m.delayMs() > 0) {
          long delay = Delays.round(m.delayMs());
          if (plugin) {
            exchange = Delays.PLUGIN_EXCHANGE;
            routingKey = m.queue();
            // The plugin routes when the delay ends, so at publish time every message looks unroutable.
            mandatory = false;
            Map<String, Object> headers = new HashMap<>(properties.getHeaders() == null ? Map.of() : properties.getHeaders());
            headers.put("x-delay", delay);
            properties = properties.builder().headers(headers).build();
          } else {
            exchange = "";
            routingKey = declareDelayQueue(m.queue(), delay);
          }
        }
        pending.put(seq, p);
        channel.basicPublish(exchange, routingKey, mandatory, properties, m.body());
        if (m.meters() != null) {
          m.meters().published.increment();
        }
      } catch (IOException | AlreadyClosedException e) {
        pending.remove(seq);
        p.fail("RabbitMQ did not take the message: " + RabbitLink.describe(e));
      }
    }

    private String declareDelayQueue(String queue, long delay) throws IOException {
      String name = Delays.queueName(queue, delay);
      long now = System.currentTimeMillis();
      Long declared = declaredDelays.get(name);
      if (declared == null || now - declared > Delays.expiresMs(delay) / 2) {
        channel.queueDeclare(name, true, false, false, Delays.queueArguments(queue, delay));
        declaredDelays.put(name, now);
      }
      return name;
    }

    @Override
    public void handleAck(long tag, boolean multiple) {
      settle(tag, multiple, true);
    }

    @Override
    public void handleNack(long tag, boolean multiple) {
      settle(tag, multiple, false);
    }

    private void settle(long tag, boolean multiple, boolean ack) {
      if (multiple) {
        ConcurrentNavigableMap<Long, Pending> done = pending.headMap(tag, true);
        List<Pending> settled = new ArrayList<>(done.values());
        done.clear();
        // One hop to the event loop for a whole batch of confirms.
        link.runOnContext(() -> settled.forEach(p -> p.settle(ack)));
      } else {
        Pending p = pending.remove(tag);
        if (p != null) {
          link.runOnContext(() -> p.settle(ack));
        }
      }
    }

    /** A mandatory message no queue took comes back just before its confirm. */
    @Override
    public void handleReturn(int replyCode, String replyText, String exchange, String routingKey,
                             AMQP.BasicProperties properties, byte[] body) {
      for (Pending p : pending.values()) {
        Outgoing m = p.message;
        if (routingKey.equals(m.routingKey()) && Objects.equals(properties.getMessageId(), m.properties().getMessageId())) {
          p.returned = UNROUTABLE + routingKey + "' (" + replyText
              + "): does the queue still exist?";
        }
      }
    }

    @Override
    public void shutdownCompleted(ShutdownSignalException cause) {
      failAll("the connection to RabbitMQ closed before the broker confirmed the message ("
          + RabbitLink.describe(cause) + "); it may or may not have been stored");
      if (!cause.isHardError() && !cause.isInitiatedByApplication()) {
        // A channel-level error (the connection is fine): reopen the channel, keep publishing.
        log.warn("rabbitmq publish channel closed: {}; reopening it", RabbitLink.describe(cause));
        link.execute(() -> {
          Connection connection = link.connection();
          if (open == this && connection != null && connection.isOpen()) {
            try {
              openChannel(connection);
            } catch (IOException | AlreadyClosedException e) {
              log.warn("cannot reopen the rabbitmq publish channel: {}", RabbitLink.describe(e));
            }
          }
        });
      }
    }

    void failAll(String reason) {
      Set<Long> tags = new HashSet<>(pending.keySet());
      for (Long tag : tags) {
        Pending p = pending.remove(tag);
        if (p != null) {
          p.fail(reason);
        }
      }
    }

    private String closeReason() {
      ShutdownSignalException reason = channel.getCloseReason();
      return reason == null ? "closed" : RabbitLink.describe(reason);
    }
  }
}
