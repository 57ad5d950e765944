package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code http.trusted_proxies}: forwarding headers name the client only when a trusted proxy sent
 * them, and then connection limits apply per forwarded client (IPv6 per /64); from anyone else
 * they change nothing.
 */
class TrustedProxiesIT {

  private static JsonObject conf(JsonArray trusted) {
    return new JsonObject().put("limits", new JsonObject().put("connections_per_ip", 2))
        .put("http", new JsonObject().put("trusted_proxies", trusted));
  }

  @Test
  void aSpoofedForwardedForFromAnUntrustedPeerChangesNothing() {
    try (TestHub hub = TestHub.start(conf(new JsonArray().add("10.9.9.9").add("192.168.0.0/16")), "topic-router", "gateway")) {
      List<SseClient> open = new ArrayList<>();
      try {
        open.add(stream(hub, "X-Forwarded-For", "10.0.0.1"));
        open.add(stream(hub, "Forwarded", "for=10.0.0.2"));
        assertThat(open).allSatisfy(s -> assertThat(s.response().statusCode()).isEqualTo(200));
        assertThat(Http.get(hub.uri("/api/v1/stream?topics=a"), "X-Forwarded-For", "10.0.0.3").statusCode())
            .as("the third connection from 127.0.0.1, whatever its headers claim").isEqualTo(429);
      } finally {
        open.forEach(SseClient::close);
      }
    }
  }

  @Test
  void behindATrustedProxyLimitsApplyPerForwardedClient() {
    try (TestHub hub = TestHub.start(conf(new JsonArray().add("127.0.0.0/8").add("10.9.9.9")), "topic-router", "gateway")) {
      List<SseClient> open = new ArrayList<>();
      try {
        open.add(stream(hub, "X-Forwarded-For", "10.0.0.1"));
        // a client-written hop left of what the proxies appended is never reached
        open.add(stream(hub, "X-Forwarded-For", "10.0.0.7, 10.0.0.1, 10.9.9.9"));
        assertThat(Http.get(hub.uri("/api/v1/stream?topics=a"), "X-Forwarded-For", "10.0.0.1").statusCode())
            .as("10.0.0.1 has its two").isEqualTo(429);
        open.add(stream(hub, "X-Forwarded-For", "10.0.0.2"));
        open.add(stream(hub, "Forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8:1:2::1]:4711\""));
        open.add(stream(hub, "Forwarded", "for=\"[2001:db8:1:2::abcd]\""));
        assertThat(Http.get(hub.uri("/api/v1/stream?topics=a"), "Forwarded", "for=\"[2001:db8:1:2:ffff::1]\"").statusCode())
            .as("IPv6 clients count per /64").isEqualTo(429);
        open.add(stream(hub, "Forwarded", "for=\"[2001:db8:1:3::1]\""));
        assertThat(open).allSatisfy(s -> assertThat(s.response().statusCode()).isEqualTo(200));
        // without a forwarding header, the proxy itself is the client and has a budget of its own
        open.add(SseClient.open(hub.uri("/api/v1/stream?topics=a")));
        assertThat(open.get(open.size() - 1).response().statusCode()).isEqualTo(200);
      } finally {
        open.forEach(SseClient::close);
      }
    }
  }

  private static SseClient stream(TestHub hub, String header, String value) {
    return SseClient.open(hub.uri("/api/v1/stream?topics=a"), header, value);
  }
}
