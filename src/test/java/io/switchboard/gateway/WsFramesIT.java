package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * WebSocket compression and frame limits as the npm ws client at its defaults meets them (it offers
 * permessage-deflate, like browsers): off by default, no context takeover when on, and oversized,
 * fragmented, invalid and compression-bomb messages closed with the right codes either way; and
 * Chromium over a raw WebSocket and over SockJS, receiving, with what it negotiated checked.
 */
class WsFramesIT {

  private static final int MAX_FRAME = 8192;

  @Test
  void compressionIsOffByDefaultAndLimitsHold() {
    try (TestHub hub = TestHub.start(new JsonObject().put("ws", new JsonObject().put("max_frame_bytes", MAX_FRAME)),
        "gateway", "topic-router")) {
      String output = NodeClients.run(Duration.ofSeconds(60), "ws-frames.mjs", "http://127.0.0.1:" + hub.port, "off",
          String.valueOf(MAX_FRAME));
      assertThat(output).contains("OK ws-frames off");
      assertThat(NodeClients.run(Duration.ofSeconds(30), "ws-resume.mjs", "http://127.0.0.1:" + hub.port))
          .contains("OK ws-resume");
      NodeClients.requireChromium();
      assertThat(NodeClients.run(Duration.ofSeconds(60), "browser-compression.mjs", "http://127.0.0.1:" + hub.port, "off"))
          .contains("OK browser-compression off");
    }
  }

  @Test
  void compressionOnNegotiatesNoContextTakeoverAndLimitsHold() {
    try (TestHub hub = TestHub.start(new JsonObject().put("ws", new JsonObject().put("max_frame_bytes", MAX_FRAME)
        .put("compression", true)), "gateway", "topic-router")) {
      String output = NodeClients.run(Duration.ofSeconds(60), "ws-frames.mjs", "http://127.0.0.1:" + hub.port, "on",
          String.valueOf(MAX_FRAME));
      assertThat(output).contains("OK ws-frames on");
      NodeClients.requireChromium();
      assertThat(NodeClients.run(Duration.ofSeconds(60), "browser-compression.mjs", "http://127.0.0.1:" + hub.port, "on"))
          .contains("OK browser-compression on");
    }
  }
}
