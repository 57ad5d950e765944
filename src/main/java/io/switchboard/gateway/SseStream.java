package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One Server-Sent Events connection.
 *
 * <p>Never buffers without bound: when the client reads slower than messages arrive, at most
 * {@code maxBacklog} frames wait here; past that the slow-client policy drops the oldest (and tells
 * the client with a {@code switchboard.gap} event) or closes the connection.
 */
final class SseStream implements Subscriber {

  enum SlowPolicy { DROP_OLDEST, CLOSE }

  record Settings(long retryMs, int maxBacklog, SlowPolicy policy, String source) {}

  private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");

  private final HttpServerResponse response;
  private final List<TopicPattern> patterns;
  private final Settings settings;
  private final ConnectionMetrics metrics;
  private final ArrayDeque<Buffer> backlog = new ArrayDeque<>();
  private List<TopicEvent> held;
  private long deliveredUpTo;
  private long dropped;
  private boolean drainArmed;
  private boolean closed;

  SseStream(HttpServerResponse response, List<TopicPattern> patterns, Settings settings, ConnectionMetrics metrics) {
    this.response = response;
    this.patterns = patterns;
    this.settings = settings;
    this.metrics = metrics;
  }

  List<TopicPattern> patterns() {
    return patterns;
  }

  /** Sends the headers and the reconnect delay, so the client sees the stream open at once. */
  void open() {
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    response.write("retry: " + settings.retryMs() + "\n\n");
  }

  /** Live messages wait until the replay of what the client missed has been written. */
  void holdForReplay() {
    held = new ArrayList<>();
  }

  /** Writes the history reply ({@code gap}, {@code last}, {@code events}), then the held live messages. */
  void replay(JsonObject history) {
    if (history.getBoolean("gap", false)) {
      send(gapFrame("history", 0));
    }
    JsonArray events = history.getJsonArray("events", new JsonArray());
    for (int i = 0; i < events.size(); i++) {
      TopicEvent event = TopicEvent.fromJson(events.getJsonObject(i));
      deliveredUpTo = Math.max(deliveredUpTo, event.sequence());
      send(new OutboundFrames(event).sse());
    }
    deliveredUpTo = Math.max(deliveredUpTo, history.getLong("last", 0L));
    releaseHeld();
  }

  /** The history could not be read: say so, and carry on live. */
  void replayFailed() {
    send(gapFrame("history-unavailable", 0));
    releaseHeld();
  }

  private void releaseHeld() {
    List<TopicEvent> waiting = held;
    held = null;
    for (TopicEvent event : waiting) {
      deliver(event, new OutboundFrames(event));
    }
  }

  @Override
  public void deliver(TopicEvent event, OutboundFrames frames) {
    if (closed) {
      return;
    }
    if (held != null) {
      if (held.size() >= settings.maxBacklog()) {
        held.remove(0);
        dropped++;
        metrics.dropped();
      }
      held.add(event);
      return;
    }
    if (event.sequence() <= deliveredUpTo) {
      return;
    }
    deliveredUpTo = event.sequence();
    send(frames.sse());
  }

  void heartbeat() {
    if (!closed && backlog.isEmpty() && !response.writeQueueFull()) {
      response.write(HEARTBEAT);
    }
  }

  private void send(Buffer frame) {
    if (closed) {
      return;
    }
    if (backlog.isEmpty() && !response.writeQueueFull()) {
      if (dropped > 0) {
        response.write(gapFrame("slow-client", dropped));
        dropped = 0;
      }
      response.write(frame);
      metrics.sent();
      return;
    }
    if (backlog.size() >= settings.maxBacklog()) {
      if (settings.policy() == SlowPolicy.CLOSE) {
        metrics.slowClosed();
        close();
        return;
      }
      backlog.removeFirst();
      dropped++;
      metrics.dropped();
    }
    backlog.addLast(frame);
    armDrain();
  }

  private void armDrain() {
    if (!drainArmed) {
      drainArmed = true;
      response.drainHandler(v -> drain());
    }
  }

  private void drain() {
    drainArmed = false;
    if (closed) {
      return;
    }
    if (dropped > 0) {
      // The dropped frames were older than everything still waiting, so the notice goes first.
      response.write(gapFrame("slow-client", dropped));
      dropped = 0;
    }
    while (!backlog.isEmpty() && !response.writeQueueFull()) {
      response.write(backlog.pollFirst());
      metrics.sent();
    }
    if (!backlog.isEmpty()) {
      armDrain();
    }
  }

  /** A {@code switchboard.gap} event: without an {@code id:}, so the client's resume cursor stays put. */
  private Buffer gapFrame(String reason, long count) {
    JsonObject data = new JsonObject().put("reason", reason);
    if (count > 0) {
      data.put("dropped", count);
    }
    JsonObject event = new JsonObject().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
        .put("source", settings.source()).put("type", "switchboard.gap")
        .put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()).put("data", data);
    return Buffer.buffer("event: switchboard.gap\ndata: " + event.encode() + "\n\n");
  }

  void close() {
    if (!closed) {
      closed = true;
      backlog.clear();
      response.reset();
    }
  }

  boolean isClosed() {
    return closed;
  }

  void markClosed() {
    closed = true;
    backlog.clear();
  }
}
