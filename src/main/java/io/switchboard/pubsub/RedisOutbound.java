package io.switchboard.pubsub;

import io.switchboard.core.RateLimitedLog;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hub → Redis: PUBLISHes the matching topic messages accepted on this node, in order, on the one
 * publisher connection (pipelined, at most {@value #MAX_IN_FLIGHT} unanswered).
 *
 * <p>While Redis is unreachable (or slower than the hub) messages wait in a buffer bounded by
 * {@code redis.outbound.buffer}; what does not fit is dropped and counted. A PUBLISH that was
 * written when the connection died is counted as dropped too, not sent again: topics are
 * at-most-once, and a second copy would be a duplicate for subscribers that got the first.
 *
 * <p>The same connection carries the heartbeat that proves both connections alive.
 */
final class RedisOutbound {

  static final int MAX_IN_FLIGHT = 512;
  private static final Logger log = LoggerFactory.getLogger(RedisOutbound.class);

  private final Vertx vertx;
  private final List<TopicPattern> topics;
  private final boolean allTopics;
  private final int bound;
  private final RedisMessages messages;
  private final RedisRelayMetrics metrics;
  private final String heartbeatChannel;
  private final long heartbeatTimeoutMs;
  private final ArrayDeque<TopicEvent> buffer = new ArrayDeque<>();
  private final RateLimitedLog droppedLog = new RateLimitedLog(log, 10_000);

  private RedisLink link;
  private int inFlight;
  private long heartbeatSequence;

  RedisOutbound(Vertx vertx, RedisRelaySettings settings, RedisMessages messages, RedisRelayMetrics metrics,
                String heartbeatChannel, long heartbeatTimeoutMs) {
    this.vertx = vertx;
    this.topics = settings.outboundTopics();
    this.allTopics = topics.stream().anyMatch(p -> p.toString().equals(TopicPattern.ANY));
    this.bound = settings.outboundBuffer();
    this.messages = messages;
    this.metrics = metrics;
    this.heartbeatChannel = heartbeatChannel;
    this.heartbeatTimeoutMs = heartbeatTimeoutMs;
  }

  void link(RedisLink link) {
    this.link = link;
  }

  /** A message accepted on this node (Addresses.TOPICS_PUBLISHED). */
  void accept(TopicEvent event) {
    if (RedisRelayVerticle.ORIGIN.equals(event.origin()) || !matches(event.topic())) {
      return; // what came from Redis is not written back
    }
    RedisConnection conn = link.connection();
    if (conn != null && buffer.isEmpty() && inFlight < MAX_IN_FLIGHT) {
      send(conn, event);
    } else if (buffer.size() < bound) {
      buffer.add(event);
      metrics.buffered.set(buffer.size());
    } else {
      metrics.droppedOut.increment();
      droppedLog.warn("redis outbound buffer full (" + bound + " messages"
          + (conn == null ? ", Redis unreachable" : ", Redis slower than the hub") + "): dropping topic messages");
    }
  }

  /** Link up: send what waited. */
  void drain() {
    RedisConnection conn = link.connection();
    while (conn != null && inFlight < MAX_IN_FLIGHT && !buffer.isEmpty()) {
      send(conn, buffer.poll());
    }
    metrics.buffered.set(buffer.size());
  }

  /** Stopping: what still waits is lost. */
  void discard() {
    if (!buffer.isEmpty()) {
      log.warn("redis relay stopping with {} outbound messages unsent", buffer.size());
      metrics.droppedOut.increment(buffer.size());
      buffer.clear();
      metrics.buffered.set(0);
    }
  }

  int buffered() {
    return buffer.size();
  }

  /**
   * Writes the next heartbeat; {@code acknowledged} hears its sequence once Redis answered. A
   * connection that does not answer within the timeout is declared dead.
   */
  void heartbeat(LongConsumer acknowledged) {
    RedisConnection conn = link.connection();
    if (conn == null) {
      return;
    }
    long sequence = ++heartbeatSequence;
    boolean[] settled = {false};
    long timer = vertx.setTimer(heartbeatTimeoutMs, t -> {
      if (!settled[0]) {
        settled[0] = true;
        link.fail(conn, "no answer to a PUBLISH within " + heartbeatTimeoutMs + " ms");
      }
    });
    conn.send(Request.cmd(Command.PUBLISH).arg(heartbeatChannel).arg(sequence)).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (!settled[0]) {
        settled[0] = true;
        if (ar.succeeded()) {
          acknowledged.accept(sequence);
        }
      }
    });
  }

  private boolean matches(String topic) {
    if (allTopics) {
      return true;
    }
    for (TopicPattern pattern : topics) {
      if (pattern.matches(topic)) {
        return true;
      }
    }
    return false;
  }

  private void send(RedisConnection conn, TopicEvent event) {
    inFlight++;
    Future<Response> published;
    try {
      published = conn.send(Request.cmd(Command.PUBLISH).arg(messages.channelOf(event.topic())).arg(messages.payloadOf(event)));
    } catch (RuntimeException e) {
      published = Future.failedFuture(e);
    }
    published.onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        metrics.out.increment();
        drain();
      } else {
        // No drain here: the connection is failing (maybe synchronously, under this very call);
        // the buffer is sent when the link is up again.
        metrics.droppedOut.increment();
        droppedLog.warn("redis PUBLISH failed, topic message dropped: " + ar.cause().getMessage());
      }
    });
  }
}
