package io.switchboard.cqrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.examples.orders.Order;
import io.switchboard.examples.orders.OrderLine;
import io.switchboard.examples.orders.OrderProjection;
import io.switchboard.testing.Http;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CQRS framework and the Order example over real HTTP, run once per database by
 * {@link CqrsPostgresIT} and {@link CqrsH2IT}. The hub runs the gateway, the store and the orders
 * verticle; the tests deploy the projector themselves (to stop, restart and multiply it), with the
 * Order projection and the test projections of {@link TestProjections}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CqrsContract {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String JSON = "application/json";

  TestDatabase database;
  TestHub hub;
  Database db;
  /** The deployment of the projector the tests share. */
  String projector;

  abstract TestDatabase.Kind kind();

  JsonObject overrides() {
    return database.conf.copy()
        .put("eventstore", new JsonObject().put("poll_ms", 200).put("subscription_batch", 256))
        .put("cqrs", new JsonObject()
            .put("projections", new JsonArray().add(OrderProjection.class.getName()).add(TestProjections.Audit.class.getName())
                .add(TestProjections.Failing.class.getName()).add(TestProjections.Gated.class.getName()))
            .put("lock_retry_ms", 200).put("heartbeat_ms", 1000).put("lag_refresh_ms", 200).put("min_position_wait_ms", 1500));
  }

  @BeforeAll
  void start() {
    database = TestDatabase.create(kind());
    hub = TestHub.start(overrides(), "gateway", "topic-router", "event-store", "orders");
    projector = deployProjector(new JsonObject(), 1);
    db = database.open(hub.vertx, hub.conf);
    awaitCaughtUp(OrderProjection.NAME);
  }

  @AfterAll
  void stop() {
    try {
      if (db != null) {
        TestHub.await(db.close());
      }
      if (hub != null) {
        hub.close();
      }
    } finally {
      database.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  String deployProjector(JsonObject confChanges, int instances) {
    JsonObject config = hub.conf.copy().mergeIn(confChanges, true);
    return TestHub.await(hub.vertx.deployVerticle(ProjectorVerticle.class,
        new DeploymentOptions().setConfig(config).setInstances(instances)));
  }

  void undeploy(String deployment) {
    TestHub.await(hub.vertx.undeploy(deployment));
  }

  static JsonObject items(String... productPrices) {
    JsonArray items = new JsonArray();
    for (int i = 0; i < productPrices.length; i += 2) {
      items.add(new JsonObject().put("product_id", productPrices[i]).put("quantity", i / 2 + 1)
          .put("price", Double.parseDouble(productPrices[i + 1])));
    }
    return new JsonObject().put("items", items);
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = JSON;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return Http.post(hub.uri(path), body, all);
  }

  JsonObject createOrder(String customer, String... headers) {
    HttpResponse<String> created = post("/api/v1/orders", items("p-1", "19.99", "p-2", "5").put("customer_id", customer).encode(), headers);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Http.json(created);
  }

  HttpResponse<String> ship(String orderId, String tracking) {
    return post("/api/v1/orders/" + orderId + "/ship", new JsonObject().put("tracking_number", tracking).encode());
  }

  JsonObject projection(String name) {
    HttpResponse<String> list = Http.get(hub.uri("/api/v1/projections"));
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    for (Object p : Http.json(list).getJsonArray("projections")) {
      if (((JsonObject) p).getString("name").equals(name)) {
        return (JsonObject) p;
      }
    }
    throw new AssertionError("no projection " + name + " in " + list.body());
  }

  void awaitCaughtUp(String name) {
    await(() -> {
      JsonObject p = projection(name);
      return p.getString("status").equals("running") && p.getLong("lag_events") == 0;
    }, "projection " + name + " catches up");
  }

  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  List<Row> rows(String sql, Tuple params) {
    List<Row> out = new ArrayList<>();
    TestHub.await(db.pool().preparedQuery(db.sql(sql)).execute(params)).forEach(out::add);
    return out;
  }

  /** Every column of every row, as text, in key order: what "row by row" compares. */
  List<String> table(String sql) {
    List<String> out = new ArrayList<>();
    for (Row row : rows(sql, Tuple.tuple())) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == 0 ? "" : " | ").append(row.getValue(i));
      }
      out.add(line.toString());
    }
    return out;
  }

  long checkpoint(String name) {
    List<Row> row = rows("SELECT position FROM projection_checkpoints WHERE name = $1", Tuple.of(name));
    return row.isEmpty() ? 0 : row.get(0).getLong(0);
  }

  long head() {
    JsonArray last = Http.json(Http.get(hub.uri("/api/v1/streams/$all?direction=backward&limit=1"))).getJsonArray("events");
    return last.isEmpty() ? 0 : last.getJsonObject(0).getLong("position");
  }

  /** Appends items to a stream of their own; the answer's positions, first to last. */
  List<Long> appendItems(JsonObject... data) {
    JsonArray events = new JsonArray();
    for (JsonObject d : data) {
      events.add(new JsonObject().put("type", TestProjections.ITEM).put("data", d));
    }
    HttpResponse<String> appended = post("/api/v1/streams/cqrstest-" + UUID.randomUUID() + "/events", events.encode());
    assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
    long last = Http.json(appended).getLong("position");
    List<Long> positions = new ArrayList<>();
    for (long p = last - data.length + 1; p <= last; p++) {
      positions.add(p);
    }
    return positions;
  }

  static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(Http.json(response).getString("type")).as(response.body()).isEqualTo("urn:switchboard:problem:" + code);
  }

  /** A projection's gauge as /metrics shows it (-1 when absent). */
  double gauge(String metric, String projection) {
    String prefix = metric + "{projection=\"" + projection + "\"} ";
    return Http.get(hub.uri("/metrics")).body().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(-1);
  }

  // ------------------------------------------------------------------ commands and queries

  @Test
  void createShipAndQueryOverRestWithTheCorrelationIdCarriedIntoTheEvents() {
    String customer = "cu-" + UUID.randomUUID();
    try (SseClient topic = SseClient.open(hub.uri("/api/v1/stream?topics=streams.order"))) {
      HttpResponse<String> created = post("/api/v1/orders", items("p-1", "19.99", "p-2", "5").put("customer_id", customer).encode(),
          "X-Correlation-Id", "corr-create-1");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonObject answer = Http.json(created);
      String id = answer.getString("order_id");
      assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/orders/" + id);
      assertThat(created.headers().firstValue("X-Correlation-Id")).hasValue("corr-create-1");
      assertThat(answer.getString("status")).isEqualTo("pending");
      assertThat(created.body()).contains("\"total\":29.99,");
      assertThat(answer.getLong("version")).isZero();

      // Read your writes: the query waits until the projection has the command's position.
      HttpResponse<String> read = Http.get(hub.uri("/api/v1/orders/" + id + "?min_position=" + answer.getLong("position")));
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      JsonObject order = Http.json(read);
      assertThat(order.getString("customer_id")).isEqualTo(customer);
      assertThat(order.getString("status")).isEqualTo("pending");
      assertThat(order.getString("correlation_id")).isEqualTo("corr-create-1");
      assertThat(order.getJsonArray("items").encode()).isEqualTo(
          "[{\"product_id\":\"p-1\",\"quantity\":1,\"price\":19.99},{\"product_id\":\"p-2\",\"quantity\":2,\"price\":5}]");

      HttpResponse<String> shipped = post("/api/v1/orders/" + id + "/ship", "{\"tracking_number\":\"TRK-1\"}",
          "X-Correlation-Id", "corr-ship-1");
      assertThat(shipped.statusCode()).as(shipped.body()).isEqualTo(200);
      JsonObject shipAnswer = Http.json(shipped);
      assertThat(shipAnswer.getString("status")).isEqualTo("shipped");
      assertThat(shipAnswer.getLong("position")).isGreaterThan(answer.getLong("position"));
      JsonObject afterShip = Http.json(Http.get(hub.uri("/api/v1/orders/" + id + "?min_position=" + shipAnswer.getLong("position"))));
      assertThat(afterShip.getString("status")).isEqualTo("shipped");
      assertThat(afterShip.getString("tracking_number")).isEqualTo("TRK-1");
      assertThat(afterShip.getLong("version")).isEqualTo(1);

      // The events carry the correlation id and the command as their cause ...
      JsonArray events = Http.json(Http.get(hub.uri("/api/v1/streams/order-" + id))).getJsonArray("events");
      assertThat(events).hasSize(2);
      assertThat(events.getJsonObject(0).getString("type")).isEqualTo("order.created");
      assertThat(events.getJsonObject(0).getJsonObject("metadata").getString("correlationid")).isEqualTo("corr-create-1");
      assertThat(events.getJsonObject(0).getJsonObject("metadata").getString("causationid")).isNotBlank();
      assertThat(events.getJsonObject(1).getJsonObject("metadata").getString("correlationid")).isEqualTo("corr-ship-1");
      // ... and so do the topic messages every transport sees.
      JsonObject onTopic = new JsonObject(topic.next(WAIT).data());
      assertThat(onTopic.getString("type")).isEqualTo("order.created");
      assertThat(onTopic.getString("subject")).isEqualTo("order-" + id);
      assertThat(onTopic.getString("correlationid")).isEqualTo("corr-create-1");
      assertThat(new JsonObject(topic.next(WAIT).data()).getString("correlationid")).isEqualTo("corr-ship-1");
    }

    // By customer, newest first, with a status filter and a limit.
    String second = createOrder(customer).getString("order_id");
    JsonObject third = createOrder(customer);
    String byCustomer = "/api/v1/orders?customer_id=" + customer + "&min_position=" + third.getLong("position");
    JsonArray all = Http.json(Http.get(hub.uri(byCustomer))).getJsonArray("orders");
    assertThat(all).hasSize(3);
    assertThat(all.getJsonObject(0).getString("order_id")).isEqualTo(third.getString("order_id"));
    assertThat(all.getJsonObject(1).getString("order_id")).isEqualTo(second);
    assertThat(Http.json(Http.get(hub.uri(byCustomer + "&status=shipped"))).getJsonArray("orders")).hasSize(1);
    assertThat(Http.json(Http.get(hub.uri(byCustomer + "&status=pending"))).getJsonArray("orders")).hasSize(2);
    JsonArray limited = Http.json(Http.get(hub.uri(byCustomer + "&status=pending&limit=1"))).getJsonArray("orders");
    assertThat(limited).hasSize(1);
    assertThat(limited.getJsonObject(0).getString("order_id")).isEqualTo(third.getString("order_id"));
    assertProblem(Http.get(hub.uri(byCustomer + "&status=lost")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/orders?limit=5")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/orders/" + UUID.randomUUID())), 404, "order-not-found");
  }

  @Test
  void shippingTwiceIsAConflictAndBadCommandsSayWhatIsWrong() {
    String id = createOrder("cu-twice").getString("order_id");
    assertThat(ship(id, "T-1").statusCode()).isEqualTo(200);
    HttpResponse<String> again = ship(id, "T-2");
    assertProblem(again, 409, "order-not-pending");
    assertThat(Http.json(again).getString("detail")).contains(id).contains("shipped");
    assertThat(Http.json(again).getString("tracking_number")).isEqualTo("T-1");
    assertProblem(ship(UUID.randomUUID().toString(), "T-3"), 404, "order-not-found");
    // A client may name the order: naming one that exists is a conflict, not a second order.
    assertProblem(post("/api/v1/orders", items("p", "1").put("customer_id", "cu-twice").put("order_id", id).encode()),
        409, "order-exists");
    String named = "named-" + UUID.randomUUID();
    HttpResponse<String> withId = post("/api/v1/orders", items("p", "1").put("customer_id", "cu-twice").put("order_id", named).encode());
    assertThat(withId.statusCode()).as(withId.body()).isEqualTo(201);
    assertThat(Http.json(withId).getString("order_id")).isEqualTo(named);

    HttpResponse<String> invalid = post("/api/v1/orders",
        "{\"customer_id\":\"\",\"items\":[{\"product_id\":\"p\",\"quantity\":0,\"price\":1.00001}],\"colour\":\"red\"}");
    assertProblem(invalid, 422, "invalid-command");
    JsonArray errors = Http.json(invalid).getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactlyInAnyOrder("colour", "customer_id", "items[0].quantity", "items[0].price");
    assertProblem(post("/api/v1/orders", "{\"customer_id\":\"c\",\"items\":[]}"), 422, "invalid-command");
    assertProblem(post("/api/v1/orders/" + id + "/ship", "{}"), 422, "invalid-command");
    assertProblem(post("/api/v1/orders", "[1]"), 422, "not-an-object");
    assertProblem(post("/api/v1/orders", "{\"customer_id\":"), 400, "malformed-json");
    // Nothing was written for any of them.
    assertThat(Http.json(Http.get(hub.uri("/api/v1/streams/order-" + id))).getJsonArray("events")).hasSize(2);

    // Commands by name: unknown names are a clear 404, over HTTP and on the event bus.
    assertProblem(post("/api/v1/commands/PaintOrder", "{}"), 404, "unknown-command");
    assertThat(Http.json(post("/api/v1/commands/PaintOrder", "{}")).getString("detail")).contains("PaintOrder");
    assertProblem(post("/api/v1/queries/GetOrderColour", "{}"), 404, "unknown-query");
    Throwable unknown = TestHub.await(CommandBus.send(hub.vertx, "PaintOrder", new JsonObject(), null)
        .<Throwable>map(ok -> null).otherwise(e -> e));
    assertThat(unknown).isInstanceOf(Problem.class);
    assertThat(((Problem) unknown).code()).isEqualTo("unknown-command");
    HttpResponse<String> byName = post("/api/v1/commands/CreateOrder", items("p", "1").put("customer_id", "by-name").encode());
    assertThat(byName.statusCode()).as(byName.body()).isEqualTo(200);
    assertThat(Http.json(byName).getString("status")).isEqualTo("pending");
  }

  @Test
  void ofConcurrentShipsExactlyOneWins() throws Exception {
    String id = createOrder("cu-race").getString("order_id");
    int racers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        String tracking = "RACE-" + i;
        answers.add(pool.submit(() -> {
          go.await();
          return ship(id, tracking);
        }));
      }
      go.countDown();
      List<String> winners = new ArrayList<>();
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
        if (response.statusCode() == 200) {
          winners.add(Http.json(response).getString("tracking_number"));
        } else {
          assertProblem(response, 409, "order-not-pending");
        }
      }
      assertThat(winners).hasSize(1);
      JsonArray events = Http.json(Http.get(hub.uri("/api/v1/streams/order-" + id))).getJsonArray("events");
      assertThat(events).hasSize(2);
      assertThat(events.getJsonObject(1).getJsonObject("data").getString("tracking_number")).isEqualTo(winners.get(0));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Commands the orders verticle answered from its aggregate cache so far. */
  double cacheHits() {
    String prefix = "switchboard_cqrs_aggregate_cache_total{aggregate=\"order\",result=\"hit\"} ";
    return Http.get(hub.uri("/metrics")).body().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(0);
  }

  HttpResponse<String> appendBehindTheCommandsBack(String orderId, long expected, JsonObject event) {
    HttpResponse<String> appended = post("/api/v1/streams/order-" + orderId + "/events", event.encode(),
        "Expected-Version", Long.toString(expected));
    assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
    return appended;
  }

  @Test
  void aCommandOnAnOrderAnotherWriterMovedIsDecidedOnTheStoredStateNotOnTheCachedOne() {
    // Shipped by another writer (another node, a raw append) after this node cached the new order.
    String shippedElsewhere = createOrder("cu-stale").getString("order_id");
    appendBehindTheCommandsBack(shippedElsewhere, 0, new JsonObject().put("type", "order.shipped")
        .put("data", new JsonObject().put("order_id", shippedElsewhere).put("tracking_number", "ELSEWHERE")));
    double hitsBefore = cacheHits();
    HttpResponse<String> refused = ship(shippedElsewhere, "HERE");
    assertProblem(refused, 409, "order-not-pending");
    assertThat(Http.json(refused).getString("tracking_number")).isEqualTo("ELSEWHERE");
    assertThat(cacheHits()).as("the ship started from the cached order").isGreaterThan(hitsBefore);
    JsonArray events = Http.json(Http.get(hub.uri("/api/v1/streams/order-" + shippedElsewhere))).getJsonArray("events");
    assertThat(events).hasSize(2);

    // An event the aggregate ignores moved the version: the ship lands after it, nothing overwritten.
    String noted = createOrder("cu-stale").getString("order_id");
    appendBehindTheCommandsBack(noted, 0, new JsonObject().put("type", "order.noted").put("data", new JsonObject()));
    HttpResponse<String> shipped = ship(noted, "AFTER-THE-NOTE");
    assertThat(shipped.statusCode()).as(shipped.body()).isEqualTo(200);
    assertThat(Http.json(shipped).getLong("version")).isEqualTo(2);
    JsonArray versions = Http.json(Http.get(hub.uri("/api/v1/streams/order-" + noted))).getJsonArray("events");
    assertThat(versions.stream().map(e -> ((JsonObject) e).getString("type")))
        .containsExactly("order.created", "order.noted", "order.shipped");

    // A soft delete keeps the stream's version (an append expecting it would pass): the cached order
    // is dropped, so the ship finds no order, as it would without the cache.
    String deleted = createOrder("cu-stale").getString("order_id");
    HttpResponse<String> delete = Http.method("DELETE", hub.uri("/api/v1/streams/order-" + deleted), null);
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);
    assertProblem(ship(deleted, "AFTER-THE-DELETE"), 404, "order-not-found");
  }

  @Test
  void aQueryWaitsForItsPositionOnlyAsLongAsConfigured() {
    long beyond = head() + 1000;
    long started = System.nanoTime();
    HttpResponse<String> behind = Http.get(hub.uri("/api/v1/orders/" + UUID.randomUUID() + "?min_position=" + beyond));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertProblem(behind, 503, "projection-behind");
    assertThat(behind.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(Http.json(behind).getLong("min_position")).isEqualTo(beyond);
    assertThat(tookMs).isBetween(1400L, 10_000L);
    assertProblem(Http.get(hub.uri("/api/v1/orders/x?min_position=-1")), 400, "invalid-parameter");
  }

  @Test
  void snapshotsAreKeptAndLoadsOfLongStreamsStartFromThem() {
    // Snapshots every event, and pages of one event: every stream is "long".
    EventSourcedRepository<Order> repository = new EventSourcedRepository<>(hub.vertx, Order.TYPE, 3, 1, 1);
    String id = "snap-" + UUID.randomUUID();
    CommandContext context = new CommandContext("CreateOrder", UUID.randomUUID().toString(), "corr-snap");
    TestHub.await(repository.executeNew(id, order -> order.create("cu-snap",
        List.of(new OrderLine("p", 3, new java.math.BigDecimal("2.50")))), context));
    String snapshotPath = "/api/v1/streams/order-" + id + "/snapshot";
    // Snapshots are kept off the command's path; one at a time here (the store does not order two in flight).
    await(() -> Http.get(hub.uri(snapshotPath)).statusCode() == 200, "the snapshot at version 0 is kept");
    TestHub.await(repository.execute(id, order -> order.ship("SNAP"), context));
    await(() -> Http.get(hub.uri(snapshotPath)).statusCode() == 200
        && Http.json(Http.get(hub.uri(snapshotPath))).getLong("version") == 1, "the snapshot at version 1 is kept");
    JsonObject kept = Http.json(Http.get(hub.uri(snapshotPath))).getJsonObject("state");
    assertThat(kept.getJsonObject("state").getString("status")).isEqualTo("shipped");
    // A load starts from the snapshot: change it, and the aggregate believes it.
    kept.getJsonObject("state").put("customer_id", "from-the-snapshot");
    HttpResponse<String> put = Http.method("PUT", hub.uri(snapshotPath), new JsonObject().put("version", 1).put("state", kept).encode(),
        "Content-Type", JSON);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    Order loaded = TestHub.await(repository.load(id));
    assertThat(loaded.customerId()).isEqualTo("from-the-snapshot");
    assertThat(loaded.version()).isEqualTo(1);
    assertThat(loaded.status()).isEqualTo("shipped");
    // Without a usable snapshot (another schema of the state), the events tell.
    kept.put("schema", 99);
    assertThat(Http.method("PUT", hub.uri(snapshotPath), new JsonObject().put("version", 1).put("state", kept).encode(),
        "Content-Type", JSON).statusCode()).isEqualTo(200);
    assertThat(TestHub.await(repository.load(id)).customerId()).isEqualTo("cu-snap");
  }

  // ------------------------------------------------------------------ the projector

  @Test
  void aProjectorStoppedInTheMiddleOfABatchAndRestartedEqualsAFreshRebuildRowByRow() throws Exception {
    awaitCaughtUp(OrderProjection.NAME);
    undeploy(projector);
    projector = null;
    long before = checkpoint(OrderProjection.NAME);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = createOrder("cu-batch-" + (i % 4)).getString("order_id");
      created.add(id);
      if (i % 2 == 0) {
        assertThat(ship(id, "B-" + i).statusCode()).isEqualTo(200);
      }
    }
    assertThat(head()).isGreaterThan(before + 40);
    long pauseAt = before + 40;
    BlockingQueue<JsonObject> paused = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> listener = hub.vertx.eventBus().consumer(TestProjections.PAUSED, m -> paused.add(m.body()));
    TestHub.await(listener.completion());
    String pausing = deployProjector(new JsonObject()
        .put("cqrs", new JsonObject().put("projections", new JsonArray().add(TestProjections.PausingOrders.class.getName())))
        .put("cqrstest", new JsonObject().put("pause_at", pauseAt)), 1);
    try {
      JsonObject at = paused.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(at).as("the projector reaches the event to stop at").isNotNull();
      assertThat(at.getLong("position")).isEqualTo(pauseAt);
      // 39 events of the batch are applied inside its open transaction: none is visible yet.
      assertThat(checkpoint(OrderProjection.NAME)).isEqualTo(before);
      assertThat(rows("SELECT order_id FROM order_read_model WHERE order_id = $1", Tuple.of(created.get(0)))).isEmpty();
      long stopping = System.nanoTime();
      undeploy(pausing);
      pausing = null;
      assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(8));
      assertThat(checkpoint(OrderProjection.NAME)).isEqualTo(before);
      assertThat(rows("SELECT order_id FROM order_read_model WHERE order_id = $1", Tuple.of(created.get(0)))).isEmpty();
    } finally {
      listener.unregister();
      if (pausing != null) {
        undeploy(pausing);
      }
      projector = deployProjector(new JsonObject(), 1);
    }
    awaitCaughtUp(OrderProjection.NAME);
    String orders = "SELECT * FROM order_read_model ORDER BY order_id";
    String lines = "SELECT * FROM order_items_read_model ORDER BY order_id, line";
    List<String> resumedOrders = table(orders);
    List<String> resumedLines = table(lines);
    assertThat(resumedOrders).hasSizeGreaterThanOrEqualTo(30);
    assertThat(rows("SELECT status FROM order_read_model WHERE order_id = $1", Tuple.of(created.get(28))).get(0).getString(0))
        .isEqualTo("shipped");

    long headNow = head();
    HttpResponse<String> rebuild = Http.post(hub.uri("/api/v1/projections/orders/rebuild"), "");
    assertThat(rebuild.statusCode()).as(rebuild.body()).isEqualTo(202);
    assertThat(Http.json(rebuild).getString("status")).isEqualTo("rebuilding");
    assertThat(Http.json(rebuild).getLong("rebuild_until")).isEqualTo(headNow);
    awaitCaughtUp(OrderProjection.NAME);
    assertThat(table(orders)).containsExactlyElementsOf(resumedOrders);
    assertThat(table(lines)).containsExactlyElementsOf(resumedLines);
  }

  @Test
  void withSeveralProjectorInstancesEachEventIsAppliedOnceAndAStandbyTakesOver() {
    awaitCaughtUp("audit");
    long start = head();
    String standby = deployProjector(new JsonObject(), 2);
    String active = projector;
    projector = standby;
    for (int i = 0; i < 10; i++) {
      String id = createOrder("cu-many").getString("order_id");
      assertThat(ship(id, "M-" + i).statusCode()).isEqualTo(200);
    }
    appendItems(new JsonObject().put("label", "many-1"), new JsonObject().put("label", "many-2"));
    awaitCaughtUp("audit");
    undeploy(active);
    appendItems(new JsonObject().put("label", "many-3"), new JsonObject().put("label", "many-4"));
    awaitCaughtUp("audit");
    long end = head();
    assertThat(end - start).isEqualTo(24);
    List<Row> applied = rows("SELECT position, COUNT(*) FROM cqrs_test_applied WHERE position > $1 GROUP BY position ORDER BY position",
        Tuple.of(start));
    assertThat(applied).hasSize(24);
    for (int i = 0; i < applied.size(); i++) {
      assertThat(applied.get(i).getLong(0)).isEqualTo(start + 1 + i);
      assertThat(applied.get(i).getLong(1)).as("times position %d was applied", start + 1 + i).isEqualTo(1);
    }
  }

  @Test
  void aRunnerWhoseProjectionWasTakenOverBehindItsBackWritesNothingAndTheProjectionGoesOnExactlyOnce() {
    awaitCaughtUp("audit");
    // On a fresh store "caught up" holds before the runner has written its checkpoint row (its fence).
    await(() -> !rows("SELECT epoch FROM projection_checkpoints WHERE name = 'audit'", Tuple.tuple()).isEmpty(),
        "the audit runner's checkpoint row");
    long start = head();
    long epoch = rows("SELECT epoch FROM projection_checkpoints WHERE name = 'audit'", Tuple.tuple()).get(0).getLong(0);
    // What a runner elsewhere does when it takes the projection over (say this one's lock was lost
    // and it has not noticed yet): a new epoch. This runner's next batch must find its fence gone.
    TestHub.await(db.pool().query("UPDATE projection_checkpoints SET epoch = epoch + 1 WHERE name = 'audit'").execute());
    appendItems(new JsonObject().put("label", "fenced-1"), new JsonObject().put("label", "fenced-2"));
    awaitCaughtUp("audit");
    // It stopped, let go of the lock, and a runner took the projection over again, from the checkpoint.
    assertThat(rows("SELECT epoch FROM projection_checkpoints WHERE name = 'audit'", Tuple.tuple()).get(0).getLong(0))
        .isEqualTo(epoch + 2);
    List<Row> applied = rows("SELECT position, COUNT(*) FROM cqrs_test_applied WHERE position > $1 GROUP BY position ORDER BY position",
        Tuple.of(start));
    assertThat(applied).extracting(r -> r.getLong(0)).containsExactly(start + 1, start + 2);
    assertThat(applied).extracting(r -> r.getLong(1)).containsOnly(1L);
  }

  @Test
  void aFailingProjectionStopsAtTheEventReportsItAndGoesOnOnlyWhenAnAdminRetriesOrSkipsIt() {
    awaitCaughtUp("failing");
    List<Long> p = appendItems(new JsonObject().put("label", "good-1"), new JsonObject().put("label", "bad-2").put("poison", true),
        new JsonObject().put("label", "good-3"));
    await(() -> projection("failing").getString("status").equals("failed"), "the projection fails");
    JsonObject failed = projection("failing");
    assertThat(failed.getString("error")).contains("poisoned item bad-2");
    assertThat(failed.getJsonObject("failed_event").getLong("position")).isEqualTo(p.get(1));
    assertThat(failed.getJsonObject("failed_event").getString("type")).isEqualTo(TestProjections.ITEM);
    // Stopped at the event: the one before it is applied (and checkpointed), neither it nor the next.
    assertThat(failed.getLong("position")).isEqualTo(p.get(0));
    assertThat(failed.getLong("lag_events")).isGreaterThanOrEqualTo(2);
    assertThat(labels()).contains("good-1").doesNotContain("bad-2", "good-3");
    await(() -> gauge("switchboard_cqrs_projection_failed", "failing") == 1, "the failed gauge");
    // Other projections go on.
    awaitCaughtUp("audit");

    // Retried without a fix, it fails again on the same event.
    HttpResponse<String> retried = Http.post(hub.uri("/api/v1/projections/failing/retry"), "");
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    await(() -> projection("failing").getString("status").equals("failed")
        && projection("failing").getJsonObject("failed_event").getLong("position").equals(p.get(1)), "it fails again");
    assertProblem(Http.post(hub.uri("/api/v1/projections/failing/skip?position=" + p.get(2)), ""), 409, "other-failed-event");
    HttpResponse<String> skipped = Http.post(hub.uri("/api/v1/projections/failing/skip"),
        new JsonObject().put("position", p.get(1)).encode(), "Content-Type", JSON);
    assertThat(skipped.statusCode()).as(skipped.body()).isEqualTo(200);
    assertThat(Http.json(skipped).getJsonObject("skipped").getLong("position")).isEqualTo(p.get(1));
    awaitCaughtUp("failing");
    assertThat(labels()).contains("good-1", "good-3").doesNotContain("bad-2");
    assertThat(rows("SELECT position FROM projection_skipped_events WHERE name = 'failing'", Tuple.tuple()))
        .extracting(r -> r.getLong(0)).contains(p.get(1));

    // Fixed (cured), a retry applies the event that failed.
    List<Long> q = appendItems(new JsonObject().put("label", "bad-4").put("poison", true));
    await(() -> projection("failing").getString("status").equals("failed"), "the projection fails again");
    hub.vertx.eventBus().publish(TestProjections.CURE, true);
    assertThat(Http.post(hub.uri("/api/v1/projections/failing/retry"), "").statusCode()).isEqualTo(200);
    awaitCaughtUp("failing");
    assertThat(labels()).contains("bad-4");
    assertThat(checkpoint("failing")).isGreaterThanOrEqualTo(q.get(0));

    assertProblem(Http.post(hub.uri("/api/v1/projections/failing/retry"), ""), 409, "projection-not-failed");
    assertProblem(Http.post(hub.uri("/api/v1/projections/nothing-like-it/rebuild"), ""), 404, "unknown-projection");
  }

  @Test
  void aSkipNeedsThePositionStaysSkippedThroughARebuildAndCanBeRepeated() {
    awaitCaughtUp("failing");
    List<Long> p = appendItems(new JsonObject().put("label", "kept-1"), new JsonObject().put("label", "toxic-2").put("toxic", true),
        new JsonObject().put("label", "kept-3"));
    await(() -> projection("failing").getString("status").equals("failed"), "the projection fails");
    // Without a position (or with one that is not a number) a skip is refused, naming position.
    HttpResponse<String> bare = Http.post(hub.uri("/api/v1/projections/failing/skip"), "");
    assertProblem(bare, 422, "position-required");
    assertThat(Http.json(bare).getString("detail")).contains("position");
    assertProblem(post("/api/v1/projections/failing/skip", new JsonObject().put("position", "two").encode()), 422, "invalid-position");
    assertThat(projection("failing").getString("status")).isEqualTo("failed");
    assertThat(Http.post(hub.uri("/api/v1/projections/failing/skip?position=" + p.get(1)), "").statusCode()).isEqualTo(200);
    awaitCaughtUp("failing");

    // A rebuild passes over the recorded skip: it does not stop at it, and what follows is there.
    // (Poisoned items of the other test, applied once cured, are cured in every instance.)
    hub.vertx.eventBus().publish(TestProjections.CURE, true);
    HttpResponse<String> rebuild = Http.post(hub.uri("/api/v1/projections/failing/rebuild"), "");
    assertThat(rebuild.statusCode()).as(rebuild.body()).isEqualTo(202);
    await(() -> {
      JsonObject status = projection("failing");
      assertThat(status.getString("status")).as(status.encode()).isNotEqualTo("failed");
      return status.getString("status").equals("running") && status.getLong("lag_events") == 0;
    }, "the rebuild reaches the head without failing");
    assertThat(labels()).contains("kept-1", "kept-3").doesNotContain("toxic-2");

    // A skip already recorded (the state an older hub left) is skipped again without a 500.
    List<Long> q = appendItems(new JsonObject().put("label", "toxic-4").put("toxic", true));
    await(() -> projection("failing").getString("status").equals("failed"), "the projection fails at toxic-4");
    TestHub.await(db.pool().preparedQuery(db.sql("INSERT INTO projection_skipped_events (name, position, skipped_at) "
        + "VALUES ('failing', $1, 'earlier')")).execute(Tuple.of(q.get(0))));
    HttpResponse<String> again = Http.post(hub.uri("/api/v1/projections/failing/skip?position=" + q.get(0)), "");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    awaitCaughtUp("failing");
  }

  private List<String> labels() {
    return rows("SELECT label FROM cqrs_test_items", Tuple.tuple()).stream().map(r -> r.getString(0)).toList();
  }

  @Test
  void lagIsReportedInEventsAndMillisecondsWhileAProjectionIsBehind() {
    awaitCaughtUp("gated");
    hub.vertx.eventBus().publish(TestProjections.GATE, false);
    try {
      appendItems(new JsonObject().put("label", "lag-1"), new JsonObject().put("label", "lag-2"),
          new JsonObject().put("label", "lag-3"));
      await(() -> projection("gated").getLong("lag_events") >= 3, "the lag shows");
      JsonObject behind = projection("gated");
      assertThat(behind.getString("status")).isEqualTo("running");
      await(() -> projection("gated").getLong("lag_ms") > behind.getLong("lag_ms") + 100, "the lag grows in ms");
      await(() -> gauge("switchboard_cqrs_projection_lag_events", "gated") >= 3, "the lag gauge");
      await(() -> gauge("switchboard_cqrs_projection_lag_ms", "gated") > 0, "the lag gauge in ms");
      awaitCaughtUp(OrderProjection.NAME);
    } finally {
      hub.vertx.eventBus().publish(TestProjections.GATE, true);
    }
    awaitCaughtUp("gated");
    assertThat(projection("gated").getLong("lag_ms")).isZero();
  }

  // ------------------------------------------------------------------ the store's lifecycle (issue 18)

  @Test
  void deletingAnOrdersStreamRemovesTheOrderAndTheProjectionGoesOnPastTheHole() {
    String gone = createOrder("c-deleted").getString("order_id");
    String kept = createOrder("c-deleted").getString("order_id");
    awaitCaughtUp(OrderProjection.NAME);
    assertThat(Http.get(hub.uri("/api/v1/orders/" + gone)).statusCode()).isEqualTo(200);

    HttpResponse<String> deleted = Http.method("DELETE", hub.uri("/api/v1/streams/order-" + gone + "?hard=true"), null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    await(() -> Http.get(hub.uri("/api/v1/orders/" + gone)).statusCode() == 404, "the deleted order leaves the read model");
    assertThat(Http.get(hub.uri("/api/v1/orders/" + kept)).statusCode()).isEqualTo(200);

    // The scavenger removes the stream's events: a hole in $all; the projection reads on past it.
    TestHub.await(hub.vertx.eventBus().request(io.switchboard.core.Addresses.EVENTSTORE_SCAVENGE, new JsonObject()));
    String next = createOrder("c-deleted").getString("order_id");
    await(() -> Http.get(hub.uri("/api/v1/orders/" + next)).statusCode() == 200, "an order after the hole is projected");
    awaitCaughtUp(OrderProjection.NAME);
  }
}
