package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A reconnect storm at a size the suite can afford: 1,000 WebSocket clients connecting at once
 * are all welcomed and subscribed, REST publishes sent meanwhile from another process are all
 * accepted within 5 s (unpaced handshakes made one wait 2-4 s in the loaded suite; paced, 174 ms
 * at load 4), and a message published after reaches every one of them. The timings are printed;
 * the bounds asserted are loose (the suite shares two cores with builds), the targets are for
 * benchmarks (scripts/bench-storm).
 */
class ReconnectStormIT {

  @Test
  void aThousandClientsReconnectingAtOnceAreAllServedWhilePublishesFlow() {
    try (TestHub hub = TestHub.start(new JsonObject().put("limits", new JsonObject().put("connections_per_ip", 100_000)),
        "gateway", "topic-router")) {
      String output = NodeClients.run(Duration.ofSeconds(60), "ws-storm.mjs", "http://127.0.0.1:" + hub.port,
          "1000", "20000", "5000"); // loose: a shared 2-core machine; the figures are printed, the targets are benchmarks
      System.out.println(output);
      assertThat(output).contains("OK ws-storm");
    }
  }

  /** Handshakes wait their turn; a client that leaves meanwhile must not keep a socket or a slot. */
  @Test
  void clientsThatGiveUpWhileTheirHandshakeWaitsLeaveNeitherASocketNorAConnectionSlot() {
    try (TestHub hub = TestHub.start(new JsonObject().put("limits", new JsonObject().put("connections_per_ip", 300)),
        "gateway", "topic-router")) {
      String url = "http://127.0.0.1:" + hub.port;
      assertThat(NodeClients.run(Duration.ofSeconds(30), "ws-abandon.mjs", url, "600")).contains("OK ws-abandon");
      // 280 clients and the publisher fit in the 300 slots only if none was kept by those that left
      assertThat(NodeClients.run(Duration.ofSeconds(30), "ws-storm.mjs", url, "280", "20000", "5000"))
          .contains("OK ws-storm");
    }
  }
}
