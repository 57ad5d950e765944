package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.TimeoutException;

/**
 * A queue's numbers, and moving its dead letters back. Both run on worker threads with a channel of
 * their own, so a long requeue never holds up publishing.
 */
final class DeadLetters {

  private static final int BATCH = 100;

  private final Vertx vertx;
  private final RabbitLink link;
  private final long confirmTimeoutMs;

  DeadLetters(Vertx vertx, RabbitLink link, long confirmTimeoutMs) {
    this.vertx = vertx;
    this.link = link;
    this.confirmTimeoutMs = confirmTimeoutMs;
  }

  /** {@code {"name","messages","consumers","dead_letters"}} as RabbitMQ counts them now. */
  Future<JsonObject> inspect(QueueSpec spec) {
    return withChannel(channel -> status(channel, spec));
  }

  /** {@code {"queues": [status…]}} for every configured queue; one RabbitMQ refuses says why. */
  Future<JsonObject> inspectAll(Collection<QueueSpec> specs) {
    return withChannel(first -> {
      Channel channel = first;
      JsonArray queues = new JsonArray();
      for (QueueSpec spec : specs) {
        try {
          queues.add(status(channel, spec));
        } catch (IOException e) {
          queues.add(new JsonObject().put("name", spec.name()).put("error", RabbitLink.describe(e)));
          channel = channel.getConnection().createChannel(); // the failed declaration closed the channel
        }
      }
      if (channel != first && channel.isOpen()) {
        channel.abort();
      }
      return new JsonObject().put("queues", queues);
    });
  }

  private static JsonObject status(Channel channel, QueueSpec spec) throws IOException {
    AMQP.Queue.DeclareOk queue = channel.queueDeclarePassive(spec.name());
    AMQP.Queue.DeclareOk dlq = channel.queueDeclarePassive(spec.deadLetterQueue());
    return new JsonObject()
        .put("name", spec.name())
        .put("messages", queue.getMessageCount())
        .put("consumers", queue.getConsumerCount())
        .put("dead_letters", dlq.getMessageCount());
  }

  /**
   * Moves what is in the DLQ now back to the queue, with a fresh retry count: each batch is
   * published, confirmed, and only then removed from the DLQ. Letters that arrive meanwhile wait
   * for the next call (so a handler that keeps failing cannot make this loop forever).
   */
  Future<JsonObject> requeue(QueueSpec spec) {
    return withChannel(channel -> {
      channel.confirmSelect();
      java.util.concurrent.atomic.AtomicReference<String> returned = new java.util.concurrent.atomic.AtomicReference<>();
      channel.addReturnListener(r -> returned.set(r.getReplyText()));
      int available = channel.queueDeclarePassive(spec.deadLetterQueue()).getMessageCount();
      int moved = 0;
      while (moved < available) {
        long lastTag = -1;
        int batch = 0;
        while (batch < BATCH && moved + batch < available) {
          GetResponse letter = channel.basicGet(spec.deadLetterQueue(), false);
          if (letter == null) {
            break;
          }
          channel.basicPublish("", spec.name(), true, AmqpMessages.requeued(letter.getProps()), letter.getBody());
          lastTag = letter.getEnvelope().getDeliveryTag();
          batch++;
        }
        if (batch == 0) {
          break;
        }
        channel.waitForConfirmsOrDie(confirmTimeoutMs);
        if (returned.get() != null) {
          // Returns come before their confirms: nothing of this batch is acked, it stays dead-lettered.
          throw Problem.unavailable("RabbitMQ could not route to queue '" + spec.name() + "' (" + returned.get() + ")");
        }
        channel.basicAck(lastTag, true);
        moved += batch;
      }
      return new JsonObject().put("queue", spec.name()).put("moved", moved);
    });
  }

  /**
   * Removes from every queue's DLQ the letters that carry erased data ({@code {"queues": {name: n},
   * "failed": {name: reason}}}). RabbitMQ cannot delete one message, so the letters there now are
   * taken with manual acks; those to keep are published again to the DLQ and confirmed before any
   * taken letter is acked. A hub that dies mid-way leaves the unacked letters in the DLQ (at worst a
   * kept letter twice), never loses one.
   */
  Future<JsonObject> erase(Collection<QueueSpec> specs, ErasedMessages erased) {
    return withChannel(first -> {
      Channel channel = first;
      JsonObject removed = new JsonObject();
      JsonObject failed = new JsonObject();
      for (QueueSpec spec : specs) {
        try {
          removed.put(spec.name(), eraseIn(channel, spec.deadLetterQueue(), erased));
        } catch (Exception e) {
          failed.put(spec.name(), e instanceof Problem p ? p.detail() : e instanceof TimeoutException
              ? "RabbitMQ did not confirm the kept letters in time; nothing was removed from this batch"
              : RabbitLink.describe(e));
          if (channel.isOpen()) {
            channel.abort(); // unacked letters go back to the DLQ
          }
          channel = channel.getConnection().createChannel();
        }
      }
      if (channel != first && channel.isOpen()) {
        channel.abort();
      }
      JsonObject answer = new JsonObject().put("queues", removed);
      return failed.isEmpty() ? answer : answer.put("failed", failed);
    });
  }

  private int eraseIn(Channel channel, String dlq, ErasedMessages erased) throws Exception {
    channel.confirmSelect();
    java.util.concurrent.atomic.AtomicReference<String> returned = new java.util.concurrent.atomic.AtomicReference<>();
    channel.addReturnListener(r -> returned.set(r.getReplyText()));
    int available = channel.queueDeclarePassive(dlq).getMessageCount();
    int seen = 0;
    int removed = 0;
    while (seen < available) {
      long lastTag = -1;
      int batch = 0;
      while (batch < BATCH && seen + batch < available) {
        GetResponse letter = channel.basicGet(dlq, false);
        if (letter == null) {
          break;
        }
        if (erased.matches(letter.getProps(), letter.getBody())) {
          removed++;
        } else {
          // Same properties (its x-death and failure headers too), at the DLQ's tail.
          channel.basicPublish("", dlq, true, letter.getProps(), letter.getBody());
        }
        lastTag = letter.getEnvelope().getDeliveryTag();
        batch++;
      }
      if (batch == 0) {
        break;
      }
      channel.waitForConfirmsOrDie(confirmTimeoutMs);
      if (returned.get() != null) {
        // A kept letter found no queue (the DLQ went meanwhile): ack nothing of this batch.
        throw Problem.unavailable("RabbitMQ could not route a kept letter back to '" + dlq + "' (" + returned.get()
            + "); this batch stays as it was");
      }
      channel.basicAck(lastTag, true);
      seen += batch;
    }
    return removed;
  }

  private interface ChannelWork<T> {
    T run(Channel channel) throws Exception;
  }

  private <T> Future<T> withChannel(ChannelWork<T> work) {
    Connection connection = link.connection();
    if (connection == null) {
      return Future.failedFuture(Problem.unavailable(link.downReason()));
    }
    return vertx.executeBlocking(() -> {
      Channel channel = connection.createChannel();
      try {
        return work.run(channel);
      } catch (Problem e) {
        throw e;
      } catch (TimeoutException e) {
        throw Problem.unavailable("RabbitMQ did not confirm the moved messages in time; they are still in the dead-letter queue");
      } catch (Exception e) {
        throw Problem.unavailable("RabbitMQ: " + RabbitLink.describe(e));
      } finally {
        if (channel.isOpen()) {
          channel.abort();
        }
      }
    }, false);
  }
}
