package io.switchboard.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The client of the write-path tests: connects to the server's {@code /ws}, says "go" and then
 * reads nothing for half a second, so the server's socket fills and its later frames must wait.
 */
final class LateReader {

  private LateReader() {
  }

  /**
   * Completes with {@code count} once frames 0 … count - 1 arrived whole and in order ({@code
   * numberOf} reads a frame's number), or fails at the first that did not. The caller holds {@code
   * client}: Vert.x closes a client nothing refers to, even in the middle of a handshake.
   */
  static CompletableFuture<Integer> framesInOrder(Vertx vertx, WebSocketClient client, HttpServer server, int count,
                                                  ToIntFunction<String> numberOf, Predicate<String> whole) throws Exception {
    CompletableFuture<Integer> received = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/ws"))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    socket.pause();
    socket.textMessageHandler(text -> {
      int n = numberOf.applyAsInt(text);
      if (n != next.getAndIncrement() || !whole.test(text)) {
        received.completeExceptionally(new AssertionError("frame " + n + " arrived as number " + (next.get() - 1) + " (or not whole)"));
      } else if (n == count - 1) {
        received.complete(count);
      }
    });
    socket.writeTextMessage("go");
    vertx.setTimer(500, t -> socket.resume());
    return received;
  }
}
