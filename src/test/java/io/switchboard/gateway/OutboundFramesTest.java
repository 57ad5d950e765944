package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.switchboard.core.TopicEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The frame encoded once for every socket is the frame a WebSocket client decodes, at each length class. */
class OutboundFramesTest {

  @Test
  void theSharedWireFrameDecodesToTheMessageAtEveryLengthClass() {
    for (int size : new int[] {0, 40, 125, 126, 65_535, 70_000}) {
      OutboundFrames frames = new OutboundFrames(new TopicEvent("t.a", "x", "id-1",
          "{\"data\":\"" + "é".repeat(size / 2) + "\"}", "http", "e-" + size));
      String expected = frames.websocket().toString(StandardCharsets.UTF_8);
      ByteBuf wire = frames.websocketWire();

      // a client's decoder (unmasked server frames, no size limit for the test)
      EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
      client.writeInbound(wire.retainedDuplicate());
      TextWebSocketFrame frame = client.readInbound();
      assertThat(frame.isFinalFragment()).isTrue();
      assertThat(frame.text()).as("payload of %d", size).isEqualTo(expected);
      frame.release();

      frames.release();
      assertThat(wire.refCnt()).isZero();
      assertThat(frames.websocketWire()).as("none after release: held frames go the usual way").isNull();
      client.finishAndReleaseAll();
    }
  }

  @Test
  void aMessageNoSocketTookCostsNoWireFrame() {
    OutboundFrames frames = new OutboundFrames(new TopicEvent("t.a", "x", "id-1", "{}", "http", "e-1"));
    frames.release();
    assertThat(frames.websocketWire()).isNull();
  }

  @Test
  void theWebSocketTextIsTheMessageJsonWithAndWithoutACursor() {
    String envelope = "{\"id\":\"é-1\",\"data\":\"ünïcødé ✓\"}";
    OutboundFrames cursored = new OutboundFrames(new TopicEvent("orders.eu", "x", "id-1", envelope, "http", "k1-7"));
    assertThat(cursored.websocket().toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"event\",\"topic\":\"orders.eu\",\"cursor\":\"k1-7\",\"event\":" + envelope + "}");
    assertThat(cursored.websocket().length()).isEqualTo(cursored.websocket().toString(StandardCharsets.UTF_8)
        .getBytes(StandardCharsets.UTF_8).length);
    OutboundFrames plain = new OutboundFrames(new TopicEvent("orders.eu", "x", "id-1", envelope, "http", null));
    assertThat(new io.vertx.core.json.JsonObject(plain.websocket()))
        .isEqualTo(new io.vertx.core.json.JsonObject().put("type", "event").put("topic", "orders.eu")
            .put("event", new io.vertx.core.json.JsonObject(envelope)));
  }
}
