package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A storm of handshakes, each a task of about a millisecond on the event loop as Vert.x runs them,
 * against a message that reaches the loop once the storm is under way: it must not wait for the
 * whole storm.
 */
class HandshakePacerTest {

  private static final int STORM = 300;
  private static final int PER_TURN = 8;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aMessageQueuedDuringAStormWaitsForAFewHandshakesNotForAllOfThem() throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Integer> doneBeforeMessage = new CompletableFuture<>();
    CompletableFuture<List<Integer>> allDone = new CompletableFuture<>();
    context.runOnContext(v -> {
      HandshakePacer pacer = new HandshakePacer(context, PER_TURN);
      List<Integer> done = new ArrayList<>();
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < STORM; i++) {
        int id = i;
        results.add(pacer.admit(() -> handshake(context, id, done, doneBeforeMessage)));
      }
      Future.all(results).onSuccess(all -> allDone.complete(List.copyOf(done)));
    });
    List<Integer> done = allDone.get(30, TimeUnit.SECONDS);
    assertThat(done).hasSize(STORM).isSorted(); // every one, in the order they came
    assertThat(doneBeforeMessage.get(1, TimeUnit.SECONDS)).isLessThanOrEqualTo(2 * PER_TURN);
  }

  @Test
  void aFailedOrThrowingHandshakePassesItsFailureOnAndTheOthersStillRun() throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<String>> outcomes = new CompletableFuture<>();
    context.runOnContext(v -> {
      HandshakePacer pacer = new HandshakePacer(context, 1);
      Future<String> failed = pacer.admit(() -> Future.failedFuture("refused"));
      Future<String> thrown = pacer.admit(() -> {
        throw new IllegalStateException("closed meanwhile");
      });
      Future<String> fine = pacer.admit(() -> Future.succeededFuture("open"));
      Future.join(failed, thrown, fine).onComplete(all -> outcomes.complete(List.of(
          failed.cause().getMessage(), thrown.cause().getMessage(), fine.result())));
    });
    assertThat(outcomes.get(10, TimeUnit.SECONDS)).containsExactly("refused", "closed meanwhile", "open");
  }

  /**
   * Like Vert.x's: the work runs as a task of the loop. The first one, once done, queues a message
   * behind whatever the loop holds then, which notes how many handshakes were done before it ran.
   */
  private static Future<Integer> handshake(Context context, int id, List<Integer> done,
                                           CompletableFuture<Integer> doneBeforeMessage) {
    Promise<Integer> promise = Promise.promise();
    context.runOnContext(v -> {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
      while (System.nanoTime() < until) {
        Thread.onSpinWait(); // the handshake's CPU
      }
      done.add(id);
      if (id == 0) {
        context.runOnContext(message -> doneBeforeMessage.complete(done.size()));
      }
      promise.complete(id);
    });
    return promise.future();
  }
}
