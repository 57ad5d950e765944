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
  private static final int MAX_HELD = 1000;

  private final class Watch implements Subscriber {
    final String address;
    final List<TopicPattern> patterns;
    long timer;
    /** Live messages waiting while a resume's replay is fetched. */
    java.util.ArrayDeque<OutboundFrames> held;

    Watch(String address, List<TopicPattern> patterns) {
      this.address = address;
      this.patterns = patterns;
    }

    @Override
    public void deliver(TopicEvent event, OutboundFrames frames) {
      if (held != null) {
        if (held.size() < MAX_HELD) {
          held.addLast(frames);
        }
        return;
      }
      send(frames);
    }

    /** The envelope does not name its topic nor its resume cursor: headers do. */
    void send(OutboundFrames frames) {
      DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).addHeader("topic", frames.event().topic());
      if (frames.event().cursor() != null) {
        options.addHeader("cursor", frames.event().cursor());
      }
      vertx.eventBus().send(address, frames.envelope(), options);
    }

    void replay(JsonObject history) {
      if (history.getBoolean("gap", false)) {
        gapNotice("history");
      }
      java.util.Set<Long> replayed = new java.util.HashSet<>();
      JsonArray events = history.getJsonArray("events", new JsonArray());
      for (int i = 0; i < events.size(); i++) {
        OutboundFrames frames = new OutboundFrames(TopicEvent.fromJson(events.getJsonObject(i)));
        replayed.add(frames.sequence());
        send(frames);
      }
      release(replayed);
    }

    void gapNotice(String reason) {
      vertx.eventBus().send(address, gaps.event(reason, 0), new DeliveryOptions().setLocalOnly(true));
    }

    void release(java.util.Set<Long> replayed) {
      java.util.ArrayDeque<OutboundFrames> waiting = held;
      held = null;
      if (waiting != null) {
        waiting.stream().filter(f -> !replayed.contains(f.sequence())).forEach(this::send);
      }
    }
  }

  private final Vertx vertx;
  private final LocalSubscriptions subscriptions;
  private final Map<String, Watch> watches = new HashMap<>();
  private final MessageConsumer<JsonObject> consumer;
  private final GapNotices gaps;

  TopicWatches(Vertx vertx, LocalSubscriptions subscriptions, GapNotices gaps) {
    this.vertx = vertx;
    this.subscriptions = subscriptions;
    this.gaps = gaps;
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
      Object cursor = body.getValue("cursor");
      if (cursor != null && !(cursor instanceof String c && !c.isBlank())) {
        throw Problem.badRequest("invalid-watch", "\"cursor\" must be the cursor header of the last message received");
      }
      forget(address);
      Watch watch = new Watch(address, patterns);
      watch.timer = vertx.setTimer(ttl, id -> forget(address));
      watches.put(address, watch);
      if (cursor != null) {
        watch.held = new java.util.ArrayDeque<>();
      }
      subscriptions.add(watch, patterns);
      JsonArray watching = new JsonArray();
      patterns.forEach(p -> watching.add(p.toString()));
      request.reply(new JsonObject().put("watching", watching).put("ttl_ms", ttl));
      if (cursor != null) {
        // after the reply, so the client knows the watch before the replay reaches it
        vertx.eventBus().<JsonObject>request(Addresses.TOPICS_HISTORY, new JsonObject().put("after", cursor).put("topics", watching))
            .onSuccess(reply -> watch.replay(reply.body()))
            .onFailure(e -> {
              watch.gapNotice("history-unavailable");
              watch.release(java.util.Set.of());
            });
      }
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
