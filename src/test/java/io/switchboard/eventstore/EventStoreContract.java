package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Addresses;
import io.switchboard.core.db.Database;
import io.switchboard.testing.Http;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The event store's contract over real HTTP (and the event bus), run once per database by its
 * subclasses: {@link EventStorePostgresIT} and {@link EventStoreH2IT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EventStoreContract {

  static final Duration WAIT = Duration.ofSeconds(15);
  static final String JSON = "application/json";

  TestDatabase database;
  TestHub hub;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void start() {
    database = TestDatabase.create(kind());
    JsonObject overrides = database.conf.copy()
        .put("http", new JsonObject().put("body_limit", 4 * 1024 * 1024))
        .put("sse", new JsonObject().put("heartbeat_ms", 500))
        .put("eventstore", new JsonObject().put("max_append_events", 20_000).put("poll_ms", 200)
            .put("upcasters", new JsonArray().add(new JsonObject().put("type", "shop.order-placed").put("from", 1)
                .put("rename", new JsonObject().put("customer", "customer_id"))
                .put("defaults", new JsonObject().put("currency", "EUR")))));
    hub = TestHub.start(overrides, "gateway", "topic-router", "event-store");
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

  static String stream(String category) {
    return category + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  HttpResponse<String> append(String stream, String body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = JSON;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return Http.post(hub.uri("/api/v1/streams/" + stream + "/events"), body, all);
  }

  JsonObject appendOk(String stream, String body, String... headers) {
    HttpResponse<String> response = append(stream, body, headers);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Http.json(response);
  }

  static String event(String type, Object data) {
    return new JsonObject().put("type", type).put("data", data).encode();
  }

  JsonArray read(String pathAndQuery) {
    HttpResponse<String> response = Http.get(hub.uri("/api/v1/streams/" + pathAndQuery));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response).getJsonArray("events");
  }

  long head() {
    JsonArray last = read("$all?direction=backward&limit=1");
    return last.isEmpty() ? 0 : last.getJsonObject(0).getLong("position");
  }

  static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = Http.json(response);
    assertThat(problem.getString("type")).isEqualTo("urn:switchboard:problem:" + code);
    assertThat(problem.getString("detail")).isNotBlank();
  }

  // ------------------------------------------------------------------ append and read

  @Test
  void appendsAreReadBackForwardBackwardAndByPosition() {
    String s = stream("order");
    JsonObject first = appendOk(s, "[" + event("order.created", new JsonObject().put("n", 0)) + ","
        + event("order.paid", new JsonArray().add(1)) + "]", "X-Correlation-Id", "corr-1");
    assertThat(first.getString("stream")).isEqualTo(s);
    assertThat(first.getLong("first_version")).isZero();
    assertThat(first.getLong("last_version")).isEqualTo(1);
    JsonObject second = appendOk(s, event("order.shipped", "parcel"));
    assertThat(second.getLong("first_version")).isEqualTo(2);
    assertThat(second.getLong("position")).isGreaterThan(first.getLong("position"));

    JsonArray all = read(s);
    assertThat(all).hasSize(3);
    JsonObject e0 = all.getJsonObject(0);
    assertThat(e0.fieldNames()).contains("stream", "version", "position", "type", "data", "metadata", "id", "time");
    assertThat(e0.getString("stream")).isEqualTo(s);
    assertThat(e0.getLong("version")).isZero();
    assertThat(e0.getJsonObject("data")).isEqualTo(new JsonObject().put("n", 0));
    assertThat(e0.getJsonObject("metadata").getString("correlationid")).isEqualTo("corr-1");
    assertThat(all.getJsonObject(1).getJsonArray("data")).isEqualTo(new JsonArray().add(1));
    assertThat(all.getJsonObject(2).getString("data")).isEqualTo("parcel");
    assertThat(all.getJsonObject(1).getLong("position")).isEqualTo(e0.getLong("position") + 1);

    assertThat(read(s + "?from=1&limit=1")).extracting(o -> ((JsonObject) o).getLong("version")).containsExactly(1L);
    assertThat(read(s + "?direction=backward&limit=2")).extracting(o -> ((JsonObject) o).getLong("version"))
        .containsExactly(2L, 1L);
    assertThat(read(s + "?direction=backward&from=1")).extracting(o -> ((JsonObject) o).getLong("version"))
        .containsExactly(1L, 0L);

    long p0 = e0.getLong("position");
    JsonArray fromAll = read("$all?from_position=" + p0 + "&limit=3");
    assertThat(fromAll.getJsonObject(0).getString("id")).isEqualTo(e0.getString("id"));
    assertThat(fromAll).extracting(o -> ((JsonObject) o).getLong("position")).containsExactly(p0, p0 + 1, p0 + 2);

    String other = stream("invoice");
    appendOk(other, event("invoice.sent", 1));
    JsonArray orders = read("$all?category=order&from_position=" + p0);
    assertThat(orders).extracting(o -> ((JsonObject) o).getString("stream")).containsOnly(s);
    assertThat(read("$all?category=invoice&from_position=" + p0)).extracting(o -> ((JsonObject) o).getString("stream"))
        .containsExactly(other);

    assertProblem(Http.get(hub.uri("/api/v1/streams/" + stream("nothing"))), 404, "stream-not-found");
    assertThat(Http.get(hub.uri("/metrics")).body()).containsPattern("switchboard_eventstore_appended_total [1-9]");
  }

  @Test
  void everyKindOfJsonValueIsKeptAsDataAndMetadataExactly() {
    // One append's rows go to the database together (on PostgreSQL as JSON arrays): each value
    // must come back as it was sent, JSON null and a missing data as no data.
    String s = stream("order");
    JsonObject metadata = new JsonObject().put("source", "/tests").put("nested", new JsonObject().put("k", new JsonArray().add(1)));
    List<Object> values = new ArrayList<>(List.of(new JsonObject().put("text", "quote \" backslash \\ é 😀 \n")
        .put("null", (Object) null), new JsonArray().add("a").addNull(), "null", "", 0, -1.5, true, false, 12345678901234L));
    JsonArray events = new JsonArray();
    values.forEach(v -> events.add(new JsonObject().put("type", "order.kept").put("data", v).put("metadata", metadata)));
    events.add(new JsonObject().put("type", "order.kept").putNull("data"));
    events.add(new JsonObject().put("type", "order.kept"));
    appendOk(s, events.encode());

    JsonArray all = read(s);
    assertThat(all).hasSize(values.size() + 2);
    for (int i = 0; i < values.size(); i++) {
      assertThat(all.getJsonObject(i).getValue("data")).as("event %d", i).isEqualTo(values.get(i));
      assertThat(all.getJsonObject(i).getJsonObject("metadata").getJsonObject("nested")).isEqualTo(metadata.getJsonObject("nested"));
    }
    assertThat(all.getJsonObject(values.size()).getValue("data")).isNull();
    assertThat(all.getJsonObject(values.size() + 1).getValue("data")).isNull();
  }

  @Test
  void expectedVersionsAreEnforcedWithTheCurrentVersionInTheConflict() {
    String s = stream("acct");
    assertProblem(append(s, event("a", 1), "Expected-Version", "stream_exists"), 409, "wrong-expected-version");
    assertThat(Http.json(append(s, event("a", 1), "Expected-Version", "3")).getLong("current_version")).isEqualTo(-1);
    appendOk(s, event("a", 1), "Expected-Version", "no_stream");
    HttpResponse<String> again = append(s, event("a", 2), "Expected-Version", "no_stream");
    assertProblem(again, 409, "wrong-expected-version");
    assertThat(Http.json(again).getLong("current_version")).isZero();
    appendOk(s, event("a", 2), "Expected-Version", "0");
    appendOk(s, event("a", 3), "Expected-Version", "stream_exists");
    HttpResponse<String> stale = append(s, event("a", 4), "Expected-Version", "1");
    assertProblem(stale, 409, "wrong-expected-version");
    assertThat(Http.json(stale).getLong("current_version")).isEqualTo(2);
    appendOk(s, event("a", 4), "Expected-Version", "any");
    assertProblem(append(s, event("a", 5), "Expected-Version", "soon"), 400, "invalid-expected-version");
    assertThat(read(s)).hasSize(4);
  }

  @Test
  void sixteenRacingWritersGetExactlyOneWinnerPerVersionAndNoGaps() throws Exception {
    String s = stream("race");
    int target = 48;
    Map<Long, String> winners = new ConcurrentHashMap<>();
    AtomicInteger conflicts = new AtomicInteger();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 16; w++) {
        int writer = w;
        writers.add(pool.submit(() -> {
          long expected = -1;
          for (int attempt = 0; winners.size() < target && attempt < 500; attempt++) {
            String tag = writer + "/" + attempt;
            HttpResponse<String> r = append(s, event("race.won", tag), "Expected-Version", Long.toString(expected));
            JsonObject body = Http.json(r);
            if (r.statusCode() == 201) {
              if (winners.putIfAbsent(body.getLong("first_version"), tag) != null) {
                errors.add("version " + body.getLong("first_version") + " won twice");
              }
              expected = body.getLong("last_version");
            } else if (r.statusCode() == 409) {
              conflicts.incrementAndGet();
              expected = body.getLong("current_version");
            } else {
              errors.add(r.statusCode() + " " + r.body());
            }
          }
        }));
      }
      for (Future<?> f : writers) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(conflicts.get()).as("the writers did race").isPositive();
    JsonArray events = new JsonArray();
    for (long from = 0; ; from += 1000) {
      JsonArray page = read(s + "?from=" + from + "&limit=1000");
      events.addAll(page);
      if (page.size() < 1000) {
        break;
      }
    }
    assertThat(events.size()).isEqualTo(winners.size()).isGreaterThanOrEqualTo(target);
    for (int v = 0; v < events.size(); v++) {
      JsonObject e = events.getJsonObject(v);
      assertThat(e.getLong("version")).isEqualTo(v);
      assertThat(e.getString("data")).as("version %d", v).isEqualTo(winners.get((long) v));
    }
  }

  @Test
  void twoStoresWritingTheSameStreamKeepVersionsAndPositionsGapless() {
    // A second store instance with a writer of its own: the event bus hands requests to the two in
    // turn, and each writer plans from what its own commits left, so most appends find that
    // knowledge stale and must take the safe way.
    String second = TestHub.await(hub.vertx.deployVerticle(EventStoreVerticle.class, new DeploymentOptions().setConfig(hub.conf)));
    try {
      String s = stream("two");
      long start = head();
      for (int i = 0; i < 20; i++) {
        String expected = i % 3 == 0 ? "any" : Integer.toString(i - 1);
        assertThat(appendOk(s, event("two.step", i), "Expected-Version", expected).getLong("first_version")).isEqualTo(i);
      }
      HttpResponse<String> stale = append(s, event("two.step", 99), "Expected-Version", "18");
      assertProblem(stale, 409, "wrong-expected-version");
      assertThat(Http.json(stale).getLong("current_version")).isEqualTo(19);
      JsonArray events = read(s);
      JsonArray all = read("$all?from_position=" + (start + 1));
      assertThat(all).hasSize(20);
      for (int i = 0; i < 20; i++) {
        assertThat(events.getJsonObject(i).getLong("version")).isEqualTo(i);
        assertThat(events.getJsonObject(i).getInteger("data")).isEqualTo(i);
        assertThat(all.getJsonObject(i).getLong("position")).isEqualTo(start + 1 + i);
      }
    } finally {
      TestHub.await(hub.vertx.undeploy(second));
    }
  }

  @Test
  void createsOfTheSameStreamRacingOnTwoWritersHaveOneWinnerAndRetriesRepeatIt() {
    // Each writer plans a create of a stream it never saw without reading it; which one commits
    // first, the database decides. The other must answer 409, never write a second version 0.
    Database db = database.open(hub.vertx, hub.conf);
    try {
      OtherWriter left = new OtherWriter(hub.vertx, db);
      OtherWriter right = new OtherWriter(hub.vertx, db);
      left.append(OtherWriter.create(stream("warm"), UUID.randomUUID().toString()));
      right.append(OtherWriter.create(stream("warm"), UUID.randomUUID().toString()));
      long start = head();
      int rounds = 20;
      for (int i = 0; i < rounds; i++) {
        String s = stream("twice");
        String leftId = UUID.randomUUID().toString();
        String rightId = UUID.randomUUID().toString();
        io.vertx.core.Future<Object> l = left.submit(OtherWriter.create(s, leftId));
        io.vertx.core.Future<Object> r = right.submit(OtherWriter.create(s, rightId));
        Object lo = TestHub.await(l);
        Object ro = TestHub.await(r);
        assertThat(List.of(lo, ro)).as("round %d: %s / %s", i, lo, ro).filteredOn(o -> o instanceof Appended).hasSize(1);
        Object lost = lo instanceof Appended ? ro : lo;
        assertThat(lost).isInstanceOf(io.switchboard.core.Problem.class);
        assertThat(((io.switchboard.core.Problem) lost).status()).isEqualTo(409);
        assertThat(((io.switchboard.core.Problem) lost).toJson().getLong("current_version")).isZero();
        String winnerId = lo instanceof Appended ? leftId : rightId;
        JsonArray events = read(s);
        assertThat(events).hasSize(1);
        assertThat(events.getJsonObject(0).getString("id")).isEqualTo(winnerId);
        // The loser's retry of the winner's create (same id) repeats it, on either writer.
        Object retry = (lo instanceof Appended ? right : left).append(OtherWriter.create(s, winnerId));
        assertThat(retry).isInstanceOf(Appended.class);
        assertThat(((Appended) retry).repeated()).isTrue();
      }
      JsonArray all = read("$all?from_position=" + (start + 1) + "&limit=1000");
      assertThat(all).hasSize(rounds);
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.getJsonObject(i).getLong("position")).isEqualTo(start + 1 + i);
      }
    } finally {
      TestHub.await(db.close());
    }
  }

  @Test
  void eventIdsMakeRetriesIdempotent() {
    String s = stream("pay");
    String batch = new JsonArray()
        .add(new JsonObject().put("id", "pay-" + s + "-1").put("type", "paid").put("data", 1))
        .add(new JsonObject().put("id", "pay-" + s + "-2").put("type", "paid").put("data", 2)).encode();
    JsonObject first = appendOk(s, batch, "Expected-Version", "no_stream");
    JsonObject retry = appendOk(s, batch, "Expected-Version", "no_stream");
    assertThat(retry.getLong("position")).isEqualTo(first.getLong("position"));
    assertThat(retry.getLong("first_version")).isZero();
    JsonObject retryAny = appendOk(s, batch);
    assertThat(retryAny.getLong("last_version")).isEqualTo(1);
    assertThat(read(s)).hasSize(2);

    HttpResponse<String> elsewhere = append(stream("pay"), batch);
    assertProblem(elsewhere, 409, "duplicate-event-id");
    assertThat(Http.json(elsewhere).getString("stored_stream")).isEqualTo(s);
    appendOk(s, event("paid", 3));
    // The same ids, but no longer at the place this append names.
    assertProblem(append(s, batch, "Expected-Version", "2"), 409, "duplicate-event-id");
    assertThat(read(s)).hasSize(3);
  }

  @Test
  void aReaderFollowingAllDuringConcurrentAppendsNeverSkipsAnEvent() throws Exception {
    long start = head();
    int writers = 8;
    int perWriter = 40;
    Set<String> written = ConcurrentHashMap.newKeySet();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      Future<List<JsonObject>> reader = pool.submit(() -> {
        List<JsonObject> seen = new ArrayList<>();
        long next = start + 1;
        while (writing.get() || seen.size() < writers * perWriter) {
          boolean allWritten = !writing.get();   // before the read: every append answered has committed
          JsonArray page = read("$all?from_position=" + next + "&limit=50");
          for (int i = 0; i < page.size(); i++) {
            JsonObject e = page.getJsonObject(i);
            if (e.getLong("position") != next) {
              errors.add("expected position " + next + ", read " + e.getLong("position"));
            }
            next = e.getLong("position") + 1;
            seen.add(e);
          }
          if (allWritten && page.isEmpty() && seen.size() < writers * perWriter) {
            errors.add("reader stopped with " + seen.size() + " events");
            break;
          }
        }
        return seen;
      });
      List<Future<?>> appends = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        appends.add(pool.submit(() -> {
          String s = stream("follow");
          for (int i = 0; i < perWriter; i++) {
            JsonObject result = appendOk(s, event("follow.step", i));
            written.add(s + "/" + result.getLong("first_version"));
          }
        }));
      }
      for (Future<?> f : appends) {
        f.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      List<JsonObject> seen = reader.get(60, TimeUnit.SECONDS);
      assertThat(errors).isEmpty();
      Set<String> seenKeys = new HashSet<>();
      seen.forEach(e -> seenKeys.add(e.getString("stream") + "/" + e.getLong("version")));
      assertThat(seenKeys).isEqualTo(written);
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ subscriptions

  @Test
  void streamSubscriptionsCatchUpGoLiveAndResumeExactly() {
    String s = stream("sub");
    appendOk(s, "[" + event("sub.a", 0) + "," + event("sub.b", 1) + "]");
    String url = "/api/v1/streams/" + s + "/subscribe";
    try (SseClient sse = SseClient.open(hub.uri(url))) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.response().headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
      SseClient.Event e0 = sse.next(WAIT);
      assertThat(e0.id()).isEqualTo("0");
      assertThat(e0.event()).isEqualTo("sub.a");
      JsonObject data0 = new JsonObject(e0.data());
      assertThat(data0).isEqualTo(read(s + "?limit=1").getJsonObject(0));
      assertThat(sse.next(WAIT).id()).isEqualTo("1");
      appendOk(s, event("sub.c", 2));
      SseClient.Event live = sse.next(WAIT);
      assertThat(live.id()).isEqualTo("2");
      assertThat(new JsonObject(live.data()).getInteger("data")).isEqualTo(2);
    }
    appendOk(s, "[" + event("sub.d", 3) + "," + event("sub.e", 4) + "]");
    try (SseClient resumed = SseClient.open(hub.uri(url), "Last-Event-ID", "2")) {
      assertThat(resumed.next(WAIT).id()).isEqualTo("3");
      assertThat(resumed.next(WAIT).id()).isEqualTo("4");
      appendOk(s, event("sub.f", 5));
      assertThat(resumed.next(WAIT).id()).isEqualTo("5");
    }
    assertProblem(Http.get(hub.uri(url), "Last-Event-ID", "two"), 400, "invalid-last-event-id");
    assertProblem(Http.get(hub.uri("/api/v1/streams/bad%20name/subscribe")), 400, "invalid-stream");
  }

  @Test
  void allAndCategorySubscriptionsUsePositionsAndResume() {
    long start = head();
    String a = stream("alpha");
    String b = stream("beta");
    appendOk(a, event("alpha.one", 1));
    appendOk(b, event("beta.one", 1));
    try (SseClient all = SseClient.open(hub.uri("/api/v1/streams/$all/subscribe"), "Last-Event-ID", Long.toString(start));
         SseClient alpha = SseClient.open(hub.uri("/api/v1/streams/$all/subscribe?category=alpha&lastEventId=" + start))) {
      SseClient.Event first = all.next(WAIT);
      assertThat(first.id()).isEqualTo(Long.toString(start + 1));
      assertThat(new JsonObject(first.data()).getString("stream")).isEqualTo(a);
      assertThat(all.next(WAIT).id()).isEqualTo(Long.toString(start + 2));
      SseClient.Event onlyAlpha = alpha.next(WAIT);
      assertThat(onlyAlpha.id()).isEqualTo(Long.toString(start + 1));
      appendOk(b, event("beta.two", 2));
      appendOk(a, event("alpha.two", 2));
      assertThat(all.next(WAIT).id()).isEqualTo(Long.toString(start + 3));
      assertThat(all.next(WAIT).id()).isEqualTo(Long.toString(start + 4));
      SseClient.Event liveAlpha = alpha.next(WAIT);
      assertThat(liveAlpha.id()).isEqualTo(Long.toString(start + 4));
      assertThat(liveAlpha.event()).isEqualTo("alpha.two");
    }
    try (SseClient resumed = SseClient.open(hub.uri("/api/v1/streams/$all/subscribe"), "Last-Event-ID", Long.toString(start + 3))) {
      SseClient.Event e = resumed.next(WAIT);
      assertThat(e.id()).isEqualTo(Long.toString(start + 4));
      assertThat(new JsonObject(e.data()).getString("stream")).isEqualTo(a);
    }
  }

  @Test
  void liveSubscriptionsFindEventsThatWereNeverAnnouncedByPolling() {
    String s = stream("quiet");
    appendOk(s, event("quiet.a", 0));
    Database db = database.open(hub.vertx, hub.conf);
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/streams/" + s + "/subscribe"))) {
      assertThat(sse.next(WAIT).id()).isEqualTo("0");
      // Written straight into the database (as another node whose announcement got lost would):
      // no event-bus announcement, so only the store's polling can find it.
      TestHub.await(db.inTransaction(conn -> conn.preparedQuery(db.sql("SELECT last_position FROM store_head WHERE id = 1 FOR UPDATE"))
          .execute().compose(rows -> {
            long position = rows.iterator().next().getLong(0) + 1;
            return conn.preparedQuery(db.sql("INSERT INTO events (position, stream, version, category, id, type, event_time, "
                    + "dataversion, data, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                .execute(Tuple.of(position, s, 1L, "quiet", UUID.randomUUID().toString(), "quiet.b", "2026-11-27T00:00:00Z", 1,
                    db.dialect().json(new JsonObject().put("by", "sql")), db.dialect().json(new JsonObject())))
                .compose(v -> conn.preparedQuery(db.sql("UPDATE store_head SET last_position = $1 WHERE id = 1")).execute(Tuple.of(position)));
          })));
      SseClient.Event polled = sse.next(WAIT);
      assertThat(polled.id()).isEqualTo("1");
      assertThat(new JsonObject(polled.data()).getJsonObject("data").getString("by")).isEqualTo("sql");
    } finally {
      TestHub.await(db.close());
    }
    // The store's writer did not write that event: its next append finds out and still numbers right.
    assertThat(appendOk(s, event("quiet.c", 2)).getLong("first_version")).isEqualTo(2);
  }

  @Test
  void eventBusSubscribersGetBatchesCatchUpThenLive() throws Exception {
    String s = stream("bus");
    appendOk(s, event("bus.a", 0));
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    String address = "test.subscriber." + UUID.randomUUID();
    TestHub.await(hub.vertx.eventBus().<JsonObject>consumer(address, m -> {
      m.body().getJsonArray("events").forEach(e -> received.add((JsonObject) e));
      m.reply(null);
    }).completion());
    JsonObject reply = TestHub.await(hub.vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_SUBSCRIBE,
        new JsonObject().put("stream", s).put("address", address))).body();
    assertThat(reply.getString("subscription")).isNotBlank();
    assertThat(received.poll(15, TimeUnit.SECONDS).getString("type")).isEqualTo("bus.a");
    TestHub.await(hub.vertx.eventBus().request(Addresses.EVENTSTORE_APPEND, new JsonObject().put("stream", s)
        .put("expected_version", 0).put("events", new JsonObject().put("type", "bus.b").put("data", 1))));
    JsonObject live = received.poll(15, TimeUnit.SECONDS);
    assertThat(live.getLong("version")).isEqualTo(1);
    assertThat(live.getString("type")).isEqualTo("bus.b");
  }

  @Test
  void subscribersFilteringByTypeGetOnlyThoseInOrderAndHowFarTheStoreRead() throws Exception {
    long start = head();
    String address = "test.typed." + UUID.randomUUID();
    BlockingQueue<JsonObject> batches = typedSubscription(address, start, new JsonObject()
        .put("types", new JsonArray().add("typed.wanted")).put("type_patterns", new JsonArray().add("typed.also.*")));
    // More unwanted events than one page (256), so whole pages pass with no event but their position.
    String s = stream("typed");
    List<Long> wanted = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      JsonArray events = new JsonArray();
      for (int k = 0; k < 100; k++) {
        events.add(new JsonObject().put("type", "typed.other").put("data", k));
      }
      events.add(new JsonObject().put("type", i % 2 == 0 ? "typed.wanted" : "typed.also.this").put("data", i));
      JsonObject appended = appendOk(s, events.encode());
      wanted.add(appended.getLong("position"));
    }
    // Appends of unwanted types only, while the subscription is idle: passed on their announcement alone.
    for (int i = 0; i < 3; i++) {
      appendOk(s, event("typed.other", i), "Expected-Version", Long.toString(6 * 101 - 1 + i));
    }
    long last = head();
    List<JsonObject> seen = eventsUntil(batches, start, last);
    assertThat(seen).extracting(e -> e.getString("type")).containsOnly("typed.wanted", "typed.also.this");
    assertThat(seen).extracting(e -> e.getLong("position")).isEqualTo(wanted);
    // Types go with $all only.
    io.vertx.core.Future<?> refused = hub.vertx.eventBus().request(Addresses.EVENTSTORE_SUBSCRIBE,
        new JsonObject().put("stream", s).put("address", address).put("types", new JsonArray().add("x")));
    TestHub.await(refused.otherwiseEmpty());
    assertThat(refused.cause()).isInstanceOf(io.vertx.core.eventbus.ReplyException.class);
    assertThat(((io.vertx.core.eventbus.ReplyException) refused.cause()).failureCode()).isEqualTo(400);
  }

  @Test
  void aTypeFilteredSubscriberDuringConcurrentAppendsGetsEveryWantedEventOnceInOrder() throws Exception {
    long start = head();
    BlockingQueue<JsonObject> batches = typedSubscription("test.typed-race." + UUID.randomUUID(), start,
        new JsonObject().put("types", new JsonArray().add("race.wanted")));
    int writers = 8;
    int perWriter = 30;
    Set<Long> wanted = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> appends = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        appends.add(pool.submit(() -> {
          String s = stream("race");
          for (int i = 0; i < perWriter; i++) {
            // Mostly unwanted, so announcements are passed unread as often as pages are read.
            boolean want = (i + writer) % 3 == 0;
            JsonObject result = appendOk(s, event(want ? "race.wanted" : "race.other", i));
            if (want) {
              wanted.add(result.getLong("position"));
            }
          }
        }));
      }
      for (Future<?> f : appends) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long last = head();
    List<JsonObject> events = eventsUntil(batches, start, last);
    assertThat(events).extracting(e -> e.getString("type")).containsOnly("race.wanted");
    List<Long> seen = events.stream().map(e -> e.getLong("position")).toList();
    assertThat(seen).isSorted().doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(wanted);
  }

  /** A consumer of a type-filtered {@code $all} subscription from {@code after}: the batches it gets. */
  private BlockingQueue<JsonObject> typedSubscription(String address, long after, JsonObject filter) {
    BlockingQueue<JsonObject> batches = new LinkedBlockingQueue<>();
    TestHub.await(hub.vertx.eventBus().<JsonObject>consumer(address, m -> {
      batches.add(m.body());
      m.reply(null);
    }).completion());
    TestHub.await(hub.vertx.eventBus().request(Addresses.EVENTSTORE_SUBSCRIBE, new JsonObject().put("stream", "$all")
        .put("after", after).put("address", address).mergeIn(filter)));
    return batches;
  }

  /**
   * The events of the batches until their {@code through} reaches {@code last}; each event must lie
   * beyond how far the store had said it read, and {@code through} never goes back.
   */
  private static List<JsonObject> eventsUntil(BlockingQueue<JsonObject> batches, long start, long last) throws InterruptedException {
    List<JsonObject> seen = new ArrayList<>();
    long through = start;
    while (through < last) {
      JsonObject batch = batches.poll(15, TimeUnit.SECONDS);
      assertThat(batch).as("a batch before the subscription reached position %d (at %d)", last, through).isNotNull();
      for (Object e : batch.getJsonArray("events")) {
        JsonObject event = (JsonObject) e;
        assertThat(event.getLong("position")).as("an event after how far the store had read").isGreaterThan(through);
        seen.add(event);
      }
      if (batch.getLong("through") != null) {
        assertThat(batch.getLong("through")).isGreaterThanOrEqualTo(through);
        through = batch.getLong("through");
      }
    }
    return seen;
  }

  @Test
  void appendedEventsArePublishedOnTheirCategoryTopic() {
    String s = stream("parcel");
    try (SseClient topic = SseClient.open(hub.uri("/api/v1/stream?topics=streams.parcel"))) {
      JsonObject appended = appendOk(s, new JsonObject().put("type", "parcel.sent").put("data", new JsonObject().put("kg", 2))
          .put("correlationid", "c-42").encode());
      SseClient.Event e = topic.next(WAIT);
      assertThat(e.event()).isEqualTo("parcel.sent");
      JsonObject cloudEvent = new JsonObject(e.data());
      assertThat(cloudEvent.getString("specversion")).isEqualTo("1.0");
      assertThat(cloudEvent.getString("subject")).isEqualTo(s);
      assertThat(cloudEvent.getString("correlationid")).isEqualTo("c-42");
      assertThat(cloudEvent.getJsonObject("data")).isEqualTo(new JsonObject().put("kg", 2));
      assertThat(cloudEvent.getLong("position")).isEqualTo(appended.getLong("position"));
    }
  }

  // ------------------------------------------------------------------ snapshots and upcasting

  @Test
  void snapshotsRoundTripAndKeepTheLatest() {
    String s = stream("cart");
    String url = "/api/v1/streams/" + s + "/snapshot";
    assertProblem(Http.get(hub.uri(url)), 404, "snapshot-not-found");
    appendOk(s, "[" + event("cart.add", 1) + "," + event("cart.add", 2) + "," + event("cart.add", 3) + "]");
    JsonObject state = new JsonObject().put("items", new JsonArray().add(1).add(2)).put("total", 3);
    HttpResponse<String> put = Http.method("PUT", hub.uri(url), new JsonObject().put("version", 1).put("state", state).encode(),
        "Content-Type", JSON);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonObject got = Http.json(Http.get(hub.uri(url)));
    assertThat(got.getLong("version")).isEqualTo(1);
    assertThat(got.getJsonObject("state")).isEqualTo(state);
    Http.method("PUT", hub.uri(url), new JsonObject().put("version", 2).put("state", new JsonObject().put("total", 6)).encode());
    assertThat(Http.json(Http.get(hub.uri(url))).getLong("version")).isEqualTo(2);
    assertProblem(Http.method("PUT", hub.uri(url), new JsonObject().put("version", 1).put("state", state).encode()),
        409, "newer-snapshot");
    assertProblem(Http.method("PUT", hub.uri(url), new JsonObject().put("version", 7).put("state", state).encode()),
        422, "unknown-version");
    assertProblem(Http.method("PUT", hub.uri(url), new JsonObject().put("state", state).encode()), 422, "invalid-snapshot");
    assertThat(Http.json(Http.get(hub.uri(url))).getJsonObject("state")).isEqualTo(new JsonObject().put("total", 6));
  }

  @Test
  void theStreamsOfACategoryAreListedNewestFirst() {
    String category = "list" + UUID.randomUUID().toString().substring(0, 6);
    String first = category + "-a";
    String second = category + "-b";
    appendOk(first, "[" + event("x", 1) + "," + event("x", 2) + "]");
    appendOk(second, event("x", 3));
    appendOk(stream("other"), event("x", 4));
    JsonObject listed = Http.json(Http.get(hub.uri("/api/v1/streams?category=" + category)));
    assertThat(listed.getJsonArray("streams").stream().map(o -> ((JsonObject) o).getString("stream") + "@" + ((JsonObject) o).getLong("version")))
        .containsExactly(second + "@0", first + "@1");
    assertThat(Http.json(Http.get(hub.uri("/api/v1/streams?category=" + category + "&limit=1"))).getJsonArray("streams")).hasSize(1);
    assertProblem(Http.get(hub.uri("/api/v1/streams")), 400, "invalid-parameter");
  }

  @Test
  void oldEventVersionsAreUpcastOnRead() {
    String s = stream("shop");
    appendOk(s, "[" + new JsonObject().put("type", "shop.order-placed").put("dataversion", "1")
        .put("data", new JsonObject().put("customer", "c-1")).encode() + ","
        + new JsonObject().put("type", "shop.order-placed").put("dataversion", 2)
        .put("data", new JsonObject().put("customer_id", "c-2").put("currency", "USD")).encode() + "]");
    JsonArray events = read(s);
    JsonObject upcast = events.getJsonObject(0);
    assertThat(upcast.getInteger("dataversion")).isEqualTo(2);
    assertThat(upcast.getJsonObject("data")).isEqualTo(new JsonObject().put("customer_id", "c-1").put("currency", "EUR"));
    assertThat(events.getJsonObject(1).getJsonObject("data"))
        .isEqualTo(new JsonObject().put("customer_id", "c-2").put("currency", "USD"));
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/streams/" + s + "/subscribe"))) {
      assertThat(new JsonObject(sse.next(WAIT).data()).getJsonObject("data").getString("customer_id")).isEqualTo("c-1");
    }
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void badInputGetsAPreciseProblemAndWritesNothing() {
    long before = head();
    String s = stream("bad");
    assertProblem(append("bad%20name", event("x", 1)), 400, "invalid-stream");
    assertProblem(append(s, "{not json"), 400, "malformed-json");
    assertProblem(append(s, "42"), 422, "invalid-event");
    assertProblem(append(s, "[]"), 422, "invalid-event");
    assertProblem(append(s, "[" + event("ok", 1) + ",{\"data\":2}]"), 422, "missing-type");
    assertProblem(append(s, "[" + event("ok", 1) + ",{\"type\":\"x\",\"metadata\":[1]}]"), 422, "invalid-event");
    assertProblem(append(s, "{\"type\":\"x\",\"data_base64\":\"AA==\"}"), 422, "invalid-event");
    assertProblem(append(s, "{\"type\":\"x\",\"Bad Field\":1}"), 422, "invalid-event");
    StringBuilder tooMany = new StringBuilder("[");
    for (int i = 0; i <= 20_000; i++) {
      tooMany.append(i == 0 ? "" : ",").append("{\"type\":\"t\"}");
    }
    assertProblem(append(s, tooMany.append(']').toString()), 413, "too-many-events");
    assertProblem(Http.get(hub.uri("/api/v1/streams/" + s + "?limit=0")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/streams/" + s + "?from=x")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/streams/" + s + "?direction=sideways")), 400, "invalid-parameter");
    assertProblem(Http.get(hub.uri("/api/v1/streams/$all?category=a-b")), 400, "invalid-category");
    assertThat(head()).isEqualTo(before);
    assertProblem(Http.get(hub.uri("/api/v1/streams/" + s)), 404, "stream-not-found");
  }

  // ------------------------------------------------------------------ failures

  /** Ends the store's database session that is executing an INSERT; returns once one was ended. */
  abstract boolean killInsertingSession(Database db) throws Exception;

  @Test
  void aConnectionKilledInTheMiddleOfABatchLeavesNoPartOfIt() throws Exception {
    Database db = database.open(hub.vertx, hub.conf);
    try {
      boolean killedOne = false;
      for (int attempt = 0; attempt < 5 && !killedOne; attempt++) {
        String s = stream("kill");
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 8000; i++) {
          batch.append(i == 0 ? "" : ",").append("{\"type\":\"bulk\",\"data\":{\"i\":").append(i)
              .append(",\"pad\":\"").append("x".repeat(100)).append("\"}}");
        }
        String body = batch.append(']').toString();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
          Future<HttpResponse<String>> appending = pool.submit(() -> append(s, body));
          boolean killed = killInsertingSession(db);
          HttpResponse<String> response = appending.get(60, TimeUnit.SECONDS);
          HttpResponse<String> stored;
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          do {
            // H2 may have closed the whole database under the aborted session: the store reopens it.
            stored = Http.get(hub.uri("/api/v1/streams/" + s + "?limit=1&direction=backward"));
          } while (stored.statusCode() == 503 && System.nanoTime() < deadline);
          if (response.statusCode() == 201) {
            assertThat(Http.json(stored).getJsonArray("events").getJsonObject(0).getLong("version")).isEqualTo(7999);
          } else {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(stored.statusCode()).as("nothing of the batch is stored: " + stored.body()).isEqualTo(404);
            killedOne = killed;
          }
        } finally {
          pool.shutdownNow();
        }
      }
      assertThat(killedOne).as("a session was killed in the middle of a batch").isTrue();
      // The store goes on without a restart.
      String after = stream("kill");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      HttpResponse<String> ok;
      do {
        ok = append(after, event("after", 1));
      } while (ok.statusCode() != 201 && System.nanoTime() < deadline);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    } finally {
      TestHub.await(db.close());
    }
  }

  static List<Row> rows(Database db, String sql, Tuple params) {
    List<Row> out = new ArrayList<>();
    TestHub.await(db.pool().preparedQuery(db.sql(sql)).execute(params)).forEach(out::add);
    return out;
  }
}
