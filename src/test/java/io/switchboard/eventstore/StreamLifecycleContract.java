package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Addresses;
import io.switchboard.core.db.Database;
import io.switchboard.testing.Http;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The store's lifecycle over HTTP: stream metadata (max_count, max_age_ms, truncate_before,
 * category defaults), soft and hard deletes, the scavenger, and what a reader sees across the
 * holes they leave. Run once per database: {@link StreamLifecyclePostgresIT}, {@link StreamLifecycleH2IT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StreamLifecycleContract {

  static final Duration WAIT = Duration.ofSeconds(15);

  TestDatabase database;
  TestHub hub;
  Database db;
  WebhookReceiver receiver;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void start() {
    database = TestDatabase.create(kind());
    JsonObject overrides = database.conf.copy()
        .put("sse", new JsonObject().put("heartbeat_ms", 500))
        // The scavenger runs when a test asks (switchboard.eventstore.scavenge), not on its timer.
        .put("eventstore", new JsonObject().put("poll_ms", 200).put("scavenge_ms", 3_600_000)
            .put("retention", new JsonObject().put("brief", new JsonObject().put("max_count", 2))));
    overrides.put("webhooks", new JsonObject().put("allow_private", true).put("allow_http", true).put("poll_ms", 300));
    overrides.put("groups", new JsonObject().put("lock_retry_ms", 200).put("poll_ms", 200));
    hub = TestHub.start(overrides, "gateway", "topic-router", "event-store", "webhook-outbox", "webhook-sender", "groups");
    db = database.open(hub.vertx, hub.conf);
    receiver = WebhookReceiver.start();
  }

  @AfterAll
  void stop() {
    try {
      if (receiver != null) {
        receiver.close();
      }
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

  static String stream(String category) {
    return category + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  HttpResponse<String> append(String stream, int count, String... headers) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < count; i++) {
      events.add(new JsonObject().put("type", "thing.happened").put("data", new JsonObject().put("secret", stream + "/" + i)));
    }
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return Http.post(hub.uri("/api/v1/streams/" + stream + "/events"), events.encode(), all);
  }

  JsonObject appendOk(String stream, int count, String... headers) {
    HttpResponse<String> response = append(stream, count, headers);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Http.json(response);
  }

  HttpResponse<String> get(String pathAndQuery) {
    return Http.get(hub.uri("/api/v1/streams/" + pathAndQuery));
  }

  List<Long> versions(String stream) {
    HttpResponse<String> response = get(stream);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<Long> out = new ArrayList<>();
    Http.json(response).getJsonArray("events").forEach(e -> out.add(((JsonObject) e).getLong("version")));
    return out;
  }

  /** The versions of {@code stream} that {@code $all} shows from {@code fromPosition}. */
  List<Long> versionsInAll(String stream, long fromPosition) {
    HttpResponse<String> response = get("$all?from_position=" + fromPosition + "&limit=1000");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<Long> out = new ArrayList<>();
    Http.json(response).getJsonArray("events").forEach(e -> {
      if (((JsonObject) e).getString("stream").equals(stream)) {
        out.add(((JsonObject) e).getLong("version"));
      }
    });
    return out;
  }

  HttpResponse<String> putMetadata(String stream, JsonObject metadata) {
    return Http.method("PUT", hub.uri("/api/v1/streams/" + stream + "/metadata"), metadata.encode(), "Content-Type", "application/json");
  }

  HttpResponse<String> delete(String stream, boolean hard, String... headers) {
    return Http.method("DELETE", hub.uri("/api/v1/streams/" + stream + (hard ? "?hard=true" : "")), null, headers);
  }

  JsonObject scavenge() {
    return TestHub.await(hub.vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_SCAVENGE, new JsonObject())).body();
  }

  /** The versions of the stream's rows physically in the events table. */
  List<Long> storedVersions(String stream) {
    List<Long> out = new ArrayList<>();
    for (Row row : rows("SELECT version FROM events WHERE stream = $1 ORDER BY version", Tuple.of(stream))) {
      out.add(row.getLong(0));
    }
    return out;
  }

  List<Row> rows(String sql, Tuple params) {
    List<Row> out = new ArrayList<>();
    TestHub.await(db.pool().preparedQuery(db.sql(sql)).execute(params)).forEach(out::add);
    return out;
  }

  static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(Http.json(response).getString("type")).isEqualTo("urn:switchboard:problem:" + code);
  }

  static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  // ------------------------------------------------------------------ metadata

  @Test
  void maxCountAndTruncateBeforeHideAtOnceEverywhereAndTheScavengerDeletesThem() {
    String s = stream("meta");
    long first = appendOk(s, 5).getLong("position") - 4;
    JsonObject meta = Http.json(putMetadata(s, new JsonObject().put("max_count", 2)));
    assertThat(meta.getLong("max_count")).isEqualTo(2);
    assertThat(versions(s)).containsExactly(3L, 4L);
    assertThat(versionsInAll(s, first)).containsExactly(3L, 4L);
    assertThat(Http.json(get("$all?category=meta&from_position=" + first)).getJsonArray("events").stream()
        .map(e -> ((JsonObject) e).getLong("version")).toList()).containsExactly(3L, 4L);

    // Fields left out keep their value; truncate_before narrows further.
    putMetadata(s, new JsonObject().put("truncate_before", 4));
    JsonObject got = Http.json(get(s + "/metadata"));
    assertThat(got.getLong("max_count")).isEqualTo(2);
    assertThat(got.getLong("truncate_before")).isEqualTo(4);
    assertThat(versions(s)).containsExactly(4L);
    assertThat(storedVersions(s)).hasSize(5);

    JsonObject pass = scavenge();
    assertThat(pass.getBoolean("ran")).isTrue();
    assertThat(pass.getLong("events")).isGreaterThanOrEqualTo(4);
    assertThat(storedVersions(s)).containsExactly(4L);
    // Versions continue; positions keep growing.
    JsonObject next = appendOk(s, 1, "Expected-Version", "4");
    assertThat(next.getLong("first_version")).isEqualTo(5);
    assertThat(next.getLong("position")).isGreaterThan(first + 4);
    assertThat(versions(s)).containsExactly(4L, 5L);

    // null clears a rule.
    putMetadata(s, new JsonObject().put("truncate_before", null).put("max_count", null));
    assertThat(versions(s)).containsExactly(4L, 5L);
  }

  /**
   * A pass that ends within the call (here: the lock is held elsewhere, and says so at once) still
   * hands back its outcome; the scavenger's timer got null and a NullPointerException every minute.
   */
  @Test
  void aScavengerPassThatEndsAtOnceStillHandsBackItsOutcome() {
    io.switchboard.core.db.RunnerLocks heldElsewhere = new io.switchboard.core.db.RunnerLocks() {
      @Override
      public io.vertx.core.Future<Boolean> tryLock(String name) {
        return io.vertx.core.Future.succeededFuture(false);
      }

      @Override
      public io.vertx.core.Future<Void> unlock(String name) {
        return io.vertx.core.Future.succeededFuture();
      }

      @Override
      public io.vertx.core.Future<Void> check() {
        return io.vertx.core.Future.succeededFuture();
      }

      @Override
      public io.vertx.core.Future<Void> close() {
        return io.vertx.core.Future.succeededFuture();
      }
    };
    Scavenger scavenger = new Scavenger(hub.vertx, db, Retention.parse(null), heldElsewhere, 10, 0, (events, bytes) -> { });
    io.vertx.core.Future<Scavenger.Pass> pass = scavenger.pass();
    assertThat(pass).isNotNull();
    assertThat(TestHub.await(pass).ran()).isFalse();
  }

  @Test
  void maxAgeHidesOldEventsAndTheCategoryDefaultAppliesToStreamsWithoutTheirOwn() {
    String s = stream("aged");
    appendOk(s, 2);
    putMetadata(s, new JsonObject().put("max_age_ms", 300));
    awaitTrue("the events age out of reads", () -> versions(s).isEmpty());
    appendOk(s, 1);
    assertThat(versions(s)).containsExactly(2L);
    scavenge();
    assertThat(storedVersions(s)).containsExactly(2L);

    // eventstore.retention: {"brief": {"max_count": 2}}; a stream's own rule wins.
    String brief = stream("brief");
    appendOk(brief, 4);
    assertThat(versions(brief)).containsExactly(2L, 3L);
    assertThat(Http.json(get(brief + "/metadata")).getJsonObject("category_defaults").getLong("max_count")).isEqualTo(2);
    String own = stream("brief");
    putMetadata(own, new JsonObject().put("max_count", 3));
    appendOk(own, 4);
    assertThat(versions(own)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void metadataIsValidated() {
    String s = stream("meta");
    assertProblem(putMetadata(s, new JsonObject().put("max_count", 0)), 422, "invalid-metadata");
    assertProblem(putMetadata(s, new JsonObject().put("max_age_ms", "soon")), 422, "invalid-metadata");
    assertProblem(putMetadata(s, new JsonObject().put("colour", 1)), 422, "invalid-metadata");
    assertProblem(get("bad%20name/metadata"), 400, "invalid-stream");
  }

  // ------------------------------------------------------------------ creates planned without reading

  /**
   * A writer plans an append expecting no stream to a stream it never saw as new, without reading
   * (one round trip); what the database kept of the stream must still refuse it: events, a version
   * the scavenger or a delete left in the metadata, a tombstone. The other writer here has the head
   * of its own last commit each time, so only that check stands between it and a wrong version 0.
   */
  @Test
  void aCreateOnAWriterThatNeverSawTheStreamMeetsWhatTheDatabaseKept() {
    String made = stream("made");
    HttpResponse<String> first = Http.post(hub.uri("/api/v1/streams/" + made + "/events"),
        OtherWriter.create(made, "made-" + made).getJsonArray("events").encode(),
        "Content-Type", "application/json", "Expected-Version", "no_stream");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    String brief = stream("brief");   // eventstore.retention: at most 2 events; no metadata row of its own
    appendOk(brief, 4);
    String soft = stream("soft");
    appendOk(soft, 3);
    assertThat(delete(soft, false).statusCode()).isEqualTo(200);
    String hard = stream("hard");
    appendOk(hard, 2);
    assertThat(delete(hard, true).statusCode()).isEqualTo(200);
    scavenge();
    assertThat(storedVersions(brief)).containsExactly(2L, 3L);
    assertThat(storedVersions(soft)).isEmpty();

    OtherWriter other = new OtherWriter(hub.vertx, db);
    assertThat(other.append(OtherWriter.create(stream("warm"), UUID.randomUUID().toString()))).isInstanceOf(Appended.class);

    // The retry of the hub's create: the same id at the same place repeats it.
    Object retried = other.append(OtherWriter.create(made, "made-" + made));
    assertThat(retried).isInstanceOf(Appended.class);
    assertThat(((Appended) retried).repeated()).isTrue();
    assertThat(((Appended) retried).lastPosition()).isEqualTo(Http.json(first).getLong("position"));
    assertConflict(other.append(OtherWriter.create(made, UUID.randomUUID().toString())), 0);
    assertConflict(other.append(OtherWriter.create(brief, UUID.randomUUID().toString())), 3);
    assertConflict(other.append(OtherWriter.create(soft, UUID.randomUUID().toString())), 2);
    Object onTombstone = other.append(OtherWriter.create(hard, UUID.randomUUID().toString()));
    assertThat(onTombstone).isInstanceOf(io.switchboard.core.Problem.class);
    assertThat(((io.switchboard.core.Problem) onTombstone).status()).isEqualTo(410);
    assertThat(storedVersions(brief)).containsExactly(2L, 3L);
    assertThat(storedVersions(soft)).isEmpty();
    assertThat(storedVersions(hard)).isEmpty();

    // A stream that is new is created, right after the head.
    long head = rows("SELECT last_position FROM store_head WHERE id = 1", Tuple.tuple()).get(0).getLong(0);
    String fresh = stream("fresh");
    Object created = other.append(OtherWriter.create(fresh, UUID.randomUUID().toString()));
    assertThat(created).isInstanceOf(Appended.class);
    assertThat(((Appended) created).firstVersion()).isZero();
    assertThat(((Appended) created).lastPosition()).isEqualTo(head + 1);
    assertThat(versions(fresh)).containsExactly(0L);
  }

  static void assertConflict(Object outcome, long currentVersion) {
    assertThat(outcome).isInstanceOf(io.switchboard.core.Problem.class);
    io.switchboard.core.Problem problem = (io.switchboard.core.Problem) outcome;
    assertThat(problem.status()).as(problem.getMessage()).isEqualTo(409);
    assertThat(problem.code()).isEqualTo("wrong-expected-version");
    assertThat(problem.toJson().getLong("current_version")).isEqualTo(currentVersion);
  }

  // ------------------------------------------------------------------ deletes

  @Test
  void aSoftDeletedStreamReadsAsAbsentAndAnAppendContinuesAfterItsLastVersion() {
    String s = stream("soft");
    long first = appendOk(s, 3).getLong("position") - 2;
    HttpResponse<String> deleted = delete(s, false, "Expected-Version", "2");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(Http.json(deleted).getLong("last_version")).isEqualTo(2);
    assertProblem(get(s), 404, "stream-not-found");
    assertThat(versionsInAll(s, first)).isEmpty();
    assertThat(Http.json(get(s + "/metadata")).getString("deleted")).isEqualTo("soft");
    assertThat(Http.json(Http.get(hub.uri("/api/v1/streams?category=soft"))).getJsonArray("streams").stream()
        .map(x -> ((JsonObject) x).getString("stream")).toList()).doesNotContain(s);

    // Expectations are checked against the last version written: no_stream does not hold.
    assertProblem(append(s, 1, "Expected-Version", "no_stream"), 409, "wrong-expected-version");
    JsonObject again = appendOk(s, 1, "Expected-Version", "2");
    assertThat(again.getLong("first_version")).isEqualTo(3);
    assertThat(versions(s)).containsExactly(3L);
    scavenge();
    assertThat(storedVersions(s)).containsExactly(3L);
  }

  @Test
  void aHardDeletedStreamIsGoneForGoodAndDeletesAreAnnouncedInAllAndOnTheTopic() throws Exception {
    String s = stream("hard");
    BlockingQueue<JsonObject> topic = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> consumer = hub.vertx.eventBus().consumer(Addresses.topic("streams.hard"), m -> topic.add(m.body()));
    TestHub.await(consumer.completion());
    try {
      long first = appendOk(s, 2).getLong("position") - 1;
      assertProblem(delete(s, true, "Expected-Version", "0"), 409, "wrong-expected-version");
      HttpResponse<String> deleted = delete(s, true);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      long markerPosition = Http.json(deleted).getLong("position");
      assertProblem(get(s), 410, "stream-deleted");
      assertProblem(append(s, 1), 410, "stream-deleted");
      assertProblem(append(s, 1, "Expected-Version", "no_stream"), 410, "stream-deleted");
      assertProblem(append(s, 1, "Expected-Version", "1"), 410, "stream-deleted");
      assertProblem(delete(s, false), 410, "stream-deleted");
      assertProblem(putMetadata(s, new JsonObject().put("max_count", 1)), 410, "stream-deleted");
      assertProblem(Http.method("PUT", hub.uri("/api/v1/streams/" + s + "/snapshot"), new JsonObject().put("version", 1)
          .put("state", 1).encode(), "Content-Type", "application/json"), 410, "stream-deleted");

      // $all shows the marker in the place of the delete, not the events.
      JsonArray all = Http.json(get("$all?from_position=" + first)).getJsonArray("events");
      JsonObject marker = all.stream().map(e -> (JsonObject) e).filter(e -> e.getLong("position") == markerPosition)
          .findFirst().orElseThrow();
      assertThat(marker.getString("stream")).isEqualTo("$deleted");
      assertThat(marker.getString("type")).isEqualTo("switchboard.stream.deleted");
      assertThat(marker.getJsonObject("data")).isEqualTo(new JsonObject().put("stream", s).put("hard", true).put("last_version", 1));
      assertThat(all.stream().noneMatch(e -> ((JsonObject) e).getString("stream").equals(s))).isTrue();

      JsonObject event = null;
      for (JsonObject m = topic.poll(15, TimeUnit.SECONDS); m != null; m = topic.poll(15, TimeUnit.SECONDS)) {
        if ("switchboard.stream.deleted".equals(m.getString("type"))) {
          event = m;
          break;
        }
      }
      assertThat(event).as("switchboard.stream.deleted on streams.hard").isNotNull();
      assertThat(event.getString("subject")).isEqualTo(s);
      scavenge();
      assertThat(storedVersions(s)).isEmpty();
      assertProblem(get(s), 410, "stream-deleted");
      assertProblem(append(s, 1), 410, "stream-deleted");
    } finally {
      consumer.unregister();
    }
  }

  @Test
  void concurrentAppendsNeverLandAfterAHardDelete() throws Exception {
    String s = stream("race");
    appendOk(s, 1);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<HttpResponse<String>> answers = new ConcurrentLinkedQueue<>();
    try {
      List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        writers.add(pool.submit(() -> {
          while (!stop.get()) {
            HttpResponse<String> r = append(s, 1);
            answers.add(r);
            if (r.statusCode() == 410) {
              return;
            }
          }
        }));
      }
      awaitTrue("appends are flowing", () -> answers.size() >= 20);
      HttpResponse<String> deleted = delete(s, true);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      long tombstone = Http.json(deleted).getLong("position");
      long lastVersion = Http.json(deleted).getLong("last_version");
      for (java.util.concurrent.Future<?> f : writers) {
        f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      long accepted = 0;
      for (HttpResponse<String> r : answers) {
        assertThat(r.statusCode()).as(r.body()).isIn(201, 410);
        if (r.statusCode() == 201) {
          accepted++;
          assertThat(Http.json(r).getLong("position")).isLessThan(tombstone);
          assertThat(Http.json(r).getLong("last_version")).isLessThanOrEqualTo(lastVersion);
        }
      }
      assertThat(accepted + 1).isEqualTo(lastVersion + 1);
      for (Row row : rows("SELECT MAX(position), COUNT(*) FROM events WHERE stream = $1", Tuple.of(s))) {
        assertThat(row.getLong(0)).isLessThan(tombstone);
        assertThat(row.getLong(1)).isEqualTo(lastVersion + 1);
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ what a reader sees

  @Test
  void readersResumingInsideAHoleContinueWithTheNextEvent() throws Exception {
    String gone = stream("hole");
    String kept = stream("hole");
    long before = appendOk(kept, 1).getLong("position");
    long holeStart = appendOk(gone, 3).getLong("position") - 2;
    long after = appendOk(kept, 1).getLong("position");
    assertThat(delete(gone, true).statusCode()).isEqualTo(200);
    scavenge();

    // A $all reader that had read up to inside the hole asks for what follows: the next event.
    JsonArray next = Http.json(get("$all?from_position=" + (holeStart + 1) + "&limit=1")).getJsonArray("events");
    assertThat(next.getJsonObject(0).getLong("position")).isEqualTo(after);
    // An SSE subscriber resuming at a deleted position gets the next event, then the delete marker.
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/streams/$all/subscribe?category=hole"), "Last-Event-ID",
        String.valueOf(holeStart))) {
      SseClient.Event e = sse.next(WAIT);
      assertThat(Long.parseLong(e.id())).isEqualTo(after);
      assertThat(new JsonObject(e.data()).getString("stream")).isEqualTo(kept);
    }
    // Backward reads skip it too.
    JsonArray back = Http.json(get("$all?direction=backward&from_position=" + (after - 1) + "&limit=1")).getJsonArray("events");
    assertThat(back.getJsonObject(0).getLong("position")).isEqualTo(before);
  }

  // ------------------------------------------------------------------ erasure

  JsonObject webhook(String path, String... patterns) {
    HttpResponse<String> r = Http.post(hub.uri("/api/v1/webhooks"), new JsonObject().put("url", receiver.url(path))
        .put("events", new JsonArray(List.of(patterns))).encode(), "Content-Type", "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Http.json(r);
  }

  HttpResponse<String> erase(JsonObject request) {
    return Http.post(hub.uri("/api/v1/erasure"), request.encode(), "Content-Type", "application/json");
  }

  /** Every row of every table of the hub's schema, and this node's topic history, that mentions {@code needle}. */
  List<String> traces(String needle) {
    List<String> found = new ArrayList<>();
    for (Row table : rows("SELECT table_name FROM information_schema.tables WHERE UPPER(table_schema) = UPPER($1)",
        Tuple.of(db.schema()))) {
      String name = table.getString(0);
      for (Row row : rows("SELECT * FROM " + name, Tuple.tuple())) {
        for (int i = 0; i < row.size(); i++) {
          if (String.valueOf(row.getValue(i)).contains(needle)) {
            found.add(name + "." + row.getColumnName(i) + ": " + row.getValue(i));
          }
        }
      }
    }
    JsonObject history = TestHub.await(hub.vertx.eventBus().<JsonObject>request(Addresses.TOPICS_HISTORY,
        new JsonObject().put("topics", new JsonArray().add("streams.person").add("streams.shop")))).body();
    history.getJsonArray("events").forEach(e -> {
      if (e.toString().contains(needle)) {
        found.add("topic history: " + e);
      }
    });
    return found;
  }

  JsonObject group(String group) {
    HttpResponse<String> response = Http.get(hub.uri("/api/v1/subscriptions/" + group));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response);
  }

  /** Fetches {@code count} deliveries of {@code stream} from the group (one stream is delivered one at a time) and parks each. */
  void parkAll(String group, String stream, int count) {
    int parked = 0;
    long deadline = System.currentTimeMillis() + WAIT.toMillis();
    while (parked < count && System.currentTimeMillis() < deadline) {
      HttpResponse<String> fetched = Http.post(hub.uri("/api/v1/subscriptions/" + group + "/fetch?consumer=c&max=10&wait_ms=1000"), "");
      assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
      for (Object d : Http.json(fetched).getJsonArray("deliveries")) {
        JsonObject delivery = (JsonObject) d;
        boolean ours = delivery.getJsonObject("event").getString("stream").equals(stream);
        String path = "/api/v1/subscriptions/" + group + (ours ? "/nack" : "/ack");
        JsonObject settle = new JsonObject().put("consumer", "c").put("ids", new JsonArray().add(delivery.getString("delivery_id")));
        HttpResponse<String> settled = Http.post(hub.uri(path), (ours ? settle.put("action", "park").put("reason", "test") : settle).encode(),
            "Content-Type", "application/json");
        assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
        parked += ours ? 1 : 0;
      }
    }
    assertThat(parked).as("deliveries of " + stream + " parked").isEqualTo(count);
  }

  @Test
  void erasureLeavesNoTraceInAnyTableNorInTheTopicHistory() {
    String s = stream("person");
    String path = "/erase-" + UUID.randomUUID();
    String events = webhook(path, "thing.*").getString("id");
    webhook(path + "-deleted", "switchboard.stream.deleted");
    // A consumer group on the category parks the stream's events: erasure must remove those copies too.
    String group = "erase-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> created = Http.method("PUT", hub.uri("/api/v1/subscriptions/" + group),
        new JsonObject().put("category", "person").put("start", "end").encode(), "Content-Type", "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    awaitTrue("the group's coordinator runs", () -> "running".equals(group(group).getString("status")));
    appendOk(s, 2);
    assertThat(Http.method("PUT", hub.uri("/api/v1/streams/" + s + "/snapshot"), new JsonObject().put("version", 1)
        .put("state", new JsonObject().put("who", s)).encode(), "Content-Type", "application/json").statusCode()).isEqualTo(200);
    putMetadata(s, new JsonObject().put("max_count", 10));
    appendOk(s, 1);
    parkAll(group, s, 3);
    awaitTrue("three parked", () -> group(group).getLong("parked") == 3);
    // One of them is being replayed (a replaying copy is a copy too).
    HttpResponse<String> replay = Http.post(hub.uri("/api/v1/subscriptions/" + group + "/parked/replay"),
        new JsonObject().put("ids", new JsonArray().add(Http.json(Http.get(hub.uri("/api/v1/subscriptions/" + group + "/parked")))
            .getJsonArray("parked").getJsonObject(0).getString("id"))).encode(), "Content-Type", "application/json");
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
    assertThat(traces(s).stream().filter(t -> t.toLowerCase().startsWith("group_parked")).count()).isEqualTo(3);
    receiver.await(WAIT, "3 deliveries", list -> list.stream().filter(r -> r.path().equals(path)).count() >= 3);
    // Received is not yet recorded: a delivery's attempt row is written with its "delivered" status.
    awaitTrue("the 3 deliveries recorded as delivered", () -> Http.json(Http.get(hub.uri("/api/v1/webhooks/" + events
        + "/deliveries?status=delivered"))).getJsonArray("deliveries").size() == 3);
    assertThat(delete(s, false).statusCode()).isEqualTo(200);
    // The delete is announced to webhooks subscribed to switchboard.stream.deleted.
    WebhookReceiver.Received deletion = receiver.await(WAIT, "the deletion webhook",
        list -> list.stream().anyMatch(r -> r.path().equals(path + "-deleted"))).stream()
        .filter(r -> r.path().equals(path + "-deleted")).findFirst().orElseThrow();
    assertThat(deletion.event().getString("subject")).isEqualTo(s);
    awaitTrue("the deletion delivery is recorded", () -> traces(s).stream().filter(t -> t.startsWith("WEBHOOK_DELIVERIES")
        || t.startsWith("webhook_deliveries")).count() >= 4);
    assertThat(traces(s)).isNotEmpty();

    HttpResponse<String> erased = erase(new JsonObject().put("streams", new JsonArray().add(s)));
    assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
    JsonObject answer = Http.json(erased);
    assertThat(answer.getJsonObject("eventstore").getInteger("events")).isEqualTo(3);
    assertThat(answer.getJsonObject("eventstore").getInteger("snapshots")).isZero(); // the soft delete dropped it
    assertThat(answer.getJsonObject("eventstore").getInteger("stream_metadata")).isEqualTo(1);
    assertThat(answer.getJsonObject("eventstore").getInteger("deletion_markers")).isEqualTo(1);
    assertThat(answer.getJsonObject("webhooks").getInteger("deliveries")).isGreaterThanOrEqualTo(4);
    // The deletion's own attempt may still sit in the outcome writer's batch (its row carries no
    // event data, only the delivery id): the three event deliveries' attempts are certain.
    assertThat(answer.getJsonObject("webhooks").getInteger("attempts")).isGreaterThanOrEqualTo(3);
    assertThat(answer.getJsonObject("topic_history").getJsonObject("nodes").getInteger(hub.nodeId())).isGreaterThanOrEqualTo(3);
    assertThat(answer.getJsonObject("consumer_groups").getJsonObject("groups").getInteger(group)).as(erased.body()).isEqualTo(3);
    assertThat(traces(s)).as("traces of the erased stream").isEmpty();
    // The coordinator's own count and replays follow: nothing parked, nothing to deliver.
    assertThat(group(group).getLong("parked")).isZero();
    assertThat(group(group).getLong("pending")).isZero();
    assertThat(Http.method("DELETE", hub.uri("/api/v1/subscriptions/" + group), null).statusCode()).isEqualTo(204);
    assertProblem(get(s), 404, "stream-not-found");
    // An erased stream may be written again, from the start.
    assertThat(appendOk(s, 1).getLong("first_version")).isZero();
  }

  @Test
  void erasureByAMetadataFieldRemovesOnlyTheEventsThatCarryIt() {
    String subject = "customer-" + UUID.randomUUID();
    String shop = stream("shop");
    String other = stream("shop");
    JsonArray events = new JsonArray()
        .add(new JsonObject().put("type", "shop.visited").put("data", new JsonObject().put("who", "someone else")))
        .add(new JsonObject().put("type", "shop.visited").put("data", new JsonObject().put("who", subject))
            .put("metadata", new JsonObject().put("subject", subject)));
    assertThat(Http.post(hub.uri("/api/v1/streams/" + shop + "/events"), events.encode(), "Content-Type", "application/json")
        .statusCode()).isEqualTo(201);
    appendOk(other, 1);
    assertThat(traces(subject)).isNotEmpty();

    HttpResponse<String> erased = erase(new JsonObject().put("metadata", new JsonObject().put("subject", subject)));
    assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
    assertThat(Http.json(erased).getJsonObject("eventstore").getInteger("events")).isEqualTo(1);
    // This hub runs no RabbitMQ bridge: the answer says so rather than claiming dead letters were searched.
    assertThat(Http.json(erased).getJsonObject("dead_letters"))
        .isEqualTo(new JsonObject().put("skipped", "the RabbitMQ bridge is not deployed"));
    assertThat(traces(subject)).isEmpty();
    assertThat(versions(shop)).containsExactly(0L);
    assertThat(versions(other)).containsExactly(0L);
    // The stream's last event went, its version did not: the next append is version 2.
    assertThat(appendOk(shop, 1).getLong("first_version")).isEqualTo(2);

    assertProblem(erase(new JsonObject()), 422, "invalid-erasure");
    assertProblem(erase(new JsonObject().put("metadata", new JsonObject().put("a", 1).put("b", 2))), 422, "invalid-erasure");
    assertProblem(erase(new JsonObject().put("streams", new JsonArray().add("bad name"))), 400, "invalid-stream");
  }
}
