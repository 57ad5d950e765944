package io.switchboard.gateway;

import java.util.ArrayDeque;

/**
 * What waits to be written to one client connection, bounded.
 *
 * <p>Frames go straight to the socket while it keeps up. When its write queue is full they wait
 * here, at most {@code maxBacklog} of them; past that the slow-client policy applies: drop the
 * oldest (the client is told how many with a gap notice before the next frame it gets) or close
 * the connection. So a client that never reads costs a bounded amount of memory.
 */
final class Outbox<T> {

  @SuppressWarnings("rawtypes")
  private static final ArrayDeque EMPTY = new ArrayDeque<>(0);

  enum SlowPolicy {
    DROP_OLDEST, CLOSE;

    static SlowPolicy of(String name) {
      return "close".equals(name) ? CLOSE : DROP_OLDEST;
    }
  }

  /** The connection side of an outbox. */
  interface Sink<T> {
    /** Whether the connection has gone (its close handler may not have run yet). */
    boolean isClosed();

    void write(T frame);

    boolean writeQueueFull();

    void drainHandler(Runnable onDrain);

    /** A frame telling the client that {@code dropped} messages were dropped before the next one. */
    T gapNotice(long dropped);

    /** Closes the connection because the client reads too slowly. */
    void closeAsSlow();
  }

  private final Sink<T> sink;
  private final int maxBacklog;
  private final SlowPolicy policy;
  private final ConnectionMetrics metrics;
  /** Allocated when a frame first has to wait: most connections keep up and never need it. */
  private ArrayDeque<T> backlog = EMPTY;
  private long dropped;
  private boolean drainArmed;
  private boolean closed;

  Outbox(Sink<T> sink, int maxBacklog, SlowPolicy policy, ConnectionMetrics metrics) {
    this.sink = sink;
    this.maxBacklog = maxBacklog;
    this.policy = policy;
    this.metrics = metrics;
  }

  /** Sends a message frame (counted as a message out). */
  void send(T frame) {
    if (closed || sink.isClosed()) {
      return;
    }
    if (backlog.isEmpty() && !sink.writeQueueFull()) {
      flushGapNotice();
      sink.write(frame);
      metrics.sent();
      return;
    }
    if (backlog.size() >= maxBacklog) {
      if (policy == SlowPolicy.CLOSE) {
        metrics.slowClosed();
        close();
        sink.closeAsSlow();
        return;
      }
      backlog.removeFirst();
      dropped++;
      metrics.dropped();
    }
    if (backlog == EMPTY) {
      backlog = new ArrayDeque<>(4);
    }
    backlog.addLast(frame);
    armDrain();
  }

  /**
   * Whether a message may bypass the outbox and be written straight to the connection: nothing
   * waits here and no gap notice is owed (the caller still checks that the connection has room).
   */
  boolean isIdle() {
    return !closed && backlog.isEmpty() && dropped == 0 && !sink.isClosed();
  }

  /** Counts a message that a delivery wrote straight to the connection (see {@link #isIdle}). */
  void sentDirectly() {
    metrics.sentInDelivery();
  }

  /** Counts a message the connection had to drop before it reached the outbox (held during a replay). */
  void droppedElsewhere() {
    dropped++;
    metrics.dropped();
  }

  /** Writes a control frame (heartbeat, acknowledgement) only when nothing is waiting. */
  boolean sendIfIdle(T frame) {
    if (closed || sink.isClosed() || !backlog.isEmpty() || sink.writeQueueFull()) {
      return false;
    }
    sink.write(frame);
    return true;
  }

  private void flushGapNotice() {
    if (dropped > 0) {
      // The dropped frames were older than everything still to come, so the notice goes first.
      sink.write(sink.gapNotice(dropped));
      dropped = 0;
    }
  }

  private void armDrain() {
    if (!drainArmed) {
      drainArmed = true;
      sink.drainHandler(this::drain);
    }
  }

  private void drain() {
    drainArmed = false;
    if (closed || sink.isClosed()) {
      return;
    }
    flushGapNotice();
    while (!backlog.isEmpty() && !sink.writeQueueFull()) {
      sink.write(backlog.pollFirst());
      metrics.sent();
    }
    if (!backlog.isEmpty()) {
      armDrain();
    }
  }

  int backlogSize() {
    return backlog.size();
  }

  void close() {
    closed = true;
    backlog = EMPTY;
  }

  boolean isClosed() {
    return closed;
  }
}
