package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pattern subscriptions for event-bus bridge clients ({@link Addresses#TOPICS_WATCH}): each matching
 * message is sent to the client's watch address until the watch expires unrenewed, so a client that
 * vanished costs nothing for long. The bridge hook has checked the patterns against the client's
 * credential before the request gets here.
 */
final class TopicWatches {

  private static final long DEFAULT_TTL_MS = 60_000;
  private static final long MAX_TTL_MS = 300_000;
  private static final int MAX_PATTERNS = 100;

  private final class Watch implements Subscriber {
    final String address;
    final List<TopicPattern> patterns;
    long timer;

    Watch(String address, List<TopicPattern> patterns) {
      this.address = address;
      this.patterns = patterns;
    }

    @Override
    public void deliver(TopicEvent event, OutboundFrames frames) {
      // the envelope does not name its topic: a header does
      vertx.eventBus().send(address, frames.envelope(),
          new DeliveryOptions().setLocalOnly(true).addHeader("topic", event.topic()));
    }
  }

  private final Vertx vertx;
  private final LocalSubscriptions subscriptions;
  private final Map<String, Watch> watches = new HashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  TopicWatches(Vertx vertx, LocalSubscriptions subscriptions) {
    this.vertx = vertx;
    this.subscriptions = subscriptions;
    this.consumer = vertx.eventBus().localConsumer(Addresses.TOPICS_WATCH, this::watch);
  }

  private void watch(Message<JsonObject> request) {
    try {
      JsonObject body = request.body() == null ? new JsonObject() : request.body();
      String address = body.getValue("address") instanceof String a ? a : "";
      if (!address.startsWith(Addresses.WATCH_PREFIX) || address.length() > 200) {
        throw Problem.badRequest("invalid-watch", "\"address\" must start with " + Addresses.WATCH_PREFIX);
      }
      List<TopicPattern> patterns = patterns(body.getValue("topics"));
      long ttl = Math.min(MAX_TTL_MS, Math.max(1000, body.getLong("ttl_ms", DEFAULT_TTL_MS)));
      forget(address);
      Watch watch = new Watch(address, patterns);
      watch.timer = vertx.setTimer(ttl, id -> forget(address));
      watches.put(address, watch);
      subscriptions.add(watch, patterns);
      JsonArray watching = new JsonArray();
      patterns.forEach(p -> watching.add(p.toString()));
      request.reply(new JsonObject().put("watching", watching).put("ttl_ms", ttl));
    } catch (Problem problem) {
      problem.failReply(request);
    }
  }

  static List<TopicPattern> patterns(Object topics) {
    if (!(topics instanceof JsonArray list) || list.isEmpty() || list.size() > MAX_PATTERNS) {
      throw Problem.badRequest("invalid-watch", "\"topics\" must be 1 to " + MAX_PATTERNS + " topic patterns");
    }
    List<TopicPattern> patterns = new ArrayList<>();
    for (Object p : list) {
      patterns.add(TopicPattern.parse(String.valueOf(p)));
    }
    return patterns;
  }

  private void forget(String address) {
    Watch old = watches.remove(address);
    if (old != null) {
      vertx.cancelTimer(old.timer);
      subscriptions.remove(old, old.patterns);
    }
  }

  void close() {
    consumer.unregister();
    new ArrayList<>(watches.keySet()).forEach(this::forget);
  }
}
