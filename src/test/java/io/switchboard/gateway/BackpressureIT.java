package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Addresses;
import io.switchboard.testing.Http;
import io.switchboard.testing.TestHub;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that never read: the hub bounds what it holds for them and accounts for every message. */
class BackpressureIT {

  private static final int MAX_BACKLOG = 100;
  private static final String PAD = "x".repeat(2000);
  private static TestHub hub;

  @BeforeAll
  static void start() {
    hub = TestHub.start(new JsonObject()
        .put("sse", new JsonObject().put("max_backlog", MAX_BACKLOG).put("slow_policy", "drop_oldest"))
        .put("ws", new JsonObject().put("max_backlog", MAX_BACKLOG).put("slow_policy", "close")));
  }

  @AfterAll
  static void stop() {
    hub.close();
  }

  /** Publishes through the event bus, a batch at a time (faster than HTTP, same router path). */
  static void publish(TestHub hub, String topic, int from, int count) {
    for (int start = from; start < from + count; start += 500) {
      List<Future<?>> batch = new ArrayList<>();
      for (int n = start; n < Math.min(from + count, start + 500); n++) {
        batch.add(hub.vertx.eventBus().request(Addresses.TOPICS_PUBLISH, new JsonObject().put("topic", topic)
            .put("event", new JsonObject().put("type", "bp.test").put("data", new JsonObject().put("n", n).put("pad", PAD)))));
      }
      TestHub.await(Future.all(batch));
    }
  }

  private static double metric(String name) {
    return metric(hub, name);
  }

  static double metric(TestHub hub, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.E+-]+)$").matcher(Http.get(hub.uri("/metrics")).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aStalledSseClientCostsABoundedBacklogAndEveryMessageIsDeliveredOrReportedDropped() throws Exception {
    int total = 8000;
    double droppedBefore = metric("switchboard_messages_dropped_total{transport=\"sse\"}");
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", hub.port));
      OutputStream out = stalled.getOutputStream();
      out.write(("GET /api/v1/stream?topics=bp.sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(stalled.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");

      publish(hub, "bp.sse", 0, total); // ~16 MB that the stalled client does not read
      assertThat(Http.get(hub.uri("/health")).statusCode()).as("the hub keeps serving").isEqualTo(200);

      // Now it reads: every message is either delivered or counted in a gap notice, in order.
      int delivered = 0;
      long reportedDropped = 0;
      int lastSeen = -1;
      boolean gapSeen = false;
      stalled.setSoTimeout(20_000);
      String line;
      String event = null;
      while (lastSeen < total - 1 && (line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          JsonObject data = new JsonObject(line.substring(6)).getJsonObject("data");
          if ("switchboard.gap".equals(event)) {
            gapSeen = true;
            assertThat(data.getString("reason")).isEqualTo("slow-client");
            reportedDropped += data.getLong("dropped");
          } else {
            int n = data.getInteger("n");
            assertThat(n).isGreaterThan(lastSeen);
            lastSeen = n;
            delivered++;
          }
        }
      }
      assertThat(gapSeen).isTrue();
      assertThat(delivered + reportedDropped).as("delivered + reported dropped").isEqualTo(total);
      // At most MAX_BACKLOG waited in the hub, plus what the kernel's socket buffers absorbed (a few MB).
      assertThat(delivered).isLessThan(total / 2);
      double dropped = metric("switchboard_messages_dropped_total{transport=\"sse\"}") - droppedBefore;
      assertThat(dropped).as("drops are counted").isEqualTo((double) reportedDropped);
    }
  }

  @Test
  void aStalledWebSocketClientIsClosedUnderTheClosePolicy() throws Exception {
    double slowClosedBefore = metric("switchboard_connections_slow_closed_total{transport=\"websocket\"}");
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", hub.port));
      OutputStream out = stalled.getOutputStream();
      String key = Base64.getEncoder().encodeToString("switchboard-test!".substring(0, 16).getBytes(StandardCharsets.US_ASCII));
      out.write(("GET /ws/stalled-" + System.nanoTime() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(stalled.getInputStream(), StandardCharsets.ISO_8859_1));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 101 Switching Protocols");
      readUntil(in, "welcome");
      out.write(maskedTextFrame("{\"type\":\"subscribe\",\"topics\":[\"bp.ws\"]}"));
      out.flush();
      readUntil(in, "subscribed"); // the subscription is in place; from here on the client reads nothing

      publish(hub, "bp.ws", 0, 8000);
      double slowClosed = metric("switchboard_connections_slow_closed_total{transport=\"websocket\"}") - slowClosedBefore;
      assertThat(slowClosed).isEqualTo(1.0);
    }
  }

  private static void readUntil(BufferedReader in, String text) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    StringBuilder seen = new StringBuilder();
    while (!seen.toString().contains(text) && System.nanoTime() < deadline) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      seen.append((char) c);
    }
    assertThat(seen.toString()).contains(text);
  }

  /** A client-to-server text frame (clients must mask). */
  static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[2 + 4 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length); // payloads under 126 bytes
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }
}
