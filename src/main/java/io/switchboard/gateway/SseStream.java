package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One Server-Sent Events connection: live topic messages, an optional replay of what the client
 * missed (Last-Event-ID), heartbeats, and a bounded outbox for slow clients.
 *
 * <p>Frames written in one turn of the event loop go out as one chunk: each HTTP write outside a
 * read flushes, one system call per frame and connection, which under load cost more than the rest
 * of the delivery. The chunk is written by a task queued behind the deliveries already waiting, so
 * a frame waits at most for them; past {@value #COALESCE_BYTES} bytes it is written at once.
 */
final class SseStream implements Subscriber {

  record Settings(long retryMs, int maxBacklog, Outbox.SlowPolicy policy, GapNotices gaps) {}

  private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");
  static final int COALESCE_BYTES = 16 * 1024;

  private final HttpServerResponse response;
  private final List<TopicPattern> patterns;
  private final Settings settings;
  private final Outbox<Buffer> outbox;
  private final Context context;
  private Buffer pending;
  private boolean pendingIsCopy;
  private ArrayDeque<TopicEvent> held;
  private boolean closed;
  private long deliveredUpTo;

  SseStream(HttpServerResponse response, List<TopicPattern> patterns, Settings settings, ConnectionMetrics metrics) {
    this.response = response;
    this.patterns = patterns;
    this.settings = settings;
    this.context = Vertx.currentContext();
    this.outbox = new Outbox<>(new Outbox.Sink<>() {
      @Override
      public boolean isClosed() {
        return closed; // set by the close handler (markClosed); a write racing it is caught below
      }

      @Override
      public void write(Buffer frame) {
        coalesce(frame);
      }

      @Override
      public boolean writeQueueFull() {
        return response.writeQueueFull();
      }

      @Override
      public void drainHandler(Runnable onDrain) {
        response.drainHandler(v -> onDrain.run());
      }

      @Override
      public Buffer gapNotice(long dropped) {
        return sseGap("slow-client", dropped);
      }

      @Override
      public void closeAsSlow() {
        response.reset();
      }
    }, settings.maxBacklog(), settings.policy(), metrics);
  }

  /**
   * Adds a frame to this turn's chunk; the first frame of a turn schedules its write. A lone frame
   * is written as it is (frames are shared between connections: copied, never appended to).
   */
  private void coalesce(Buffer frame) {
    if (context == null) {
      writeNow(frame);
      return;
    }
    if (pending == null) {
      pending = frame;
      pendingIsCopy = false;
      context.runOnContext(v -> flushPending());
      return;
    }
    if (!pendingIsCopy) {
      pending = Buffer.buffer(Math.min(COALESCE_BYTES, 4 * (pending.length() + frame.length()))).appendBuffer(pending);
      pendingIsCopy = true;
    }
    pending.appendBuffer(frame);
    if (pending.length() >= COALESCE_BYTES) {
      flushPending();
    }
  }

  private void flushPending() {
    Buffer chunk = pending;
    pending = null;
    if (chunk != null && chunk.length() > 0 && !closed) {
      writeNow(chunk);
    }
  }

  private void writeNow(Buffer chunk) {
    try {
      response.write(chunk);
    } catch (IllegalStateException responseClosed) {
      closed = true;
    }
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

  /** Live messages wait (bounded) until the replay of what the client missed has been written. */
  void holdForReplay() {
    held = new ArrayDeque<>();
  }

  /** Writes the history reply ({@code gap}, {@code last}, {@code events}), then the held live messages. */
  void replay(JsonObject history) {
    if (history.getBoolean("gap", false)) {
      outbox.send(sseGap("history", 0));
    }
    JsonArray events = history.getJsonArray("events", new JsonArray());
    for (int i = 0; i < events.size(); i++) {
      TopicEvent event = TopicEvent.fromJson(events.getJsonObject(i));
      deliveredUpTo = Math.max(deliveredUpTo, event.sequence());
      outbox.send(new OutboundFrames(event).sse());
    }
    deliveredUpTo = Math.max(deliveredUpTo, history.getLong("last", 0L));
    releaseHeld();
  }

  /** The history could not be read: say so, and carry on live. */
  void replayFailed() {
    outbox.send(sseGap("history-unavailable", 0));
    releaseHeld();
  }

  private void releaseHeld() {
    ArrayDeque<TopicEvent> waiting = held;
    held = null;
    for (TopicEvent event : waiting) {
      deliver(event, new OutboundFrames(event));
    }
  }

  @Override
  public void deliver(TopicEvent event, OutboundFrames frames) {
    if (outbox.isClosed()) {
      return;
    }
    if (held != null) {
      if (held.size() >= settings.maxBacklog()) {
        held.removeFirst();
        outbox.droppedElsewhere();
      }
      held.addLast(event);
      return;
    }
    long sequence = frames.sequence();
    if (sequence <= deliveredUpTo) {
      return;
    }
    deliveredUpTo = sequence;
    outbox.send(frames.sse());
  }

  void heartbeat() {
    outbox.sendIfIdle(HEARTBEAT);
  }

  /** A {@code switchboard.gap} event: without an {@code id:}, so the client's resume cursor stays put. */
  private Buffer sseGap(String reason, long dropped) {
    return Buffer.buffer("event: switchboard.gap\ndata: " + settings.gaps().event(reason, dropped).encode() + "\n\n");
  }

  /** Ends the stream (the node is stopping). */
  void close() {
    if (!outbox.isClosed()) {
      outbox.close();
      response.reset();
    }
  }

  void markClosed() {
    closed = true;
    outbox.close();
  }
}
