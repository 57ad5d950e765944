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
  private static final String QUEUE = Services.unique("sbcluster_q");
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Services.require(Services.Service.POSTGRES);
    Services.require(Services.Service.REDIS);
    Services.require(Services.Service.RABBITMQ);
    cluster = LocalCluster.start(3, new JsonObject()
        .put("ws", new JsonObject().put("heartbeat_ms", 1000))
        .put("redis", new JsonObject().put("uri", Services.REDIS_URI).put("channel_prefix", REDIS_PREFIX))
        .put("rabbitmq", new JsonObject().put("uri", Services.RABBITMQ_URI)
            .put("queues", new JsonArray().add(new JsonObject().put("name", QUEUE).put("topic", "cq.feed"))))
        // only the event-bus announcement can wake a subscriber within the tests' bounds
        // the scavenger tries every second on every node (one of them holds its lock)
        .put("eventstore", new JsonObject().put("poll_ms", 20_000).put("scavenge_ms", 1000))
        .put("cqrs", new JsonObject().put("lock_retry_ms", 1000))
        .put("groups", new JsonObject().put("lock_retry_ms", 1000))
        .put("webhooks", new JsonObject().put("allow_private", true).put("allow_http", true).put("lease_ms", 3000)
            // a claim lasts connect + 2 × request timeout + 10 s: 15 s here, so a killed sender's claim runs out in the test
            .put("connect_timeout_ms", 1000).put("request_timeout_ms", 2000).put("poll_ms", 1000)));
  }

  @AfterAll
  static void stop() {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      try (io.switchboard.testing.AmqpClient amqp = io.switchboard.testing.AmqpClient.connect()) {
        amqp.delete(QUEUE, QUEUE + ".dlq");
      }
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

    // The console open on node 1 and on node 3 while node 3 dies (console-cluster.mjs).
    NodeClients.requireChromium();
    java.nio.file.Path ready = java.nio.file.Files.createTempFile("console-cluster", ".ready");
    java.nio.file.Files.delete(ready);
    CompletableFuture<String> console = CompletableFuture.supplyAsync(() -> NodeClients.run(Duration.ofSeconds(120),
        "console-cluster.mjs", cluster.base(1), cluster.base(3), "3", ready.toString()));
    awaitTrue(Duration.ofSeconds(60), () -> java.nio.file.Files.exists(ready) || console.isDone());
    if (!java.nio.file.Files.exists(ready)) {
      console.join(); // throws with the script's output
      throw new AssertionError("console-cluster.mjs ended before the pages were ready");
    }

    cluster.kill(3);
    try {
      awaitTrue(Duration.ofSeconds(20), () -> members(1, room).isEmpty());
      awaitTrue(Duration.ofSeconds(30), () -> nodes(1).size() == 2);
      assertThat(Http.get(cluster.uri(2, "/health")).statusCode()).isEqualTo(200);
      assertThat(console.get(90, TimeUnit.SECONDS)).contains("OK console-cluster");
    } finally {
      java.nio.file.Files.deleteIfExists(ready);
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

  @Test
  void rabbitMqConsumersOnEveryNodeShareTheQueue() {
    awaitTrue(Duration.ofSeconds(30), () -> Http.json(Http.get(cluster.uri(2, "/api/v1/queues/" + QUEUE))).getInteger("consumers") == 3);
    try (SseClient sse = SseClient.open(cluster.uri(2, "/api/v1/stream?topics=cq.feed"))) {
      for (int n = 1; n <= 30; n++) {
        assertThat(Http.post(cluster.uri(1 + n % 3, "/api/v1/queues/" + QUEUE + "/messages"), "{\"n\":" + n + "}",
            "ce-type", "cq.item").statusCode()).isEqualTo(202);
      }
      List<Integer> seen = new java.util.ArrayList<>();
      while (seen.size() < 30) {
        seen.add(n(sse.next(WAIT).data()));
      }
      assertThat(seen).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList());
    }
  }

  @Test
  void anAppendOnOneNodeWakesStoreSubscribersOnAnother() {
    String stream = "clusterwake-" + Services.unique("s");
    try (SseClient sse = SseClient.open(cluster.uri(3, "/api/v1/streams/" + stream + "/subscribe"))) {
      long appended = System.nanoTime();
      assertThat(Http.post(cluster.uri(1, "/api/v1/streams/" + stream + "/events"), "{\"type\":\"woke\",\"data\":{}}").statusCode())
          .isEqualTo(201);
      SseClient.Event event = sse.next(Duration.ofSeconds(10));
      assertThat(event.event()).isEqualTo("woke");
      // well before the 20 s polling fallback: the announcement crossed the cluster
      assertThat(Duration.ofNanos(System.nanoTime() - appended)).isLessThan(Duration.ofSeconds(5));
    }
  }

  /**
   * One scavenger per cluster: three times, a stream's old events are hidden and the scavenger
   * deletes them; every time it is the same node (each node's timer fires every second, so without
   * the lock the passes would fall on different nodes).
   */
  @Test
  void oneNodeScavengesForTheCluster() {
    double[] before = {scavenged(1), scavenged(2), scavenged(3)};
    for (int round = 1; round <= 3; round++) {
      String stream = "clusterscavenge-" + Services.unique("s");
      JsonArray events = new JsonArray();
      for (int i = 0; i < 10; i++) {
        events.add(new JsonObject().put("type", "old").put("data", new JsonObject().put("n", i)));
      }
      assertThat(Http.post(cluster.uri(round, "/api/v1/streams/" + stream + "/events"), events.encode(),
          "Content-Type", "application/json").statusCode()).isEqualTo(201);
      assertThat(Http.method("PUT", cluster.uri(round, "/api/v1/streams/" + stream + "/metadata"),
          new JsonObject().put("max_count", 1).encode(), "Content-Type", "application/json").statusCode()).isEqualTo(200);
      double expected = 9.0 * round;
      awaitTrue(Duration.ofSeconds(20), () -> scavenged(1) + scavenged(2) + scavenged(3) - before[0] - before[1] - before[2] >= expected);
    }
    long scavengers = java.util.stream.IntStream.rangeClosed(1, 3).filter(n -> scavenged(n) > before[n - 1]).count();
    assertThat(scavengers).as("nodes that scavenged").isEqualTo(1);
  }

  /** The node's switchboard.eventstore.scavenged.events counter, from its /metrics. */
  private static double scavenged(int node) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^switchboard_eventstore_scavenged_events_total(?:\\{[^}]*\\})? ([0-9.E+-]+)$")
        .matcher(Http.get(cluster.uri(node, "/metrics")).body());
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  @Test
  void webhookDeliveriesAreSentOnceAcrossTheNodes() throws Exception {
    java.util.Map<String, Integer> byId = new java.util.concurrent.ConcurrentHashMap<>();
    com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      byId.merge(exchange.getRequestHeaders().getFirst("webhook-id"), 1, Integer::sum);
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      String type = "cw" + Services.unique("t").replace("_", "");
      assertThat(Http.post(cluster.uri(1, "/api/v1/webhooks"), new JsonObject()
          .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
          .put("events", new JsonArray().add(type + ".*")).encode()).statusCode()).isEqualTo(201);
      for (int n = 0; n < 30; n++) {
        assertThat(Http.post(cluster.uri(1 + n % 3, "/api/v1/topics/" + type + ".x"), "{\"n\":" + n + "}", "ce-type", type + ".event")
            .statusCode()).isEqualTo(202);
      }
      awaitTrue(Duration.ofSeconds(30), () -> byId.size() == 30);
      assertThat(byId.values()).as("each webhook-id once").containsOnly(1);
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aKilledNodesClaimedDeliveryIsSentAgainByAnother() throws Exception {
    java.util.List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    receiver.createContext("/hook", exchange -> {
      ids.add(exchange.getRequestHeaders().getFirst("webhook-id"));
      if (ids.size() == 1) {
        // The first attempt never gets an answer: its sender is killed while it waits.
        held.countDown();
        return;
      }
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    int doomed = 0;
    try {
      String type = "ck" + Services.unique("t").replace("_", "");
      java.net.http.HttpResponse<String> created = Http.post(cluster.uri(1, "/api/v1/webhooks"), new JsonObject()
          .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
          .put("events", new JsonArray().add(type + ".*")).encode());
      assertThat(created.statusCode()).isEqualTo(201);
      String endpoint = Http.json(created).getString("id");
      assertThat(Http.post(cluster.uri(2, "/api/v1/topics/" + type + ".x"), "{\"n\":1}", "ce-type", type + ".event").statusCode())
          .isEqualTo(202);
      assertThat(held.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("first attempt reached the receiver").isTrue();
      String claim = cluster.query("select claim from webhook_deliveries where endpoint_id = '" + endpoint + "'");
      String owner = cluster.query("select p.owner from webhook_partitions p join webhook_endpoints e on e.partition_no = p.partition_no"
          + " where e.id = '" + endpoint + "'");
      assertThat(claim).as("the delivery is claimed while its attempt waits").isNotEmpty();
      doomed = Integer.parseInt(owner.replaceAll("^node-(\\d+)/.*", "$1"));
      cluster.kill(doomed);
      int survivor = doomed == 1 ? 2 : 1;
      awaitTrue(Duration.ofSeconds(40), () -> ids.size() >= 2);
      assertThat(ids.get(1)).as("the same delivery, sent again").isEqualTo(ids.get(0));
      awaitTrue(Duration.ofSeconds(10), () -> Http.json(Http.get(cluster.uri(survivor, "/api/v1/webhooks/" + endpoint + "/deliveries")))
          .getJsonArray("deliveries").getJsonObject(0).getString("status").equals("delivered"));
    } finally {
      receiver.stop(0);
      if (doomed > 0) {
        cluster.restart(doomed);
      }
    }
  }

  @Test
  void aProjectionRunsOnOneNodeAndFailsOverWhenItIsKilled() {
    String customer = Services.unique("cust");
    JsonObject before = orders(1);
    String runner = before.getString("runner");
    assertThat(runner).isNotBlank();
    int doomed = Integer.parseInt(runner.replaceAll(".*node-(\\d+).*", "$1"));
    int survivor = doomed == 1 ? 2 : 1;
    List<String> created = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(order(survivor, customer));
    }
    cluster.kill(doomed);
    try {
      for (int i = 0; i < 5; i++) {
        created.add(order(survivor, customer));
      }
      awaitTrue(Duration.ofSeconds(30), () -> {
        JsonObject now = orders(survivor);
        return !runner.equals(now.getString("runner")) && "running".equals(now.getString("status"));
      });
      awaitTrue(Duration.ofSeconds(30), () -> customerOrders(survivor, customer).size() == 10);
      assertThat(customerOrders(survivor, customer)).containsExactlyInAnyOrderElementsOf(created);
    } finally {
      cluster.restart(doomed);
    }
  }

  @Test
  void aConsumerGroupHasOneCoordinatorAndItsConsumersOnOtherNodesCarryOnWhenItsNodeIsKilled() {
    String group = Services.unique("cg").replace('_', '-');
    String category = group.replace("-", "");
    java.net.http.HttpResponse<String> created = Http.method("PUT", cluster.uri(1, "/api/v1/subscriptions/" + group),
        new JsonObject().put("category", category).put("start", "beginning").put("ack_timeout_ms", 60_000).encode(),
        "Content-Type", "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    awaitTrue(Duration.ofSeconds(20), () -> "running".equals(group(1, group).getString("status")));
    String coordinator = group(1, group).getString("coordinator");
    int doomed = Integer.parseInt(coordinator.replaceAll(".*node-(\\d+).*", "$1"));
    int[] others = doomed == 1 ? new int[] {2, 3} : doomed == 2 ? new int[] {1, 3} : new int[] {1, 2};
    JsonArray events = new JsonArray();
    for (int i = 0; i < 20; i++) {
      events.add(new JsonObject().put("type", "cg.x").put("data", new JsonObject().put("n", i)));
    }
    assertThat(Http.post(cluster.uri(others[0], "/api/v1/streams/" + category + "-1/events"), events.encode(),
        "Content-Type", "application/json").statusCode()).isEqualTo(201);
    // a consumer on each of the other nodes: one acks its first five, the other holds five unacked
    JsonArray acked = fetch(others[0], group, "a", 5);
    assertThat(acked).hasSize(5);
    assertThat(settle(others[0], group, "a", acked).statusCode()).isEqualTo(200);
    JsonArray held = fetch(others[1], group, "b", 5);
    assertThat(held).hasSize(5);

    cluster.kill(doomed);
    try {
      awaitTrue(Duration.ofSeconds(40), () -> {
        JsonObject now = group(others[0], group);
        return "running".equals(now.getString("status")) && !coordinator.equals(now.getString("coordinator"));
      });
      java.util.Set<Long> before = positions(acked);
      java.util.Set<Long> after = new java.util.HashSet<>();
      awaitTrue(Duration.ofSeconds(30), () -> {
        for (int node : others) {
          JsonArray got = fetch(node, group, "n" + node, 20);
          got.forEach(d -> assertThat(after.add(((JsonObject) d).getJsonObject("event").getLong("position")))
              .as("delivered twice after the failover").isTrue());
          if (!got.isEmpty()) {
            assertThat(settle(node, group, "n" + node, got).statusCode()).isEqualTo(200);
          }
        }
        return after.size() == 15;
      });
      assertThat(after).doesNotContainAnyElementsOf(before).containsAll(positions(held));
      awaitTrue(Duration.ofSeconds(10), () -> group(others[1], group).getLong("lag_events") == 0);
    } finally {
      cluster.restart(doomed);
    }
  }

  private static JsonObject group(int node, String group) {
    return Http.json(Http.get(cluster.uri(node, "/api/v1/subscriptions/" + group)));
  }

  /** A fetch; a 503 (no coordinator yet, or a request that went to the killed node) counts as nothing yet. */
  private static JsonArray fetch(int node, String group, String consumer, int max) {
    java.net.http.HttpResponse<String> response = Http.post(cluster.uri(node, "/api/v1/subscriptions/" + group
        + "/fetch?consumer=" + consumer + "&max=" + max + "&wait_ms=1000"), "");
    if (response.statusCode() == 503) {
      return new JsonArray();
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response).getJsonArray("deliveries");
  }

  private static java.net.http.HttpResponse<String> settle(int node, String group, String consumer, JsonArray deliveries) {
    JsonArray ids = new JsonArray();
    deliveries.forEach(d -> ids.add(((JsonObject) d).getString("delivery_id")));
    return Http.post(cluster.uri(node, "/api/v1/subscriptions/" + group + "/ack"), new JsonObject().put("consumer", consumer)
        .put("ids", ids).encode(), "Content-Type", "application/json");
  }

  private static java.util.Set<Long> positions(JsonArray deliveries) {
    java.util.Set<Long> out = new java.util.HashSet<>();
    deliveries.forEach(d -> out.add(((JsonObject) d).getJsonObject("event").getLong("position")));
    return out;
  }

  private static JsonObject orders(int node) {
    return Http.json(Http.get(cluster.uri(node, "/api/v1/projections"))).getJsonArray("projections").stream()
        .map(JsonObject.class::cast).filter(p -> p.getString("name").equals("orders")).findFirst().orElseThrow();
  }

  /**
   * Creates an order as a client should: a 503 (a request that went to the killed node before
   * Hazelcast dropped it) is retried after its Retry-After; the order it names never existed.
   */
  private static String order(int node, String customer) {
    for (int attempt = 1; ; attempt++) {
      java.net.http.HttpResponse<String> created = Http.post(cluster.uri(node, "/api/v1/orders"), new JsonObject()
          .put("customer_id", customer).put("items", new JsonArray().add(new JsonObject()
              .put("product_id", "p-1").put("quantity", 1).put("price", 9.5))).encode(), "Content-Type", "application/json");
      if (created.statusCode() == 503 && attempt < 3) {
        assertThat(created.headers().firstValue("Retry-After")).hasValue("1");
        continue;
      }
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      return Http.json(created).getString("order_id");
    }
  }

  private static List<String> customerOrders(int node, String customer) {
    return Http.json(Http.get(cluster.uri(node, "/api/v1/orders?customer_id=" + customer + "&limit=100"))).getJsonArray("orders")
        .stream().map(o -> ((JsonObject) o).getString("order_id")).toList();
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

  private static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + timeout);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
