package io.switchboard.eventstore;

import io.switchboard.core.Envelope;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.RunnerLocks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.switchboard.core.Addresses;
import io.switchboard.core.EventUpcaster;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.RunnerLocks;
import io.switchboard.core.db.Dialect;
import io.switchboard.core.db.MigrationGate;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event store: appends with optimistic concurrency, reads, catch-up subscriptions and
 * snapshots, on the hub's database (PostgreSQL, or the embedded H2 file). Every call arrives on
 * the event bus ({@code switchboard.eventstore.*}, see {@link Addresses}).
 *
 * <p>After each append commits it is announced on {@code switchboard.eventstore.appended} and each
 * of its events is published as a topic message on {@code streams.{category}} (subject: the
 * stream), so every transport sees store events without a second write.
 *
 * <p>When the database cannot be reached, store calls fail with 503 naming it and the rest of the
 * hub carries on; the pool reconnects by itself once it is back. If it is down at start, the
 * verticle still starts and applies its migrations as soon as it can.
 */
public final class EventStoreVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    ConfigSchema schema = ConfigSchema.create().include(Database.CONFIG_SCHEMA).declare("eventstore.upcasters")
        .object("eventstore.retention").closed("eventstore");
    for (String field : new String[] {"max_append_events", "max_read_limit", "max_batch_events", "max_pending_appends",
        "subscription_batch", "subscription_timeout_ms", "max_subscriptions", "poll_ms",
        "scavenge_ms", "scavenge_batch", "scavenge_pause_ms"}) {
      schema.integer("eventstore." + field, 1, Integer.MAX_VALUE);
    }
    return schema.parsedBy(conf -> {
      Object steps = conf.getJsonObject("eventstore", new JsonObject()).getValue("upcasters", new JsonArray());
      if (!(steps instanceof JsonArray list)) {
        throw new IllegalArgumentException("field \"eventstore.upcasters\": must be a list of "
            + "{\"type\", \"from\", \"rename\"?, \"defaults\"?, \"remove\"?} steps");
      }
      Upcasters.from(list, List.of());
      Retention.parse(conf.getJsonObject("eventstore", new JsonObject()).getJsonObject("retention"));
    });
  }


  private static final Logger log = LoggerFactory.getLogger(EventStoreVerticle.class);
  private static final String MODULE = "eventstore";
  private static final String ORIGIN = "store";

  private Database db;
  private SqlEventStore store;
  private AppendWriter writer;
  private Subscriptions subscriptions;
  private Upcasters upcasters;
  private String source;
  private int maxReadLimit;
  private int maxAppendEvents;
  private MigrationGate migrations;
  private int pollMs;
  private long pollTimer = -1;
  private Counter appendedEvents;
  private Counter conflicts;
  private Scavenger scavenger;
  private long scavengeTimer = -1;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    JsonObject es = conf.getJsonObject("eventstore", new JsonObject());
    try {
      maxAppendEvents = positive(es, "max_append_events", 1000);
      maxReadLimit = positive(es, "max_read_limit", 1000);
      upcasters = Upcasters.from(es.getJsonArray("upcasters", new JsonArray()), ServiceLoader.load(EventUpcaster.class));
      int maxBatchEvents = positive(es, "max_batch_events", 1000);
      int maxPending = positive(es, "max_pending_appends", 10_000);
      int subscriptionBatch = positive(es, "subscription_batch", 256);
      int subscriptionTimeout = positive(es, "subscription_timeout_ms", 30_000);
      int maxSubscriptions = positive(es, "max_subscriptions", 10_000);
      pollMs = positive(es, "poll_ms", 1000);
      Retention retention = Retention.parse(es.getJsonObject("retention"));
      int scavengeMs = positive(es, "scavenge_ms", 60_000);
      int scavengeBatch = positive(es, "scavenge_batch", 500);
      int scavengePauseMs = positive(es, "scavenge_pause_ms", 100);
      db = Database.open(vertx, conf, ORIGIN);
      store = new SqlEventStore(db, retention);
      scavenger = newScavenger(conf, retention, scavengeBatch, scavengePauseMs);
      scavengeTimer = vertx.setPeriodic(scavengeMs, id -> {
        if (migrations != null && migrations.isOpen()) {
          scavenger.pass().onFailure(e -> log.warn("scavenger pass failed (next in {} ms): {}", scavengeMs, e.getMessage()));
        }
      });
      DistributionSummary batchSizes = DistributionSummary.builder("switchboard.eventstore.batch.appends")
          .description("Appends committed per write transaction").register(Metrics.registry());
      writer = new AppendWriter(store, maxBatchEvents, maxPending, batchSizes::record);
      subscriptions = new Subscriptions(vertx, store, upcasters, subscriptionBatch, subscriptionTimeout, maxSubscriptions,
          Metrics.nodeGauge(vertx, "switchboard.eventstore.subscriptions", "Open event store subscriptions"),
          e -> db.problem(e, "subscription"));
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    source = Envelope.nodeSource(conf);
    appendedEvents = Counter.builder("switchboard.eventstore.appended").description("Events appended")
        .register(Metrics.registry());
    conflicts = Counter.builder("switchboard.eventstore.conflicts").description("Appends refused with 409")
        .register(Metrics.registry());

    EventBus bus = vertx.eventBus();
    SharedJson.register(vertx);
    migrations = new MigrationGate(vertx, db, "the event store", () -> db.migrate(MODULE).onSuccess(applied ->
        log.info("event store on {} ({} migration{} applied)", db.describe(), applied, applied == 1 ? "" : "s")), () -> { });
    List<Future<?>> registrations = new ArrayList<>();
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_APPEND, this::append).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_READ, m -> answer(m, "read", this::read)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_SUBSCRIBE, m -> answer(m, "subscribe",
        body -> Future.succeededFuture(new JsonObject().put("subscription", subscriptions.open(body))))).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_SNAPSHOT_PUT, m -> answer(m, "snapshot", this::putSnapshot)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_SNAPSHOT_GET, m -> answer(m, "snapshot", this::getSnapshot)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_STREAMS, m -> answer(m, "streams", this::streams)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_APPENDED, m -> subscriptions.announced(m.body())).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_METADATA_GET, m -> answer(m, "metadata",
        body -> store.metadata(StreamName.validate(body == null ? null : body.getValue("stream"))))).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_METADATA_PUT, m -> answer(m, "metadata", this::putMetadata)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_ERASE, m -> answer(m, "erasure", this::erase)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_DELETE, m -> answer(m, "delete", this::delete)).completion());
    registrations.add(bus.<JsonObject>consumer(Addresses.EVENTSTORE_SCAVENGE, m -> answer(m, "scavenge",
        body -> scavenger.pass().map(Scavenger.Pass::toJson))).completion());
    registrations.add(bus.localConsumer(Addresses.ready(ORIGIN), migrations::answerReady).completion());
    pollTimer = vertx.setPeriodic(pollMs, id -> {
      if (migrations.isOpen()) {
        subscriptions.tick();
      }
    });
    return Future.all(registrations).compose(v -> migrations.start());
  }

  private static int positive(JsonObject es, String field, int fallback) {
    Object value = es.getValue(field, fallback);
    if (!(value instanceof Integer i) || i < 1) {
      throw new IllegalArgumentException("eventstore." + field + " must be a positive integer");
    }
    return i;
  }

  /** One scavenger per cluster: the projector's kind of lock, on a connection of its own. */
  private Scavenger newScavenger(JsonObject conf, Retention retention, int batch, int pauseMs) {
    // (kind "projection": the same lock key as before the locks moved to core/db)
    JsonObject lockConf = conf.copy();
    if (lockConf.getValue("postgres") instanceof JsonObject pg) {
      pg.put("pool_size", 1);
    }
    RunnerLocks locks = RunnerLocks.open(vertx, db, () -> Database.open(vertx, lockConf, "scavenger-lock"), "projection", () -> { });
    Counter events = Counter.builder("switchboard.eventstore.scavenged.events").description("Events the scavenger deleted")
        .register(Metrics.registry());
    Counter bytes = Counter.builder("switchboard.eventstore.scavenged.bytes")
        .description("Bytes the scavenger freed (estimated from the events' JSON sizes)").register(Metrics.registry());
    return new Scavenger(vertx, db, retention, locks, batch, pauseMs, (n, freed) -> {
      events.increment(n);
      bytes.increment(freed);
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(scavengeTimer);
    if (scavenger != null) {
      scavenger.close();
    }
    if (migrations != null) {
      migrations.close();
    }
    if (subscriptions != null) {
      subscriptions.closeAll();
    }
    return db == null ? Future.succeededFuture() : db.close();
  }

  // ---------------------------------------------------------------- calls

  private void append(Message<JsonObject> message) {
    answer(message, "append", body -> writer.submit(AppendRequest.parse(body, maxAppendEvents)).map(appended -> {
      if (!appended.repeated()) {
        appendedEvents.increment(appended.events().size());
        vertx.eventBus().publish(Addresses.EVENTSTORE_APPENDED, appended.announcement());
        // The topic messages once the replies of this commit are sent: building a CloudEvent per
        // event need not delay the writers (tasks run in order, so announcements keep commit order).
        context.runOnContext(v -> announceOnTopic(appended));
      }
      return appended.toJson();
    }));
  }

  /** After commit: each event as a topic message (subscriptions were told on {@code switchboard.eventstore.appended}). */
  private void announceOnTopic(Appended appended) {
    EventBus bus = vertx.eventBus();
    String topic = StreamName.topic(StreamName.category(appended.stream()));
    // Complete and valid as built (the append checked every part): straight to the router's
    // announcement path, one message for the append, without the checks and the reply of a publish.
    JsonArray events = new JsonArray(new ArrayList<>(appended.events().size()));
    for (StoredEvent event : appended.events()) {
      events.add(cloudEvent(event));
    }
    bus.send(Addresses.TOPICS_ANNOUNCE, new JsonObject().put("topic", topic).put("events", events), SharedJson.HANDED_OVER);
  }

  /** The CloudEvent of a stored event, its attributes in the order {@code Envelope} writes them, data last. */
  private JsonObject cloudEvent(StoredEvent e) {
    JsonObject metadata = e.metadata();
    JsonObject event = new JsonObject().put("specversion", "1.0").put("id", e.id())
        .put("source", metadata.getValue("source") instanceof String s && !s.isEmpty() ? s : source)
        .put("type", e.type()).put("subject", e.stream()).put("time", e.time())
        .put("datacontenttype", "application/json")
        .put("dataversion", e.dataversion()).put("position", e.position()).put("streamversion", e.version());
    for (String carried : new String[] {"correlationid", "causationid"}) {
      if (metadata.getValue(carried) instanceof String value) {
        event.put(carried, value);
      }
    }
    return event.put("data", e.data());
  }

  private Future<JsonObject> streams(JsonObject body) {
    if (body == null || body.getValue("category") == null) {
      throw Problem.badRequest("invalid-parameter", "name a category: ?category=order");
    }
    String category = StreamName.validateCategory(body.getValue("category"));
    int limit = (int) number(body, "limit", 100, 1, maxReadLimit);
    return store.streams(category, limit).map(streams -> new JsonObject().put("category", category).put("streams", streams));
  }

  private Future<JsonObject> read(JsonObject body) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"stream\", \"from\"?, \"limit\"?, \"direction\"?}");
    }
    Object direction = body.getValue("direction");
    boolean forward = switch (direction == null ? "forward" : String.valueOf(direction)) {
      case "forward" -> true;
      case "backward" -> false;
      default -> throw Problem.badRequest("invalid-parameter", "direction must be forward or backward");
    };
    int limit = (int) number(body, "limit", 100, 1, maxReadLimit);
    Function<List<StoredEvent>, JsonObject> reply = events -> {
      JsonArray out = new JsonArray();
      events.forEach(e -> out.add(upcasters.apply(e).toJson()));
      return new JsonObject().put("events", out);
    };
    if (StreamName.ALL.equals(body.getValue("stream"))) {
      long from = number(body, "from_position", forward ? 0 : Long.MAX_VALUE, 0, Long.MAX_VALUE);
      if (body.getValue("category") != null) {
        String category = StreamName.validateCategory(body.getValue("category"));
        return store.readCategory(category, from, limit, forward).map(reply);
      }
      return store.readAll(from, limit, forward).map(reply);
    }
    String stream = StreamName.validate(body.getValue("stream"));
    if (body.getValue("category") != null) {
      throw Problem.badRequest("invalid-parameter", "category goes with the $all stream: /api/v1/streams/$all?category=…");
    }
    long from = number(body, "from", forward ? 0 : Long.MAX_VALUE, 0, Long.MAX_VALUE);
    return store.readStream(stream, from, limit, forward).compose(events -> !events.isEmpty()
        ? Future.succeededFuture(reply.apply(events))
        : store.state(stream).compose(state -> {
          if (state.hardDeleted()) {
            throw SqlEventStore.streamDeleted(stream);
          }
          if (state.version() < 0) {
            throw new Problem(404, "stream-not-found", "Not found", "stream '" + stream + "' has no events");
          }
          if (state.deleted() == null) {
            return Future.succeededFuture(reply.apply(events));
          }
          // Soft-deleted: absent until an append brings it back.
          return store.readStream(stream, 0, 1, true).map(any -> {
            if (any.isEmpty()) {
              throw new Problem(404, "stream-not-found", "Not found", "stream '" + stream + "' was deleted (its last version was "
                  + state.version() + "; an append continues from there)");
            }
            return reply.apply(events);
          });
        }));
  }

  private static long number(JsonObject body, String field, long fallback, long min, long max) {
    Object value = body.getValue(field);
    if (value == null) {
      return fallback;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min
        && ((Number) value).longValue() <= max) {
      return ((Number) value).longValue();
    }
    throw Problem.badRequest("invalid-parameter", field + " must be an integer from " + min
        + (max == Long.MAX_VALUE ? "" : " to " + max) + ", not " + value);
  }

  private Future<JsonObject> putMetadata(JsonObject body) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"max_age_ms\"?, \"max_count\"?, \"truncate_before\"?}");
    }
    String stream = StreamName.validate(body.getValue("stream"));
    JsonObject changes = new JsonObject();
    for (String field : body.fieldNames()) {
      if (field.equals("stream")) {
        continue;
      }
      if (!SqlEventStore.RULES.contains(field)) {
        throw Problem.invalid("invalid-metadata", "unknown field '" + field + "': stream metadata has "
            + String.join(", ", SqlEventStore.RULES));
      }
      Object value = body.getValue(field);
      long min = field.equals("truncate_before") ? 0 : 1;
      if (value != null && !((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min)) {
        throw Problem.invalid("invalid-metadata", field + " must be an integer of at least " + min + " or null (no limit), not " + value);
      }
      changes.put(field, value);
    }
    return store.putMetadata(stream, changes).onSuccess(v -> historyChanged(new JsonArray().add(stream)));
  }

  private Future<JsonObject> delete(JsonObject body) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"stream\", \"hard\"?, \"expected_version\"?}");
    }
    String stream = StreamName.validate(body.getValue("stream"));
    Object hardValue = body.getValue("hard");
    boolean hard = Boolean.TRUE.equals(hardValue) || "true".equals(hardValue);
    if (hardValue != null && !hard && !Boolean.FALSE.equals(hardValue) && !"false".equals(hardValue)) {
      throw Problem.badRequest("invalid-parameter", "hard must be true or false, not " + hardValue);
    }
    ExpectedVersion expected = ExpectedVersion.parse(body.getValue("expected_version"));
    return store.delete(stream, hard, expected).map(deleted -> {
      streamsDeleted(hard).increment();
      announceDeletion(deleted);
      historyChanged(new JsonArray().add(stream));
      return new JsonObject().put("stream", stream).put("hard", hard).put("last_version", deleted.lastVersion())
          .put("position", deleted.marker().lastPosition());
    });
  }

  private static final java.util.regex.Pattern METADATA_FIELD = java.util.regex.Pattern.compile("[A-Za-z0-9_]{1,64}");
  private static final int MAX_ERASE_STREAMS = 1000;

  private Future<JsonObject> erase(JsonObject body) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"streams\": [..]} or {\"metadata\": {\"subject\": \"…\"}}");
    }
    java.util.Set<String> streams = new java.util.LinkedHashSet<>();
    Object listed = body.getValue("streams");
    if (listed != null) {
      if (!(listed instanceof JsonArray array) || array.size() > MAX_ERASE_STREAMS) {
        throw Problem.invalid("invalid-erasure", "streams must be an array of at most " + MAX_ERASE_STREAMS + " stream names");
      }
      array.forEach(name -> streams.add(StreamName.validate(name)));
    }
    String field = null;
    String value = null;
    Object metadata = body.getValue("metadata");
    if (metadata != null) {
      if (!(metadata instanceof JsonObject m) || m.size() != 1) {
        throw Problem.invalid("invalid-erasure", "metadata names one field and its value: {\"subject\": \"customer-42\"}");
      }
      field = m.fieldNames().iterator().next();
      Object v = m.getValue(field);
      if (!METADATA_FIELD.matcher(field).matches() || !(v instanceof String || v instanceof Number) || String.valueOf(v).isEmpty()) {
        throw Problem.invalid("invalid-erasure", "metadata field must be [A-Za-z0-9_]{1,64} and its value a non-empty string or number");
      }
      value = String.valueOf(v);
    }
    if (streams.isEmpty() && field == null) {
      throw Problem.invalid("invalid-erasure", "name what to erase: {\"streams\": [..]} and/or {\"metadata\": {\"field\": value}}");
    }
    return store.erase(streams, field, value).map(erased -> {
      log.info("erasure removed {} events, {} snapshots", erased.events(), erased.snapshots());
      // By metadata, which streams lost events is not known here: everything cached is suspect.
      historyChanged(body.containsKey("metadata") ? null : new JsonArray(new ArrayList<>(streams)));
      return erased.toJson().put("event_ids", new JsonArray(erased.eventIds()));
    });
  }

  /** Tells whoever keeps state built from streams (see {@link Addresses#EVENTSTORE_HISTORY_CHANGED}); null: any stream. */
  private void historyChanged(JsonArray streams) {
    vertx.eventBus().publish(Addresses.EVENTSTORE_HISTORY_CHANGED, streams == null ? new JsonObject()
        : new JsonObject().put("streams", streams));
  }

  private Counter streamsDeleted(boolean hard) {
    return Counter.builder("switchboard.eventstore.streams.deleted").description("Streams deleted")
        .tag("kind", hard ? "hard" : "soft").register(Metrics.registry());
  }

  /**
   * The delete's marker: announced like an append (so {@code $all} subscribers, projections among
   * them, read it), and as a topic message on the deleted stream's category topic, for webhooks.
   */
  private void announceDeletion(SqlEventStore.Deleted deleted) {
    EventBus bus = vertx.eventBus();
    bus.publish(Addresses.EVENTSTORE_APPENDED, deleted.marker().announcement());
    StoredEvent marker = deleted.marker().events().get(0);
    JsonObject event = cloudEvent(marker).put("subject", deleted.stream());
    bus.send(Addresses.TOPICS_PUBLISH, new JsonObject().put("topic", StreamName.topic(StreamName.category(deleted.stream())))
        .put("event", event), new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, ORIGIN));
  }

  private Future<JsonObject> putSnapshot(JsonObject body) {
    if (body == null) {
      throw Problem.badRequest("malformed-request", "expected {\"stream\", \"version\", \"state\"}");
    }
    String stream = StreamName.validate(body.getValue("stream"));
    if (!(body.getValue("version") instanceof Number n) || !(n instanceof Integer || n instanceof Long) || n.longValue() < 0) {
      throw Problem.invalid("invalid-snapshot", "a snapshot needs \"version\": the stream version its state includes (0 or more)");
    }
    if (!body.containsKey("state")) {
      throw Problem.invalid("invalid-snapshot", "a snapshot needs \"state\": any JSON value");
    }
    return store.putSnapshot(stream, n.longValue(), body.getValue("state"));
  }

  private Future<JsonObject> getSnapshot(JsonObject body) {
    String stream = StreamName.validate(body == null ? null : body.getValue("stream"));
    return store.getSnapshot(stream).map(snapshot -> {
      if (snapshot == null) {
        throw new Problem(404, "snapshot-not-found", "Not found", "stream '" + stream + "' has no snapshot");
      }
      return snapshot;
    });
  }

  /** Runs a call and answers: its JSON, or a problem (503 naming the database when it is out of reach). */
  private void answer(Message<JsonObject> message, String what, Function<JsonObject, Future<JsonObject>> call) {
    Future<JsonObject> result;
    try {
      migrations.require();
      result = call.apply(message.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    // The reply is built for the caller and not kept: handed over without a copy.
    result.onSuccess(reply -> message.reply(reply, SharedJson.HANDED_OVER)).onFailure(e -> {
      Problem problem = db.problem(e, what);
      if (what.equals("append") && "database-unavailable".equals(problem.code())) {
        // The connection may have failed after the COMMIT reached the database.
        problem = problem.outcomeUnknown(Problem.RETRY_APPEND);
      }
      if (problem.status() == 409) {
        conflicts.increment();
      } else if (problem.status() == 500) {
        log.error("{} failed", what, e);
      } else if (problem.status() == 503) {
        log.debug("{} failed: {}", what, problem.detail());
      }
      problem.failReply(message);
    });
  }
}
