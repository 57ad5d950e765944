package io.switchboard.pubsub;

import io.switchboard.core.RateLimitedLog;
import io.switchboard.core.Addresses;
import io.switchboard.core.NodeRoster;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicPublication;
import io.switchboard.core.TopicPublisher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis → hub: PSUBSCRIBEs the configured channel patterns on the subscriber connection and
 * publishes each message into the hub, on this node only (every node's relay subscribes itself).
 *
 * <p>The messages of one read go to the router in one request ({@link TopicPublisher}), each with
 * its own outcome. Flow control: at most {@value #MAX_IN_FLIGHT} messages wait for the router;
 * beyond that the connection stops reading, so a flood waits in Redis instead of in this process.
 *
 * <p>Liveness: the subscriber also SUBSCRIBEs to a heartbeat channel of its own that the publisher
 * connection writes to; a connection that silently stopped delivering (no heartbeat seen while
 * Redis acknowledged {@value #MISSED_HEARTBEATS} of them) is declared dead and replaced.
 */
final class RedisInbound {

  static final int MAX_IN_FLIGHT = 512;
  private static final Buffer PMESSAGE = Buffer.buffer("pmessage");
  private static final int MISSED_HEARTBEATS = 3;
  private static final long PUBLISH_TIMEOUT_MS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(RedisInbound.class);

  private final List<String> patterns;
  private final String heartbeatChannel;
  private final RedisMessages messages;
  private final RedisRelayMetrics metrics;
  private final RateLimitedLog rejectedLog = new RateLimitedLog(log, 10_000);
  private final RateLimitedLog droppedLog = new RateLimitedLog(log, 10_000);

  private RedisLink link;
  private int inFlight;
  private RedisConnection paused;
  private long heartbeatsAcked;
  private long heartbeatsSeen;

  private final NodeRoster roster;
  private final TopicPublisher withEffects;
  /** On every node but the first: the once-per-message effects are the first node's (see NodeRoster). */
  private final TopicPublisher withoutEffects;
  private TopicPublisher lastPublisher;
  /**
   * The channel the last message came on and its topic: messages come in runs on few channels, so
   * most of them skip decoding and checking its name.
   */
  private Buffer lastChannel;
  private String lastTopic;

  /** Created on the relay's event loop, which its publishes are gathered on. */
  RedisInbound(Vertx vertx, RedisRelaySettings settings, String heartbeatChannel, RedisMessages messages,
               RedisRelayMetrics metrics, NodeRoster roster) {
    DeliveryOptions options = new DeliveryOptions()
        .addHeader(Addresses.ORIGIN_HEADER, RedisRelayVerticle.ORIGIN)
        .addHeader(Addresses.SCOPE_HEADER, Addresses.SCOPE_NODE)
        .setSendTimeout(PUBLISH_TIMEOUT_MS);
    this.withEffects = new TopicPublisher(vertx, options);
    this.withoutEffects = new TopicPublisher(vertx, new DeliveryOptions(options)
        .addHeader(Addresses.EFFECTS_HEADER, Addresses.EFFECTS_NONE));
    this.roster = roster;
    this.patterns = settings.subscribePatterns();
    this.heartbeatChannel = heartbeatChannel;
    this.messages = messages;
    this.metrics = metrics;
  }

  void link(RedisLink link) {
    this.link = link;
  }

  /** Link setup: subscribe, and complete once Redis confirmed every subscription. */
  Future<Void> subscribe(RedisConnection conn) {
    Promise<Void> confirmed = Promise.promise();
    Set<String> awaiting = new HashSet<>();
    Request psubscribe = Request.cmd(Command.PSUBSCRIBE);
    for (String pattern : patterns) {
      psubscribe.arg(pattern);
      awaiting.add("psubscribe " + pattern);
    }
    awaiting.add("subscribe " + heartbeatChannel);
    conn.handler(push -> onPush(conn, push, awaiting, confirmed));
    // Subscribe commands complete when written; Redis confirms each subscription with a push.
    return conn.send(psubscribe)
        .compose(v -> conn.send(Request.cmd(Command.SUBSCRIBE).arg(heartbeatChannel)))
        .compose(v -> confirmed.future());
  }

  /** Link up: the heartbeats Redis acknowledged before this connection subscribed do not count. */
  void connected() {
    heartbeatsSeen = heartbeatsAcked;
    paused = null; // that was the old connection; the new one reads until the in-flight bound again
  }

  /** The publisher connection wrote heartbeat {@code sequence} and Redis acknowledged it. */
  void heartbeatAcknowledged(long sequence) {
    heartbeatsAcked = Math.max(heartbeatsAcked, sequence);
  }

  /** Periodic: replace a subscriber connection that stopped delivering without closing. */
  void checkAlive() {
    RedisConnection conn = link.connection();
    if (conn == null || paused != null) {
      return;
    }
    long missed = heartbeatsAcked - heartbeatsSeen;
    if (missed >= MISSED_HEARTBEATS) {
      heartbeatsSeen = heartbeatsAcked;
      link.fail(conn, missed + " heartbeats written to Redis never arrived");
    }
  }

  private void onPush(RedisConnection conn, Response push, Set<String> awaiting, Promise<Void> confirmed) {
    if (push == null) {
      return;
    }
    if (push.type() == ResponseType.ERROR) {
      String error = "Redis refused: " + push;
      if (!confirmed.tryFail(error)) {
        link.fail(conn, error);
      }
      return;
    }
    if (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI || push.size() < 3) {
      return; // not a pub/sub push
    }
    if (push.size() >= 4 && PMESSAGE.equals(push.get(0).toBuffer())) {
      receive(conn, push.get(2).toBuffer(), push.get(3).toBuffer()); // nearly every push: no String for its kind
      return;
    }
    String kind = push.get(0).toString();
    switch (kind) {
      case "message" -> receive(conn, push.get(1).toBuffer(), push.get(2).toBuffer());
      case "psubscribe", "subscribe" -> {
        if (awaiting.remove(kind + " " + push.get(1).toString()) && awaiting.isEmpty()) {
          confirmed.tryComplete();
        }
      }
      default -> { }
    }
  }

  private void receive(RedisConnection conn, Buffer channel, Buffer payload) {
    String topic;
    Envelope event;
    try {
      if (channel.equals(lastChannel)) {
        topic = lastTopic;
      } else {
        String name = channel.toString();
        if (name.equals(heartbeatChannel)) {
          heartbeatsSeen = Math.max(heartbeatsSeen, heartbeatSequence(payload));
          return;
        }
        topic = messages.topicOf(name);
        lastChannel = channel;
        lastTopic = topic;
      }
      event = messages.eventOf(payload);
    } catch (Problem problem) {
      metrics.rejected.increment();
      Metrics.countedIfInvalid(problem); // an invalid CloudEvent, as every way in counts one
      rejectedLog.warn("redis message on channel '" + printable(channel.toString()) + "' rejected: " + problem.detail());
      return;
    }
    if (event == null) {
      return; // this relay wrote it: the hub has it already
    }
    publish(conn, topic, event);
  }

  private void publish(RedisConnection conn, String topic, Envelope event) {
    if (++inFlight >= MAX_IN_FLIGHT && paused == null) {
      paused = conn;
      conn.pause();
    }
    TopicPublisher publisher = roster.isFirst() ? withEffects : withoutEffects;
    if (publisher != lastPublisher && lastPublisher != null) {
      lastPublisher.flush(); // this node's role changed within a read: the messages before it go first
    }
    lastPublisher = publisher;
    publisher.publish(new TopicPublication(topic, event)).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        metrics.in.increment();
      } else {
        metrics.droppedIn.increment();
        droppedLog.warn("redis message on channel '" + messages.channelOf(topic) + "' dropped: "
            + Problem.from(ar.cause(), Addresses.TOPICS_PUBLISH).detail());
      }
      if (paused != null && inFlight <= MAX_IN_FLIGHT / 2) {
        paused.resume();
        paused = null;
      }
    });
  }

  private static long heartbeatSequence(Buffer payload) {
    try {
      return Long.parseLong(payload.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Channel names come from outside: keep them from breaking a log line. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 100));
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > 100 ? out.append('…').toString() : out.toString();
  }
}
