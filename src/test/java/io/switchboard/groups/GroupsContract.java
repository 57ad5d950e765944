package io.switchboard.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TcpBridgeClient;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Consumer groups over real HTTP (pull consumers written with the JDK's client), once per
 * database ({@link GroupsPostgresIT}, {@link GroupsH2IT}). Each test uses groups and streams of
 * its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GroupsContract {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String JSON = "application/json";

  TestDatabase database;
  TestHub hub;
  int tcpPort;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void start() {
    database = TestDatabase.create(kind());
    tcpPort = TestHub.freePort();
    hub = TestHub.start(database.conf.copy()
            .put("tcp_bridge", new JsonObject().put("port", tcpPort))
            .put("eventstore", new JsonObject().put("poll_ms", 200))
            .put("groups", new JsonObject().put("lock_retry_ms", 200).put("consumer_timeout_ms", 1500).put("poll_ms", 200)),
        "gateway", "topic-router", "event-store", "groups", "tcp-bridge");
  }

  @AfterAll
  void stop() {
    try {
      if (hub != null) {
        hub.close();
      }
    } finally {
      database.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  HttpResponse<String> call(String method, String path, Object body) {
    return Http.method(method, hub.uri(path), body == null ? null : body instanceof String s ? s : ((JsonObject) body).encode(),
        "Content-Type", JSON);
  }

  JsonObject ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return Http.json(response);
  }

  void createGroup(String group, JsonObject spec) {
    HttpResponse<String> created = call("PUT", "/api/v1/subscriptions/" + group, spec);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    await(() -> "running".equals(ok(call("GET", "/api/v1/subscriptions/" + group, null)).getString("status")), "a coordinator");
  }

  List<Long> append(String stream, String type, int count) {
    List<Long> positions = new ArrayList<>();
    for (int i = 0; i < count; i += 100) {
      JsonArray events = new JsonArray();
      for (int k = i; k < Math.min(count, i + 100); k++) {
        events.add(new JsonObject().put("type", type).put("data", new JsonObject().put("n", k)));
      }
      JsonObject appended = ok(call("POST", "/api/v1/streams/" + stream + "/events", events.encode()));
      long last = appended.getLong("position");
      for (long p = last - events.size() + 1; p <= last; p++) {
        positions.add(p);
      }
    }
    return positions;
  }

  JsonArray fetch(String group, String consumer, int max, int waitMs) {
    return ok(call("POST", "/api/v1/subscriptions/" + group + "/fetch?consumer=" + consumer + "&max=" + max + "&wait_ms=" + waitMs,
        null)).getJsonArray("deliveries");
  }

  HttpResponse<String> ack(String group, String consumer, List<String> ids) {
    return call("POST", "/api/v1/subscriptions/" + group + "/ack",
        new JsonObject().put("consumer", consumer).put("ids", new JsonArray(new ArrayList<>(ids))));
  }

  HttpResponse<String> nack(String group, String consumer, List<String> ids, String action, String reason) {
    return call("POST", "/api/v1/subscriptions/" + group + "/nack", new JsonObject().put("consumer", consumer)
        .put("ids", new JsonArray(new ArrayList<>(ids))).put("action", action).put("reason", reason));
  }

  static List<String> ids(JsonArray deliveries) {
    List<String> ids = new ArrayList<>();
    deliveries.forEach(d -> ids.add(((JsonObject) d).getString("delivery_id")));
    return ids;
  }

  JsonObject status(String group) {
    return ok(call("GET", "/api/v1/subscriptions/" + group, null));
  }

  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(Http.json(response).getString("type")).isEqualTo("urn:switchboard:problem:" + code);
  }

  // ------------------------------------------------------------------ tests

  @Test
  void threeConsumersSeeEachEventOnceWhileAllAckAndTheCheckpointReachesTheEnd() throws Exception {
    createGroup("three", new JsonObject().put("category", "three").put("start", "beginning").put("max_in_flight", 20));
    List<Long> positions = append("three-a", "three.happened", 150);
    positions.addAll(append("three-b", "three.happened", 150));
    append("other-x", "three.happened", 10); // another category: not the group's
    Map<Long, String> seenBy = new ConcurrentHashMap<>();
    List<Long> duplicates = new CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        String consumer = "worker-" + w;
        workers.add(pool.submit(() -> {
          while (seenBy.size() < positions.size()) {
            JsonArray deliveries = fetch("three", consumer, 10, 500);
            for (Object d : deliveries) {
              long position = ((JsonObject) d).getJsonObject("event").getLong("position");
              if (seenBy.putIfAbsent(position, consumer) != null) {
                duplicates.add(position);
              }
            }
            if (!deliveries.isEmpty()) {
              assertThat(ack("three", consumer, ids(deliveries)).statusCode()).isEqualTo(200);
            }
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(duplicates).isEmpty();
    assertThat(seenBy.keySet()).containsExactlyInAnyOrderElementsOf(positions);
    assertThat(new java.util.HashSet<>(seenBy.values())).hasSize(3);
    await(() -> status("three").getLong("checkpoint") >= positions.get(positions.size() - 1), "the checkpoint passes the last event");
    JsonObject status = status("three");
    assertThat(status.getInteger("in_flight")).isZero();
    assertThat(status.getJsonArray("consumers")).hasSize(3);
    assertThat(status.getLong("lag_events")).isLessThanOrEqualTo(10); // at most the other category's events, not yet read past
    String metrics = Http.get(hub.uri("/metrics")).body();
    assertThat(metrics).contains("switchboard_groups_acked_total{group=\"three\"} 300.0")
        .contains("switchboard_groups_in_flight{group=\"three\"} 0.0").contains("switchboard_groups_lag_events{group=\"three\"}");
  }

  @Test
  void aConsumerThatGoesSilentMidBatchHasItsEventsRedeliveredToAnotherWithTheSameIdsAndTheNextAttempt() {
    createGroup("silent", new JsonObject().put("stream", "silent-1").put("start", "beginning").put("ack_timeout_ms", 60_000));
    append("silent-1", "silent.x", 10);
    JsonArray taken = fetch("silent", "doomed", 6, 2000);
    assertThat(taken).hasSize(6);
    assertThat(taken.getJsonObject(0).getInteger("attempt")).isEqualTo(1);
    List<String> doomedIds = ids(taken);
    // "doomed" never acks and never comes back: after groups.consumer_timeout_ms its events go to the survivor.
    Map<String, Integer> attempts = new HashMap<>();
    await(() -> {
      JsonArray got = fetch("silent", "survivor", 100, 500);
      got.forEach(d -> attempts.put(((JsonObject) d).getString("delivery_id"), ((JsonObject) d).getInteger("attempt")));
      if (!got.isEmpty()) {
        assertThat(ack("silent", "survivor", ids(got)).statusCode()).isEqualTo(200);
      }
      return attempts.size() == 10;
    }, "all ten events at the survivor");
    doomedIds.forEach(id -> assertThat(attempts.get(id)).as("attempt of %s", id).isEqualTo(2));
    assertThat(attempts.values().stream().filter(a -> a == 1).count()).isEqualTo(4);
    // The doomed consumer's late ack is refused: it no longer holds them.
    assertProblem(ack("silent", "doomed", doomedIds.subList(0, 1)), 404, "unknown-delivery");
  }

  @Test
  void aNackParkParksTheEventWhichReplayHandsBackAndAnAckClears() {
    createGroup("park", new JsonObject().put("stream", "park-1").put("start", "beginning").put("max_retries", 1)
        .put("retry_backoff_ms", 0));
    append("park-1", "park.x", 3);
    JsonArray first = fetch("park", "c", 3, 2000);
    assertThat(first).hasSize(3);
    String parkedId = first.getJsonObject(0).getString("delivery_id");
    String retriedId = first.getJsonObject(1).getString("delivery_id");
    assertThat(nack("park", "c", List.of(parkedId), "park", "cannot handle it").statusCode()).isEqualTo(200);
    assertThat(ack("park", "c", List.of(first.getJsonObject(2).getString("delivery_id"))).statusCode()).isEqualTo(200);
    // Retried once (max_retries 1), failed again: parked too, and nothing blocks the group.
    assertThat(nack("park", "c", List.of(retriedId), "retry", "flaky").statusCode()).isEqualTo(200);
    JsonArray again = fetch("park", "c", 3, 2000);
    assertThat(ids(again)).containsExactly(retriedId);
    assertThat(again.getJsonObject(0).getInteger("attempt")).isEqualTo(2);
    assertThat(nack("park", "c", List.of(retriedId), "retry", "flaky again").statusCode()).isEqualTo(200);
    await(() -> status("park").getLong("parked") == 2 && status("park").getLong("lag_events") == 0, "two parked, none pending");

    JsonObject parked = ok(call("GET", "/api/v1/subscriptions/park/parked", null));
    assertThat(parked.getLong("total")).isEqualTo(2);
    JsonObject one = parked.getJsonArray("parked").getJsonObject(0);
    assertThat(one.getString("id")).isEqualTo(parkedId);
    assertThat(one.getString("reason")).isEqualTo("cannot handle it");
    assertThat(one.getInteger("attempts")).isEqualTo(1);
    JsonObject two = parked.getJsonArray("parked").getJsonObject(1);
    assertThat(two.getString("reason")).contains("retries exhausted").contains("flaky again");
    assertThat(two.getInteger("attempts")).isEqualTo(2);

    // Replay one by id: delivered again with the same id, acked, gone from the parked list.
    assertThat(ok(call("POST", "/api/v1/subscriptions/park/parked/replay", new JsonObject().put("ids", new JsonArray().add(parkedId))))
        .getInteger("replayed")).isEqualTo(1);
    JsonArray replayed = fetch("park", "c", 10, 2000);
    assertThat(ids(replayed)).containsExactly(parkedId);
    assertThat(ack("park", "c", List.of(parkedId)).statusCode()).isEqualTo(200);
    JsonObject left = ok(call("GET", "/api/v1/subscriptions/park/parked", null));
    assertThat(left.getLong("total")).isEqualTo(1);
    assertThat(left.getJsonArray("parked").getJsonObject(0).getString("id")).isEqualTo(retriedId);
    // Drop the rest.
    assertThat(ok(call("POST", "/api/v1/subscriptions/park/parked/drop", new JsonObject())).getInteger("dropped")).isEqualTo(1);
    assertThat(ok(call("GET", "/api/v1/subscriptions/park/parked", null)).getLong("total")).isZero();
    assertThat(status("park").getLong("parked")).isZero();
  }

  @Test
  void byStreamKeepsEachStreamsOrderAndOneEventOfAStreamInFlightAcrossConsumersComingAndGoing() {
    createGroup("ordered", new JsonObject().put("category", "ordered").put("start", "beginning").put("strategy", "by_stream"));
    for (String s : List.of("ordered-a", "ordered-b", "ordered-c")) {
      append(s, "ordered.x", 15);
    }
    Map<String, List<Long>> acked = new HashMap<>();
    AtomicInteger round = new AtomicInteger();
    await(() -> {
      int r = round.incrementAndGet();
      // Consumers come and go: a new pair of names every few rounds; one of each pair leaves without acking.
      String stays = "stay-" + (r / 3);
      String flaky = "flaky-" + (r / 3);
      JsonArray mine = fetch("ordered", stays, 10, 300);
      JsonArray theirs = fetch("ordered", flaky, 10, 0);
      Map<String, Integer> inFlightPerStream = new HashMap<>();
      for (JsonArray batch : List.of(mine, theirs)) {
        batch.forEach(d -> inFlightPerStream.merge(((JsonObject) d).getJsonObject("event").getString("stream"), 1, Integer::sum));
      }
      assertThat(inFlightPerStream.values()).allMatch(n -> n == 1);
      for (Object d : mine) {
        JsonObject event = ((JsonObject) d).getJsonObject("event");
        acked.computeIfAbsent(event.getString("stream"), k -> new ArrayList<>()).add(event.getLong("version"));
      }
      if (!mine.isEmpty()) {
        assertThat(ack("ordered", stays, ids(mine)).statusCode()).isEqualTo(200);
      }
      if (!theirs.isEmpty()) {
        // the flaky one leaves (its WebSocket closes, say): its events go back at once
        assertThat(nack("ordered", flaky, ids(theirs), "retry", "leaving").statusCode()).isEqualTo(200);
      }
      return acked.values().stream().mapToInt(List::size).sum() == 45;
    }, "45 events acked");
    for (List<Long> versions : acked.values()) {
      assertThat(versions).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L);
    }
  }

  @Test
  void badInputGetsPreciseProblems() {
    assertProblem(call("POST", "/api/v1/subscriptions/nope/fetch", null), 404, "unknown-group");
    assertProblem(call("GET", "/api/v1/subscriptions/nope", null), 404, "unknown-group");
    assertProblem(call("PUT", "/api/v1/subscriptions/bad", new JsonObject().put("strategy", "random")), 422, "invalid-subscription");
    assertProblem(call("PUT", "/api/v1/subscriptions/bad", new JsonObject().put("max_in_flight", 0)), 422, "invalid-subscription");
    assertProblem(call("PUT", "/api/v1/subscriptions/b%20d", new JsonObject()), 400, "invalid-group-name");
    createGroup("errors", new JsonObject().put("stream", "errors-1").put("start", "beginning"));
    assertProblem(call("POST", "/api/v1/subscriptions/errors/fetch?max=100000", null), 400, "limit-exceeded");
    append("errors-1", "errors.x", 2);
    JsonArray mine = fetch("errors", "one", 1, 2000);
    assertThat(mine).hasSize(1);
    assertProblem(ack("errors", "two", ids(mine)), 409, "foreign-delivery");
    assertProblem(ack("errors", "one", List.of("999999")), 404, "unknown-delivery");
    assertProblem(nack("errors", "one", ids(mine), "explode", null), 400, "invalid-nack-action");
    HttpResponse<String> partly = ack("errors", "one", List.of(ids(mine).get(0), "424242"));
    assertProblem(partly, 404, "unknown-delivery");
    assertThat(Http.json(partly).getJsonArray("acked")).containsExactly(ids(mine).get(0));
    assertThat(ok(call("DELETE", "/api/v1/subscriptions/errors", null).statusCode() == 204
        ? Http.get(hub.uri("/api/v1/subscriptions")) : null).getJsonArray("subscriptions").stream()
        .map(s -> ((JsonObject) s).getString("group"))).doesNotContain("errors");
  }

  @Test
  void aTypeFilterSkipsWhatItDoesNotMatchWithoutHoldingTheCheckpoint() {
    createGroup("typed", new JsonObject().put("category", "typed").put("types", new JsonArray().add("typed.wanted"))
        .put("start", "beginning"));
    append("typed-1", "typed.wanted", 2);
    List<Long> unwanted = append("typed-1", "typed.unwanted", 5);
    JsonArray got = fetch("typed", "c", 10, 2000);
    assertThat(got).hasSize(2);
    assertThat(ack("typed", "c", ids(got)).statusCode()).isEqualTo(200);
    await(() -> status("typed").getLong("checkpoint") >= unwanted.get(unwanted.size() - 1), "the checkpoint passes unwanted events");
  }

  @Test
  void aWebSocketConsumerThatDropsMidBatchHasItsDeliveriesRedeliveredToTheOthersWithTheSameIdsAndTheNextAttempt() {
    createGroup("sockets", new JsonObject().put("stream", "sockets-1").put("start", "beginning").put("max_in_flight", 5)
        .put("ack_timeout_ms", 60_000));
    append("sockets-1", "sockets.x", 20);
    Duration frame = Duration.ofSeconds(10);
    Map<String, Integer> attempts = new HashMap<>();
    List<String> doomedIds;
    try (WsClient doomed = WsClient.connect(URI.create("ws://127.0.0.1:" + hub.port + "/ws/doomed"))) {
      doomed.send(new JsonObject().put("type", "consume").put("group", "sockets").put("ref", 1));
      assertThat(doomed.next("consuming", frame).getInteger("ref")).isEqualTo(1);
      JsonArray held = doomed.next("deliveries", frame).getJsonArray("deliveries");
      assertThat(held).hasSize(5); // max_in_flight
      doomedIds = ids(held);
      doomed.abort(); // killed mid-batch: nothing acked
    }
    try (WsClient a = WsClient.connect(URI.create("ws://127.0.0.1:" + hub.port + "/ws/a"));
         WsClient b = WsClient.connect(URI.create("ws://127.0.0.1:" + hub.port + "/ws/b"))) {
      for (WsClient c : List.of(a, b)) {
        c.send(new JsonObject().put("type", "consume").put("group", "sockets"));
        c.next("consuming", frame);
      }
      await(() -> {
        for (WsClient c : List.of(a, b)) {
          JsonObject got;
          try {
            got = c.next("deliveries", Duration.ofMillis(200));
          } catch (AssertionError none) {
            continue;
          }
          JsonArray deliveries = got.getJsonArray("deliveries");
          for (Object d : deliveries) {
            JsonObject delivery = (JsonObject) d;
            assertThat(attempts.put(delivery.getString("delivery_id"), delivery.getInteger("attempt"))).as("delivered twice").isNull();
          }
          c.send(new JsonObject().put("type", "ack").put("ids", new JsonArray(ids(deliveries))));
        }
        return attempts.size() == 20;
      }, "20 events delivered to the two live sockets");
      doomedIds.forEach(id -> assertThat(attempts.get(id)).isEqualTo(2));
      // An ack of what this socket does not hold is an error frame, the socket stays open.
      a.send(new JsonObject().put("type", "ack").put("ids", new JsonArray().add("123456789")).put("ref", "x"));
      JsonObject error = a.next("error", frame);
      assertThat(error.getString("code")).isEqualTo("unknown-delivery");
      assertThat(error.getJsonArray("unknown")).containsExactly("123456789");
    }
    await(() -> status("sockets").getJsonArray("consumers").isEmpty() && status("sockets").getInteger("in_flight") == 0,
        "closed sockets leave the group");
  }

  @Test
  void tcpBridgeClientsConsumeThroughAnAddressOfTheirOwnAndAckWithRequests() throws Exception {
    createGroup("bridged", new JsonObject().put("stream", "bridged-1").put("start", "beginning").put("max_in_flight", 4)
        .put("ack_timeout_ms", 60_000));
    append("bridged-1", "bridged.x", 8);
    String inbox = "switchboard.groups.deliveries." + java.util.UUID.randomUUID();
    List<String> doomedIds;
    try (TcpBridgeClient doomed = new TcpBridgeClient(tcpPort)) {
      doomed.write(TcpBridgeClient.frame("register", inbox, null));
      doomed.write(TcpBridgeClient.frame("send", "switchboard.groups.consume", null).put("replyAddress", "r-1")
          .put("body", new JsonObject().put("group", "bridged").put("address", inbox)));
      JsonObject deliveries = null;
      for (int i = 0; i < 3 && deliveries == null; i++) {
        JsonObject frame = doomed.read();
        if (inbox.equals(frame.getString("address"))) {
          deliveries = frame.getJsonObject("body");
        }
      }
      assertThat(deliveries).isNotNull();
      assertThat(deliveries.getJsonArray("deliveries")).hasSize(4);
      doomedIds = ids(deliveries.getJsonArray("deliveries"));
    } // the socket closes without an ack: its four go to the next consumer at once
    Map<String, Integer> attempts = new HashMap<>();
    try (TcpBridgeClient client = new TcpBridgeClient(tcpPort)) {
      String mine = "switchboard.groups.deliveries." + java.util.UUID.randomUUID();
      client.write(TcpBridgeClient.frame("register", mine, null));
      client.write(TcpBridgeClient.frame("send", "switchboard.groups.consume", null).put("replyAddress", "c-1")
          .put("body", new JsonObject().put("group", "bridged").put("address", mine)));
      int acks = 0;
      while (attempts.size() < 8) {
        JsonObject frame = client.read();
        if (mine.equals(frame.getString("address"))) {
          JsonArray got = frame.getJsonObject("body").getJsonArray("deliveries");
          got.forEach(d -> attempts.put(((JsonObject) d).getString("delivery_id"), ((JsonObject) d).getInteger("attempt")));
          client.write(TcpBridgeClient.frame("send", "switchboard.groups.ack", null).put("replyAddress", "a-" + ++acks)
              .put("body", new JsonObject().put("group", "bridged").put("ids", new JsonArray(ids(got)))));
        } else if ("a-1".equals(frame.getString("address"))) {
          assertThat(frame.getJsonObject("body").getInteger("acked")).isEqualTo(4);
        }
      }
      doomedIds.forEach(id -> assertThat(attempts.get(id)).isEqualTo(2));
      // an unknown group is the request's failure, not a silent nothing
      client.write(TcpBridgeClient.frame("send", "switchboard.groups.consume", null).put("replyAddress", "bad")
          .put("body", new JsonObject().put("group", "no-such-group").put("address", mine)));
      JsonObject refused;
      do {
        refused = client.read();
      } while (!"bad".equals(refused.getString("address")));
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(404);
    }
  }

  @Test
  void sockJsBridgeClientsConsumeWithTheOfficialClient() {
    createGroup("sockjs", new JsonObject().put("stream", "sockjs-1").put("start", "beginning").put("max_in_flight", 3)
        .put("ack_timeout_ms", 60_000));
    append("sockjs-1", "sockjs.x", 9);
    String output = NodeClients.run(Duration.ofSeconds(60), "groups-sockjs.mjs", "http://127.0.0.1:" + hub.port, "sockjs", "9");
    assertThat(output).contains("OK groups-sockjs 9 3");
  }
}
