package io.switchboard.gateway;

import io.netty.channel.SingleThreadEventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Paces the WebSocket handshakes of one gateway instance, a few per turn of its event loop, so a
 * reconnect storm does not starve the messages that loop carries.
 *
 * <p>Vert.x runs each handshake as a task on the connection's event loop, and Netty runs a loop's
 * queued tasks for up to a second before it reads its sockets again. Thousands of upgrade requests
 * read in one turn queued thousands of handshakes, and an event-bus reply (the answer to a
 * publish) or a request on another socket waited behind all of them: one to two seconds in a
 * 5,000-client storm. Here the handshakes wait in this queue, their requests paused (an upgrade
 * has no body), and {@code perTurn} of them are started at the end of each turn: the next turn
 * reads the sockets first and runs whatever was queued meanwhile beside those few.
 */
final class HandshakePacer {

  private final Context context;
  /** Netty's loop of this instance, whose end-of-turn tasks start the next slice; null: context tasks. */
  private final SingleThreadEventLoop loop;
  private final int perTurn;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private boolean sliceScheduled;

  HandshakePacer(Context context, int perTurn) {
    this.context = context;
    this.loop = ((ContextInternal) context).nettyEventLoop() instanceof SingleThreadEventLoop l ? l : null;
    this.perTurn = perTurn;
  }

  /** Queues {@code handshake} for a coming turn; the result is the handshake's. */
  <T> Future<T> admit(Supplier<Future<T>> handshake) {
    Promise<T> result = Promise.promise();
    waiting.add(() -> {
      try {
        handshake.get().onComplete(result);
      } catch (RuntimeException e) {
        result.fail(e);
      }
    });
    scheduleSlice();
    return result.future();
  }

  private void scheduleSlice() {
    if (sliceScheduled) {
      return;
    }
    sliceScheduled = true;
    if (loop == null) {
      context.runOnContext(v -> startSlice());
    } else {
      // A task that asks for the end of its turn: asked from an end-of-turn task, Netty would run
      // it in the same turn.
      context.runOnContext(v -> loop.executeAfterEventLoopIteration(this::startSlice));
    }
  }

  private void startSlice() {
    sliceScheduled = false;
    for (int i = 0; i < perTurn && !waiting.isEmpty(); i++) {
      waiting.poll().run();
    }
    if (!waiting.isEmpty()) {
      scheduleSlice();
    }
  }
}
