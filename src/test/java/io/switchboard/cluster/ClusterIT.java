package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.LocalCluster;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.RedisCli;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.Services;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three node processes on this machine behave as one hub (Hazelcast, TCP-IP join). */
class ClusterIT {

  private static final String REDIS_PREFIX = Services.unique("sbcluster") + ":";
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Services.require(Services.Service.POSTGRES);
    Services.require(Services.Service.REDIS);
    cluster = LocalCluster.start(3, new JsonObject()
        .put("ws", new JsonObject().put("heartbeat_ms", 1000))
        .put("redis", new JsonObject().put("uri", Services.REDIS_URI).put("channel_prefix", REDIS_PREFIX)));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void topicsAndRoomsSpanTheNodes() {
    String output = NodeClients.run(Duration.ofSeconds(90), "cluster-fanout.mjs", cluster.bases().toArray(String[]::new));
    assertThat(output).contains("OK cluster-fanout");
  }

  @Test
  void aKilledNodeLeavesTheNodeListAndItsMembersLeaveTheirRooms() throws Exception {
    String room = Services.unique("room");
    CompletableFuture<Void> joined = new CompletableFuture<>();
    WebSocket member = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(java.net.URI.create(cluster.base(3).replace("http", "ws") + "/ws/doomed"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence text, boolean last) {
            if (text.toString().contains("\"joined\"")) {
              joined.complete(null);
            }
            socket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    member.sendText(new JsonObject().put("type", "join_room").put("room", room).encode(), true);
    joined.get(10, TimeUnit.SECONDS);
    assertThat(members(1, room)).containsExactly("doomed");
    assertThat(nodes(1)).hasSize(3);

    cluster.kill(3);
    try {
      awaitTrue(Duration.ofSeconds(20), () -> members(1, room).isEmpty());
      awaitTrue(Duration.ofSeconds(30), () -> nodes(1).size() == 2);
      assertThat(Http.get(cluster.uri(2, "/health")).statusCode()).isEqualTo(200);
    } finally {
      cluster.restart(3);
    }
    awaitTrue(Duration.ofSeconds(30), () -> nodes(1).size() == 3);
  }

  @Test
  void theRedisRelaySendsAndReceivesOncePerMessageClusterWide() throws Exception {
    try (RedisCli.Subscription redis = RedisCli.subscribe(REDIS_PREFIX + "once.x");
         SseClient sse2 = SseClient.open(cluster.uri(2, "/api/v1/stream?topics=once.%23"));
         SseClient sse3 = SseClient.open(cluster.uri(3, "/api/v1/stream?topics=once.%23"))) {
      // hub -> Redis, once (only the publishing node writes), and no node takes it back in
      publish(1, "once.x", 1);
      assertThat(ns(redis.until(m -> n(m.payload()) == 1, WAIT))).containsExactly(1);
      for (SseClient sse : List.of(sse2, sse3)) {
        assertThat(events(sse, 1)).containsExactly(1);
      }
      // Redis -> hub: each node's relay takes it in for its own subscribers, once
      assertThat(RedisCli.publish(REDIS_PREFIX + "once.y", "{\"n\": 2}")).isEqualTo(3);
      RedisCli.publish(REDIS_PREFIX + "once.y", "{\"n\": 5}");
      for (SseClient sse : List.of(sse2, sse3)) {
        assertThat(events(sse, 5)).as("anything echoed back from Redis would come before 5").containsExactly(2, 5);
      }
      publish(2, "once.x", 6);
      assertThat(ns(redis.until(m -> n(m.payload()) == 6, WAIT))).containsExactly(6);
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static List<Integer> events(SseClient sse, int last) {
    return sse.until(e -> n(e.data()) == last, WAIT).stream().map(e -> n(e.data())).toList();
  }

  private static List<Integer> ns(List<RedisCli.Message> messages) {
    return messages.stream().map(m -> n(m.payload())).toList();
  }

  private static void publish(int node, String topic, int n) {
    assertThat(Http.post(cluster.uri(node, "/api/v1/topics/" + topic), "{\"n\":" + n + "}", "ce-type", "once.test").statusCode())
        .isEqualTo(202);
  }

  private static int n(String envelope) {
    JsonObject json = new JsonObject(envelope);
    return (json.containsKey("data") ? json.getJsonObject("data") : json).getInteger("n");
  }

  private static JsonArray members(int node, String room) {
    return Http.json(Http.get(cluster.uri(node, "/api/v1/rooms/" + room))).getJsonArray("members");
  }

  private static JsonArray nodes(int node) {
    return Http.json(Http.get(cluster.uri(node, "/api/v1/cluster"))).getJsonArray("nodes");
  }

  private static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + timeout);
      }
      Thread.sleep(200);
    }
  }
}
