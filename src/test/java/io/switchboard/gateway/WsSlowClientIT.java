package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket client that stops reading and then reads again, under the drop-oldest policy: the
 * frames written straight to its channel and those that waited in its outbox arrive in publish
 * order, none twice, and every message is either delivered or counted in the gap notice that
 * precedes the next one.
 */
class WsSlowClientIT {

  private static final int MAX_BACKLOG = 100;
  private static TestHub hub;

  @BeforeAll
  static void start() {
    hub = TestHub.start(new JsonObject().put("ws", new JsonObject().put("max_backlog", MAX_BACKLOG)
        .put("slow_policy", "drop_oldest").put("heartbeat_ms", 600_000)));
  }

  @AfterAll
  static void stop() {
    hub.close();
  }

  @Test
  void aStalledClientGetsEveryMessageInOrderOrCountedInAGapNotice() throws Exception {
    int stalledTotal = 8000;
    int liveTotal = 50;
    String messagesOut = "switchboard_messages_out_total{transport=\"websocket\"}";
    double outBefore = BackpressureIT.metric(hub, messagesOut);
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", hub.port));
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      String key = Base64.getEncoder().encodeToString("slow-client-key!".getBytes(StandardCharsets.US_ASCII));
      out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      readHeaders(in);
      assertThat(nextText(in).getString("type")).isEqualTo("welcome");
      out.write(BackpressureIT.maskedTextFrame("{\"type\":\"subscribe\",\"topics\":[\"slow.ws\"]}"));
      out.flush();
      assertThat(nextText(in).getString("type")).isEqualTo("subscribed");

      // Half while the client reads nothing (~8 MB), half while it catches up: new messages then
      // arrive while older ones still wait for the socket, and must not overtake them.
      BackpressureIT.publish(hub, "slow.ws", 0, stalledTotal / 2);
      CompletableFuture<long[]> reading = CompletableFuture.supplyAsync(() -> readAll(in, stalledTotal));
      BackpressureIT.publish(hub, "slow.ws", stalledTotal / 2, stalledTotal / 2);
      long[] deliveredAndDropped = reading.get(60, TimeUnit.SECONDS);
      assertThat(deliveredAndDropped[1]).as("the backlog is bounded: some were dropped").isPositive();
      assertThat(deliveredAndDropped[0] + deliveredAndDropped[1]).isEqualTo(stalledTotal);

      // Caught up: what follows is delivered whole and in order again.
      BackpressureIT.publish(hub, "slow.ws", stalledTotal, liveTotal);
      for (int n = stalledTotal; n < stalledTotal + liveTotal; n++) {
        JsonObject frame = nextText(in);
        assertThat(frame.getString("type")).isEqualTo("event");
        assertThat(frame.getJsonObject("event").getJsonObject("data").getInteger("n")).isEqualTo(n);
      }
      // Every message written is counted once (welcome and subscribed included, gap notices not),
      // those written straight to the socket as those that waited.
      assertThat(BackpressureIT.metric(hub, messagesOut) - outBefore)
          .isEqualTo((double) (2 + deliveredAndDropped[0] + liveTotal));
    }
  }

  /** Reads until message {@code total - 1}: {delivered, reported dropped}, checking the order on the way. */
  private static long[] readAll(DataInputStream in, int total) {
    try {
      long delivered = 0;
      long dropped = 0;
      int last = -1;
      while (last < total - 1) {
        JsonObject frame = nextText(in);
        if ("gap".equals(frame.getString("type"))) {
          assertThat(frame.getString("reason")).isEqualTo("slow-client");
          dropped += frame.getLong("dropped");
          continue;
        }
        int n = frame.getJsonObject("event").getJsonObject("data").getInteger("n");
        assertThat(n).as("publish order, none twice").isGreaterThan(last);
        assertThat((long) n).as("the messages before it were delivered or reported dropped").isEqualTo(delivered + dropped);
        last = n;
        delivered++;
      }
      return new long[] {delivered, dropped};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void readHeaders(DataInputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101 Switching Protocols");
  }

  /** The next text message (server frames are unmasked; control frames are skipped). */
  private static JsonObject nextText(DataInputStream in) throws IOException {
    while (true) {
      int first = in.readUnsignedByte();
      int second = in.readUnsignedByte();
      long length = second & 0x7F;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      int opcode = first & 0x0F;
      if (opcode == 1) {
        assertThat(first & 0x80).as("one frame per message").isNotZero();
        return new JsonObject(new String(payload, StandardCharsets.UTF_8));
      }
      assertThat(opcode).as("only control frames besides text").isGreaterThanOrEqualTo(8);
    }
  }
}
