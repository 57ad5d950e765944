package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.LocalCluster;
import io.switchboard.testing.Services;
import io.switchboard.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Personal messages across nodes to ids the server assigned, which live only on the node that holds
 * the connection: delivered from another node, 404 once the client is gone (closed, or its node
 * killed), and a client reconnecting with its id on another node takes it over.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class PresenceClusterIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Services.require(Services.Service.POSTGRES);
    cluster = LocalCluster.start(2, new JsonObject().put("ws", new JsonObject().put("heartbeat_ms", 1000)));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aMessageFromOneNodeReachesAnAssignedClientOnAnotherUntilItIsGone() {
    WsClient client = WsClient.connect(ws(2, "/ws"));
    String id = client.next("welcome", WAIT).getString("client_id");

    assertThat(personal(1, id, "across").statusCode()).isEqualTo(202);
    assertThat(client.next("message", WAIT).getValue("content")).isEqualTo("across");

    String forged = id.substring(0, id.length() - 1) + (id.endsWith("0") ? "1" : "0");
    assertNotConnected(personal(1, forged, "x"));
    String unknownInstance = "ws-000000000000-" + id.substring(16);
    assertNotConnected(personal(1, unknownInstance, "x"));

    client.close();
    awaitNotConnected(1, id);
    awaitNotConnected(2, id);
  }

  @Test
  void aClientReconnectingWithItsAssignedIdOnAnotherNodeTakesItOver() {
    WsClient first = WsClient.connect(ws(2, "/ws"));
    String id = first.next("welcome", WAIT).getString("client_id");
    WsClient again = WsClient.connect(ws(1, "/ws/" + id));
    assertThat(again.next("welcome", WAIT).getString("client_id")).isEqualTo(id);
    assertThat(first.awaitClose(WAIT)).isEqualTo(4001);

    assertThat(personal(2, id, "follows").statusCode()).isEqualTo(202);
    assertThat(again.next("message", WAIT).getValue("content")).isEqualTo("follows");
    again.close();
    awaitNotConnected(2, id);
  }

  /** Last: node 2 dies holding an assigned client (nothing after this test needs node 2). */
  @Test
  void zAnAssignedClientOfAKilledNodeIsNotConnected() {
    WsClient client = WsClient.connect(ws(2, "/ws"));
    String id = client.next("welcome", WAIT).getString("client_id");
    assertThat(personal(1, id, "before").statusCode()).isEqualTo(202);
    cluster.kill(2);
    client.close();
    // until the cluster has seen node 2 go, a request to it may time out (503, retry); then 404
    awaitNotConnected(1, id);
  }

  private static java.net.URI ws(int node, String path) {
    return java.net.URI.create(cluster.base(node).replace("http", "ws") + path);
  }

  private static HttpResponse<String> personal(int node, String clientId, String content) {
    return Http.post(cluster.uri(node, "/api/v1/clients/" + clientId + "/messages"),
        new JsonObject().put("content", content).encode(), "Content-Type", "application/json");
  }

  private static void assertNotConnected(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
    assertThat(Http.json(response).getString("type")).isEqualTo("urn:switchboard:problem:not-found");
  }

  private static void awaitNotConnected(int node, String clientId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> response = personal(node, clientId, "x");
    while (response.statusCode() != 404 && System.nanoTime() < deadline) {
      assertThat(response.statusCode()).as(response.body()).isIn(202, 503);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      response = personal(node, clientId, "x");
    }
    assertNotConnected(response);
  }
}
