package io.switchboard.queue;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * The acks of one consumer channel, sent in batches from the link thread: when every delivery up
 * to the highest finished one is finished, a single {@code basic.ack multiple} covers them all (one
 * frame for RabbitMQ instead of one per message); otherwise each is acked on its own.
 */
final class Acks {

  private final Channel channel;
  private final RabbitLink link;
  private final IntConsumer acked;
  /** Delivered and not yet acked or nacked, by delivery tag. */
  private final ConcurrentSkipListSet<Long> outstanding = new ConcurrentSkipListSet<>();
  private final Queue<Long> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  Acks(Channel channel, RabbitLink link, IntConsumer acked) {
    this.channel = channel;
    this.link = link;
    this.acked = acked;
  }

  /** Connection reader thread, in delivery order. */
  void delivered(long tag) {
    outstanding.add(tag);
  }

  /** Any thread: the message is handled (or moved on); ack it soon. */
  void ack(long tag) {
    finished.add(tag);
    if (scheduled.compareAndSet(false, true)) {
      link.execute(this::flush);
    }
  }

  /** Any thread: give the message back to its queue. */
  void requeue(long tag) {
    link.execute(() -> {
      outstanding.remove(tag);
      if (channel.isOpen()) {
        try {
          channel.basicNack(tag, false, true);
        } catch (IOException | AlreadyClosedException closed) {
          // back in the queue with the channel anyway
        }
      }
    });
  }

  private void flush() {
    scheduled.set(false);
    List<Long> tags = new ArrayList<>();
    Long tag;
    long highest = -1;
    while ((tag = finished.poll()) != null) {
      tags.add(tag);
      highest = Math.max(highest, tag);
      outstanding.remove(tag);
    }
    // A delivery from a channel that died is back in its queue already; its tag means nothing now.
    if (tags.isEmpty() || !channel.isOpen()) {
      return;
    }
    try {
      Long lowestOpen = outstanding.isEmpty() ? null : outstanding.first();
      if (lowestOpen == null || lowestOpen > highest) {
        channel.basicAck(highest, true);
      } else {
        for (long t : tags) {
          channel.basicAck(t, false);
        }
      }
      acked.accept(tags.size());
    } catch (IOException | AlreadyClosedException closed) {
      // the channel went: RabbitMQ redelivers these
    }
  }
}
