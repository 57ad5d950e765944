package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.gateway.security.ApiKeys;
import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TcpBridgeClient;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Grants beyond topics, tried as a user with a valid credential limited to the orders-* streams
 * would try to reach what is not theirs: stream users-42, $all, the users category, a queue and a
 * command they were not given, over REST, SSE, WebSocket and both event-bus bridges.
 */
class GrantsIT {

  private static final String SECRET = UUID.randomUUID().toString();
  private static final String ADMIN = ApiKeys.generate();
  private static final String ORDERS_KEY = ApiKeys.generate();
  private static final String PLAIN_KEY = ApiKeys.generate();
  private static final String RUN = Long.toString(System.nanoTime(), 36);

  private static TestHub hub;
  private static int tcpPort;
  private static String orders;

  @BeforeAll
  static void start() {
    tcpPort = TestHub.freePort();
    JsonArray bridged = new JsonArray()
        .add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+"))
        .add(new JsonObject().put("address", "switchboard.topics.watch"))
        .add(new JsonObject().put("address", "switchboard.eventstore.append"))
        .add(new JsonObject().put("address", "switchboard.eventstore.read"))
        .add(new JsonObject().put("address", "switchboard.command.ShipOrder"));
    hub = TestHub.start(new JsonObject()
        .put("auth", new JsonObject()
            .put("api_keys", new JsonArray()
                .add(TestHub.apiKey("admin", ADMIN, "admin"))
                .add(TestHub.apiKey("orders-service", ORDERS_KEY, "publish", "subscribe")
                    .put("streams", new JsonObject().put("append", new JsonArray().add("orders-*"))
                        .put("read", new JsonArray().add("orders-*"))))
                .add(TestHub.apiKey("plain", PLAIN_KEY, "publish", "subscribe")))
            .put("jwt", new JsonObject().put("hs256_secret", SECRET)))
        .put("tcp_bridge", new JsonObject().put("port", tcpPort))
        .put("bridge", new JsonObject().put("inbound", bridged)
            .put("outbound", new JsonArray().add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+")))));
    JWTAuth jwt = JWTAuth.create(hub.vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    orders = jwt.generateToken(new JsonObject().put("sub", "orders-app").put("scope", "publish subscribe")
        .put("topics", new JsonArray().add("orders.*").add("streams.orders"))
        .put("streams", new JsonObject().put("append", new JsonArray().add("orders-*"))
            .put("read", new JsonArray().add("orders-*").add("$category:orders")))
        .put("queues", new JsonArray().add("orders-jobs"))
        .put("commands", new JsonArray().add("CreateOrder"))
        .put("queries", new JsonArray().add("GetOrderById")), new JWTOptions().setExpiresInSeconds(600));
    assertThat(append(ADMIN, "users-42", "user.created").statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (hub != null) {
      hub.close();
    }
  }


  private static HttpResponse<String> append(String credential, String stream, String type) {
    return Http.post(hub.uri("/api/v1/streams/" + stream + "/events"), "{\"type\":\"" + type + "\",\"data\":{}}",
        "Authorization", "Bearer " + credential, "Content-Type", "application/json");
  }

  private static HttpResponse<String> get(String credential, String path) {
    return Http.get(hub.uri(path), "Authorization", "Bearer " + credential);
  }

  private static void assertForbidden(HttpResponse<String> response, String detail) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
    assertThat(Http.json(response).getString("type")).isEqualTo("urn:switchboard:problem:forbidden");
    assertThat(Http.json(response).getString("detail")).contains(detail);
  }

  @Test
  void restRefusesWhatLiesOutsideTheStreamGrants() {
    assertForbidden(append(orders, "users-42", "user.hijacked"), "users-42");
    assertThat(Http.json(get(ADMIN, "/api/v1/streams/users-42")).getJsonArray("events")).hasSize(1);
    assertThat(append(orders, "orders-" + RUN, "order.placed").statusCode()).isEqualTo(201);

    assertForbidden(get(orders, "/api/v1/streams/users-42"), "users-42");
    assertForbidden(get(orders, "/api/v1/streams/$all"), "$all");
    assertForbidden(get(orders, "/api/v1/streams/$all?category=users"), "users");
    assertForbidden(get(orders, "/api/v1/streams?category=users"), "users");
    assertForbidden(get(orders, "/api/v1/streams/users-42/snapshot"), "users-42");
    assertForbidden(Http.method("PUT", hub.uri("/api/v1/streams/users-42/snapshot"), "{\"version\":0,\"state\":{}}",
        "Authorization", "Bearer " + orders), "users-42");
    assertThat(get(orders, "/api/v1/streams/orders-" + RUN).statusCode()).isEqualTo(200);
    JsonArray category = Http.json(get(orders, "/api/v1/streams/$all?category=orders")).getJsonArray("events");
    assertThat(category).isNotEmpty().allSatisfy(e -> assertThat(((JsonObject) e).getString("stream")).startsWith("orders-"));

    // the store's announcement topics are the store's: no forged store events
    assertForbidden(Http.post(hub.uri("/api/v1/topics/streams.users"), "{\"subject\":\"users-42\"}", "ce-type", "user.deleted",
        "Authorization", "Bearer " + orders), "event store");
    assertThat(Http.post(hub.uri("/api/v1/topics/orders.created"), "{}", "ce-type", "order.created",
        "Authorization", "Bearer " + orders).statusCode()).isEqualTo(202);
  }

  @Test
  void queuesCommandsAndQueriesFollowTheirGrants() {
    assertForbidden(Http.post(hub.uri("/api/v1/queues/payroll/messages"), "{}", "ce-type", "pay", "Authorization", "Bearer " + orders),
        "payroll");
    // the granted queue passes the check and meets the missing RabbitMQ bridge
    assertThat(Http.post(hub.uri("/api/v1/queues/orders-jobs/messages"), "{}", "ce-type", "job", "Authorization", "Bearer " + orders)
        .statusCode()).isEqualTo(503);
    assertForbidden(Http.post(hub.uri("/api/v1/orders/o-1/ship"), "{\"tracking_number\":\"T\"}", "Authorization", "Bearer " + orders),
        "ShipOrder");
    HttpResponse<String> created = Http.post(hub.uri("/api/v1/orders"),
        "{\"customer_id\":\"c-" + RUN + "\",\"items\":[{\"product_id\":\"p\",\"quantity\":1,\"price\":2}]}", "Authorization", "Bearer " + orders);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(get(orders, "/api/v1/orders/" + Http.json(created).getString("order_id")).statusCode()).isIn(200, 404);
    assertForbidden(get(orders, "/api/v1/orders?customer_id=c-" + RUN), "GetOrdersByCustomer");
  }

  @Test
  void sseSubscriptionsFollowTheReadGrants() {
    assertForbidden(get(orders, "/api/v1/streams/$all/subscribe"), "$all");
    assertForbidden(get(orders, "/api/v1/streams/$all/subscribe?category=users"), "users");
    assertForbidden(get(orders, "/api/v1/streams/users-42/subscribe"), "users-42");
    assertForbidden(get(orders, "/api/v1/stream?topics=streams.users"), "streams.users");
    assertForbidden(get(orders, "/api/v1/stream?topics=%23"), "may not subscribe to #");
    String stream = "orders-sse" + RUN;
    try (SseClient announcements = SseClient.open(hub.uri("/api/v1/stream?topics=streams.orders"), "Authorization", "Bearer " + orders);
         SseClient own = SseClient.open(hub.uri("/api/v1/streams/" + stream + "/subscribe"), "Authorization", "Bearer " + orders)) {
      assertThat(announcements.response().statusCode()).isEqualTo(200);
      assertThat(own.response().statusCode()).isEqualTo(200);
      assertThat(append(ADMIN, "users-43", "user.created").statusCode()).isEqualTo(201);
      assertThat(append(ADMIN, stream, "order.placed").statusCode()).isEqualTo(201);
      JsonObject announced = new JsonObject(announcements.next(Duration.ofSeconds(10)).data());
      assertThat(announced.getString("subject")).as("the users-43 announcement never arrives").isEqualTo(stream);
      assertThat(new JsonObject(own.next(Duration.ofSeconds(10)).data()).getString("stream")).isEqualTo(stream);
    }
  }

  @Test
  void webSocketAndSockJsFollowTheGrants() {
    String output = NodeClients.run(Duration.ofSeconds(60), "grants-clients.mjs", "http://127.0.0.1:" + hub.port, orders, ADMIN, RUN);
    assertThat(output).contains("OK grants-clients");
  }

  @Test
  void theTcpBridgeFollowsTheGrants() throws Exception {
    try (TcpBridgeClient client = new TcpBridgeClient(tcpPort)) {
      client.write(TcpBridgeClient.frame("register", "switchboard.topic.streams.users", orders));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("send", "switchboard.eventstore.append", null).put("replyAddress", "r-1")
          .put("body", new JsonObject().put("stream", "users-42").put("events", new JsonArray().add(new JsonObject().put("type", "x")))));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("send", "switchboard.eventstore.read", null).put("replyAddress", "r-2")
          .put("body", new JsonObject().put("stream", "$all")));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("send", "switchboard.command.ShipOrder", null).put("replyAddress", "r-3")
          .put("body", new JsonObject().put("order_id", "o-1")));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("send", "switchboard.eventstore.append", null).put("replyAddress", "r-4")
          .put("body", new JsonObject().put("stream", "orders-tcp" + RUN).put("events", new JsonArray().add(new JsonObject().put("type", "x")))));
      JsonObject reply = client.read();
      assertThat(reply.getString("address")).as(reply.encode()).isEqualTo("r-4");
      assertThat(reply.getJsonObject("body").getString("stream")).isEqualTo("orders-tcp" + RUN);
    }
  }

  @Test
  void apiKeysCarryTheSameGrantsAndNeverImplyAllOrACategory() {
    assertForbidden(append(ORDERS_KEY, "users-42", "user.hijacked"), "users-42");
    assertThat(append(ORDERS_KEY, "orders-key" + RUN, "order.placed").statusCode()).isEqualTo(201);
    assertForbidden(get(ORDERS_KEY, "/api/v1/streams/$all?category=orders"), "$category:orders");
    // a key without stream grants reads and writes single streams, but not $all or a category
    assertThat(append(PLAIN_KEY, "notes-" + RUN, "note.taken").statusCode()).isEqualTo(201);
    assertThat(get(PLAIN_KEY, "/api/v1/streams/users-42").statusCode()).isEqualTo(200);
    assertForbidden(get(PLAIN_KEY, "/api/v1/streams/$all"), "$all");
    assertForbidden(get(PLAIN_KEY, "/api/v1/stream?topics=%23"), "every category");
    assertThat(get(ADMIN, "/api/v1/streams/$all").statusCode()).isEqualTo(200);
  }

  @Test
  void consumerGroupsFollowTheReadGrantsOfTheirSource() {
    for (String category : List.of("users", "orders")) {
      HttpResponse<String> created = Http.method("PUT", hub.uri("/api/v1/subscriptions/" + category + "-feed-" + RUN),
          new JsonObject().put("category", category).put("start", "beginning").encode(),
          "Authorization", "Bearer " + ADMIN, "Content-Type", "application/json");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
    assertForbidden(Http.post(hub.uri("/api/v1/subscriptions/users-feed-" + RUN + "/fetch"), "",
        "Authorization", "Bearer " + orders), "category users");
    assertForbidden(Http.post(hub.uri("/api/v1/subscriptions/users-feed-" + RUN + "/ack"), "{\"ids\":[\"1\"]}",
        "Authorization", "Bearer " + orders, "Content-Type", "application/json"), "category users");
    // only admins define groups
    assertThat(Http.method("PUT", hub.uri("/api/v1/subscriptions/mine-" + RUN), "{}", "Authorization", "Bearer " + orders,
        "Content-Type", "application/json").statusCode()).isEqualTo(403);
    // the orders category is theirs ($category:orders)
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    HttpResponse<String> fetched;
    do {
      fetched = Http.post(hub.uri("/api/v1/subscriptions/orders-feed-" + RUN + "/fetch?max=5"), "", "Authorization", "Bearer " + orders);
    } while (fetched.statusCode() == 503 && System.nanoTime() < deadline);
    assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
    try (WsClient ws = WsClient.connect(URI.create("ws://127.0.0.1:" + hub.port + "/ws"), "Authorization", "Bearer " + orders)) {
      ws.send(new JsonObject().put("type", "consume").put("group", "users-feed-" + RUN).put("ref", 7));
      JsonObject error = ws.next("error", Duration.ofSeconds(10));
      assertThat(error.getString("code")).isEqualTo("forbidden");
      assertThat(error.getInteger("ref")).isEqualTo(7);
    }
  }
}
