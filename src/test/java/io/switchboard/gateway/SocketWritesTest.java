package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.VoidChannelPromise;
import io.switchboard.core.TopicEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.Router;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shared frames written straight to the socket's system call ({@link SocketWrites}), as the hub
 * delivers topic messages: taken whole while the socket has room, split with Netty writing the rest
 * once it fills, then through Netty while anything waits there, interleaved with Vert.x's own
 * frames; the client receives every frame whole and in order.
 */
class SocketWritesTest {

  private static final int FRAMES = 3000;
  private static final String PAD = "z".repeat(3000);

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
  void framesGoStraightToTheSocketWhileItTakesThemAndStayInOrderWhenItFills() throws Exception {
    AtomicInteger straight = new AtomicInteger();
    CompletableFuture<Boolean> hasSocket = new CompletableFuture<>();
    Router router = onGo(hasSocket, (ws, wire, socket) -> {
      for (int n = 0; n < FRAMES; n++) {
        if (n % 100 == 50) {
          ws.writeTextMessage(n + ":" + PAD); // Vert.x's own frames in between
        } else if (writeShared(wire, socket, "id-" + n, "{\"n\":" + n + ",\"pad\":\"" + PAD + "\"}")) {
          straight.incrementAndGet();
        }
      }
    });
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    CompletableFuture<Integer> received = LateReader.framesInOrder(vertx, client, server, FRAMES,
        text -> text.startsWith("{") ? Integer.parseInt(text.substring(text.indexOf("\"n\":") + 4, text.indexOf(",\"pad\"")))
            : Integer.parseInt(text.substring(0, text.indexOf(':'))),
        text -> text.contains(PAD));
    assertThat(hasSocket.get(10, TimeUnit.SECONDS)).as("a plain socket's frames may go straight to it").isTrue();

    assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(FRAMES);
    assertThat(straight.get()).as("frames the socket took whole in the system call").isPositive()
        .as("and not all: the socket filled").isLessThan(FRAMES - FRAMES / 100);
  }

  @Test
  void overTlsEveryFrameGoesThroughTheEncryptingPipeline() throws Exception {
    CompletableFuture<Boolean> hasSocket = new CompletableFuture<>();
    Router router = onGo(hasSocket, (ws, wire, socket) -> writeShared(wire, socket, "id-1", "{\"n\":1}"));
    SelfSignedCertificate certificate = SelfSignedCertificate.create();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    CompletableFuture<String> received = new CompletableFuture<>();
    WebSocketClient tlsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false));
    WebSocket socket = tlsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
            .setURI("/ws"))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    socket.textMessageHandler(received::complete);
    socket.writeTextMessage("go");

    assertThat(hasSocket.get(10, TimeUnit.SECONDS)).as("no straight writes under TLS").isFalse();
    assertThat(received.get(10, TimeUnit.SECONDS)).contains("\"event\":{\"n\":1}");
  }

  private interface OnGo {
    void run(ServerWebSocket ws, ChannelHandlerContext wire, SocketChannel socket);
  }

  /**
   * /ws as the hub sets its sockets up (no write queue, the socket found for straight writes, which
   * {@code hasSocket} reports), running {@code onGo} once the client's first message shows it is listening.
   */
  private Router onGo(CompletableFuture<Boolean> hasSocket, OnGo onGo) {
    Router router = Router.router(vertx);
    router.get("/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> {
      WebSocketChannels.writeDirectly(ws);
      ChannelHandlerContext wire = WebSocketChannels.of(ws);
      SocketChannel socket = wire == null ? null : SocketWrites.of(wire.channel());
      hasSocket.complete(socket != null);
      ws.textMessageHandler(go -> onGo.run(ws, wire, socket));
    }));
    return router;
  }

  /** One topic message's shared frame written as the hub delivers it; true when the socket took it whole. */
  private static boolean writeShared(ChannelHandlerContext wire, SocketChannel socket, String id, String json) {
    OutboundFrames frames = new OutboundFrames(new TopicEvent("t.a", "x", id, json, "http", "c-" + id));
    try {
      return SocketWrites.write(wire, socket, frames.websocketWire(), socket == null ? null : frames.websocketWireBytes(),
          new VoidChannelPromise(wire.channel(), false));
    } finally {
      frames.release();
    }
  }
}
