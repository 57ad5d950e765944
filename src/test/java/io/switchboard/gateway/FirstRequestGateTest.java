package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * New connections' first requests, all readable in the same turn of the server's event loop (as in
 * a reconnect storm), against a message that reaches the loop once the first of them is handled:
 * it must wait for a few of them, not for all. Requests sent together on a new connection keep
 * their order. (Clients that leave while they wait: ReconnectStormIT.)
 */
class FirstRequestGateTest {

  private static final int STORM = 300;
  private static final int PER_TURN = 8;

  private final Vertx vertx = Vertx.vertx();
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aMessageQueuedDuringAStormOfFirstRequestsWaitsForAFewOfThemNotForAll() throws Exception {
    Context context = vertx.getOrCreateContext();
    AtomicInteger handled = new AtomicInteger();
    CompletableFuture<Integer> handledBeforeMessage = new CompletableFuture<>();
    int port = listen(context, request -> {
      spin(200); // decoding and routing an upgrade request, as the hub does
      if (handled.incrementAndGet() == 1) {
        context.runOnContext(message -> handledBeforeMessage.complete(handled.get()));
      }
      request.response().end("ok");
    });

    // The loop is held while every client connects and sends, so all are readable at once.
    CountDownLatch sent = new CountDownLatch(1);
    context.runOnContext(v -> await(sent));
    for (int i = 0; i < STORM; i++) {
      send(port, "GET /storm/" + i + " HTTP/1.1\r\nHost: hub\r\n\r\n");
    }
    Thread.sleep(200); // for the kernel to take the bytes (the assertion does not depend on it)
    sent.countDown();

    assertThat(handledBeforeMessage.get(10, TimeUnit.SECONDS)).isLessThanOrEqualTo(2 * PER_TURN);
    for (Socket socket : sockets) {
      assertThat(readUntil(socket, "ok")).endsWith("ok"); // and every one of them is answered
    }
  }

  @Test
  void requestsSentTogetherOnANewConnectionAreAnsweredInOrder() throws Exception {
    Context context = vertx.getOrCreateContext();
    int port = listen(context, request -> request.response().end("[" + request.path() + "]"));
    Socket socket = send(port, "GET /first HTTP/1.1\r\nHost: hub\r\n\r\nGET /second HTTP/1.1\r\nHost: hub\r\n\r\n"
        + "GET /third HTTP/1.1\r\nHost: hub\r\n\r\n");
    String answers = readUntil(socket, "[/third]");
    assertThat(answers.indexOf("[/first]")).isPositive().isLessThan(answers.indexOf("[/second]"));
    assertThat(answers.indexOf("[/second]")).isLessThan(answers.indexOf("[/third]"));
  }

  /** A server on {@code context} whose new connections pass the gate, as the gateway's do. */
  private int listen(Context context, io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler)
      throws Exception {
    CompletableFuture<HttpServer> server = new CompletableFuture<>();
    context.runOnContext(v -> vertx.createHttpServer()
        .connectionHandler(FirstRequestGate.installer(new HandshakePacer(context, PER_TURN)))
        .requestHandler(handler)
        .listen(0, "127.0.0.1")
        .onComplete(r -> {
          if (r.succeeded()) {
            server.complete(r.result());
          } else {
            server.completeExceptionally(r.cause());
          }
        }));
    return server.get(10, TimeUnit.SECONDS).actualPort();
  }

  private Socket send(int port, String request) throws Exception {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    sockets.add(socket);
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static String readUntil(Socket socket, String end) throws Exception {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    byte[] buffer = new byte[1024];
    while (!read.toString(StandardCharsets.US_ASCII).endsWith(end)) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      read.write(buffer, 0, n);
    }
    return read.toString(StandardCharsets.US_ASCII);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void spin(long micros) {
    long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }
}
