package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.ext.web.Router;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server WebSocket made to write without Vert.x's cross-thread queue (what every hub WebSocket
 * now does): it still reports a full write queue, calls its drain handler, and delivers all it was
 * given in order. Fails when a Vert.x upgrade no longer lets the queue go (the hub then keeps it:
 * 4.9 KB more heap per socket).
 */
class WebSocketChannelsTest {

  private static final int FRAMES = 4000;
  private static final String PAD = "y".repeat(4000);

  private Vertx vertx;
  private WebSocketClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    client = vertx.createWebSocketClient();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSocketWithoutTheWriteQueueStillPushesBackAndDeliversEverythingInOrder() throws Exception {
    CompletableFuture<Boolean> direct = new CompletableFuture<>();
    AtomicInteger fullSeen = new AtomicInteger();
    Router router = Router.router(vertx);
    router.get("/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> {
      direct.complete(WebSocketChannels.writeDirectly(ws) && WebSocketChannels.writesDirectly(ws));
      // Only once the client has its handler: frames arriving before it would be dropped by the client.
      ws.textMessageHandler(go -> pump(ws, 0, fullSeen));
    }));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    CompletableFuture<Integer> received = LateReader.framesInOrder(vertx, client, server, FRAMES,
        text -> Integer.parseInt(text.substring(0, text.indexOf(':'))), text -> text.endsWith(PAD));
    assertThat(direct.get(10, TimeUnit.SECONDS)).as("Vert.x writes the socket's frames directly").isTrue();

    assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(FRAMES);
    assertThat(fullSeen.get()).as("the socket reported a full write queue while the client did not read").isPositive();
  }

  /** Writes frames from {@code from} on while the socket takes them, and goes on when it drains. */
  private static void pump(ServerWebSocket ws, int from, AtomicInteger fullSeen) {
    int n = from;
    while (n < FRAMES && !ws.writeQueueFull()) {
      ws.writeTextMessage(n + ":" + PAD);
      n++;
    }
    if (n < FRAMES) {
      fullSeen.incrementAndGet();
      int resumeAt = n;
      ws.drainHandler(v -> pump(ws, resumeAt, fullSeen));
    }
  }
}
