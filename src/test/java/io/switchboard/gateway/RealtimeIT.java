package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Browsers and other outside clients against a hub with two gateway instances: the official
 * Vert.x bridge client in headless Chromium, the npm ws client through the whole rooms protocol,
 * the npm eventsource client resuming after disconnects.
 */
class RealtimeIT {

  /**
   * Short, so the dead-peer check is quick; but a live client whose pong comes half an interval late
   * is dropped, and at 400 ms a 200 ms stall on this two-core machine was enough (the likely cause
   * of a CI run whose client waited in vain for a room message).
   */
  private static final int HEARTBEAT_MS = 1500;
  private static TestHub hub;

  @BeforeAll
  static void start() {
    hub = TestHub.start(new JsonObject()
            .put("ws", new JsonObject().put("heartbeat_ms", HEARTBEAT_MS))
            .put("sse", new JsonObject().put("retry_ms", 100)),
        d -> d.name().equals("gateway") ? d.withInstances(2) : d);
  }

  @AfterAll
  static void stop() {
    hub.close();
  }

  private static String base() {
    return "http://127.0.0.1:" + hub.port;
  }

  @Test
  void webSocketClientsWalkTheWholeRoomsProtocol() {
    double rejectedBefore = rejected();
    String output = NodeClients.run(Duration.ofSeconds(60), "ws-rooms.mjs", base(), String.valueOf(HEARTBEAT_MS));
    assertThat(output).contains("OK ws-rooms");
    // Its one invalid event, refused by the gateway instance it came in on, counts as any refused publish.
    assertThat(rejected()).isEqualTo(rejectedBefore + 1);
  }

  private static double rejected() {
    return io.switchboard.testing.HubMetrics.value(hub, "switchboard_topics_rejected_total");
  }

  @Test
  void eventSourceResumesWithLastEventIdMissingNothingRepeatingNothing() {
    String output = NodeClients.run(Duration.ofSeconds(60), "sse-resume.mjs", base());
    assertThat(output).contains("OK sse-resume");
  }

  @Test
  void aBrowserTalksThroughTheSockJsBridge() {
    NodeClients.requireChromium();
    String output = NodeClients.run(Duration.ofSeconds(90), "browser-bridge.mjs", base());
    assertThat(output).contains("OK browser-bridge");
  }
}
