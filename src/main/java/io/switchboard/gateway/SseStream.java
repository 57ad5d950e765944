package io.switchboard.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
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
  /** This turn's lone frame so far, or its frames copied into one chunk. */
  private Buffer pending;
  private ByteBuf chunk;
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
   * is written as it is (frames are shared between connections: copied, never appended to); more
   * are copied into pooled direct memory, which the socket writes as it is: a heap chunk grew as
   * frames came and was then copied once more into direct memory by the socket's write.
   */
  private void coalesce(Buffer frame) {
    if (context == null) {
      writeNow(frame);
      return;
    }
    if (pending == null && chunk == null) {
      pending = frame;
      context.runOnContext(v -> flushPending());
      return;
    }
    if (chunk == null) {
      chunk = ByteBufAllocator.DEFAULT.directBuffer(COALESCE_BYTES);
      chunk.writeBytes(((BufferInternal) pending).getByteBuf());
      pending = null;
    }
    chunk.writeBytes(((BufferInternal) frame).getByteBuf());
    if (chunk.readableBytes() >= COALESCE_BYTES) {
      flushPending();
    }
  }

  private void flushPending() {
    Buffer lone = pending;
    ByteBuf frames = chunk;
    pending = null;
    chunk = null;
    if (frames != null) {
      writeOwned(frames);
    } else if (lone != null && !closed) {
      writeNow(lone);
    }
  }

  private void writeNow(Buffer frame) {
    try {
      response.write(frame);
    } catch (IllegalStateException responseClosed) {
      closed = true;
    }
  }

  /** Vert.x writes a buffer it did not make without releasing it: the chunk goes back to the pool once written (or failed). */
  private void writeOwned(ByteBuf frames) {
    if (closed) {
      frames.release();
      return;
    }
    try {
      response.write(BufferInternal.buffer(frames)).onComplete(written -> frames.release());
    } catch (IllegalStateException responseClosed) {
      frames.release();
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
