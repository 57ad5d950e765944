package io.switchboard.webhook;

import io.switchboard.core.SharedJson;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.db.Database;
import io.switchboard.core.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.MigrationGate;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks: the endpoints' API, and the fan-out of events into the outbox (its deliveries are sent
 * by {@link WebhookSenderVerticle}).
 *
 * <ul>
 *   <li>Topic messages: each one published on this node ({@code switchboard.topics.published}) whose
 *       type matches an active endpoint becomes a delivery row ({@link BatchWriter}). Store events
 *       also appear there (origin {@code store}); they are skipped, because ...</li>
 *   <li>... store events are followed from the store itself ({@link StoreFollower}): one instance
 *       cluster-wide, checkpointed in the same transaction as the deliveries.</li>
 *   <li>The API on {@code switchboard.webhooks.*} (node-local: the gateway asks its own node), which
 *       {@code gateway/WebhookRoutes} puts on HTTP.</li>
 * </ul>
 */
public final class WebhookVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(Database.CONFIG_SCHEMA).parsedBy(WebhookSettings::from);
  }


  private static final Logger log = LoggerFactory.getLogger(WebhookVerticle.class);
  private static final String MODULE = "webhook";
  private static final String STORE_ORIGIN = "store";
  private static final int MAX_LIST_LIMIT = 500;
  private static final long CLEANUP_EVERY_MS = 600_000;

  private WebhookSettings settings;
  private Database db;
  private EndpointStore endpoints;
  private DeliveryStore deliveries;
  private Leases leases;
  private AddressGuard guard;
  private BatchWriter<DeliveryStore.NewDelivery> outbox;
  private final RateLimitedLog droppedLog = new RateLimitedLog(log, 10_000);
  private StoreFollower follower;
  private EndpointChanges changes;
  private String source;
  private String instance;
  private volatile EndpointMatcher matcher = EndpointMatcher.EMPTY;
  private io.vertx.core.eventbus.MessageConsumer<TopicEvent> topicMessages;
  private boolean stopping;
  private MigrationGate migrations;
  private long refreshTimer = -1;
  private long lastCleanup;
  private boolean cleaning;
  private Counter fannedOut;
  private Counter dropped;

  @Override
  public Future<?> start() {
    TopicEvent.registerCodec(vertx);
    SharedJson.register(vertx);
    JsonObject conf = config();
    try {
      settings = WebhookSettings.from(conf);
      db = Database.open(vertx, conf, "webhooks");
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    String node = conf.getJsonObject("node", new JsonObject()).getString("id", "switchboard");
    source = "/switchboard/" + node;
    instance = node + "/" + UUID.randomUUID().toString().substring(0, 8);
    endpoints = new EndpointStore(db);
    deliveries = new DeliveryStore(db);
    leases = new Leases(db);
    guard = new AddressGuard(settings.allowPrivate(), settings.allowHttp());
    fannedOut = Counter.builder("switchboard.webhooks.fanout").description("Webhook deliveries written to the outbox")
        .register(Metrics.registry());
    dropped = Counter.builder("switchboard.webhooks.fanout.dropped")
        .description("Topic messages not written to the webhook outbox (its buffer was full)").register(Metrics.registry());
    // Topic messages are best effort: past webhooks.fanout_buffer waiting deliveries they are dropped
    // and counted (store events are followed from the store instead, never dropped).
    outbox = new BatchWriter<>(vertx, "webhook deliveries", 2000, settings.fanoutBuffer(), deliveries::insert, this::due);
    follower = new StoreFollower(vertx, db, leases, deliveries, () -> matcher, this::due, this::leaderDuties, instance,
        source, settings.leaseMs());

    EventBus bus = vertx.eventBus();
    migrations = new MigrationGate(vertx, db, "the webhook store", this::migrate, this::open);
    List<Future<?>> registrations = new ArrayList<>();
    api(registrations, WebhookAddresses.CREATE, this::create);
    api(registrations, WebhookAddresses.LIST, body -> endpoints.all().map(list -> {
      JsonArray out = new JsonArray();
      list.forEach(e -> out.add(e.toJson()));
      return new JsonObject().put("webhooks", out);
    }));
    api(registrations, WebhookAddresses.GET, body -> endpoints.get(id(body)).map(Endpoint::toJson));
    api(registrations, WebhookAddresses.UPDATE, this::update);
    api(registrations, WebhookAddresses.DELETE, this::delete);
    api(registrations, WebhookAddresses.ROTATE, this::rotate);
    api(registrations, WebhookAddresses.DELIVERIES, this::deliveries);
    api(registrations, WebhookAddresses.DELIVERY, body -> endpoints.get(id(body))
        .compose(e -> deliveries.get(e.id(), deliveryId(body))));
    api(registrations, WebhookAddresses.RETRY, this::retry);
    api(registrations, WebhookAddresses.REPLAY, this::replay);
    api(registrations, WebhookAddresses.TEST, this::test);
    api(registrations, Addresses.WEBHOOKS_ERASE, this::erase);
    changes = new EndpointChanges(vertx, instance);
    registrations.add(changes.start(this::refresh));
    registrations.add(bus.localConsumer(Addresses.ready("store"), migrations::answerReady).completion());
    return Future.all(registrations).compose(v -> migrations.start());
  }

  /** An erasure: the deliveries (and their attempts) that carried the erased events, gone. */
  private Future<JsonObject> erase(JsonObject body) {
    JsonArray ids = body == null ? null : body.getJsonArray("event_ids");
    if (ids == null || ids.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("deliveries", 0).put("attempts", 0));
    }
    String attempts = db.sql("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_id = $1)");
    String deliveries = db.sql("DELETE FROM webhook_deliveries WHERE event_id = $1");
    return db.inTransaction(conn -> {
      List<Future<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>> a = new ArrayList<>();
      List<Future<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>> d = new ArrayList<>();
      for (Object id : ids) {
        a.add(conn.preparedQuery(attempts).execute(io.vertx.sqlclient.Tuple.of(String.valueOf(id))));
        d.add(conn.preparedQuery(deliveries).execute(io.vertx.sqlclient.Tuple.of(String.valueOf(id))));
      }
      return Future.all(Future.all(a), Future.all(d)).map(v -> new JsonObject()
          .put("deliveries", d.stream().mapToInt(f -> f.result().rowCount()).sum())
          .put("attempts", a.stream().mapToInt(f -> f.result().rowCount()).sum()));
    });
  }

  private void api(List<Future<?>> registrations, String address, Function<JsonObject, Future<JsonObject>> call) {
    registrations.add(vertx.eventBus().<JsonObject>localConsumer(address, m -> answer(m, address, call)).completion());
  }

  /** The tables, then what a start finds there: a dead process's claims (embedded), the endpoints. */
  private Future<Void> migrate() {
    return db.migrate(MODULE).compose(applied -> releaseLeftovers()).compose(v -> refresh());
  }

  private void open() {
    log.info("webhooks on {}", db.describe());
    follower.start();
    refreshTimer = vertx.setPeriodic(30_000, t -> refresh());
  }

  /** Embedded only, once per process: leases and claims found at start are a dead process's. */
  private Future<Void> releaseLeftovers() {
    if (db.dialect() != Dialect.H2) {
      return Future.succeededFuture();
    }
    LocalMap<String, Boolean> once = vertx.sharedData().getLocalMap("switchboard.webhooks.recovered");
    if (once.putIfAbsent(db.describe(), true) != null) {
      return Future.succeededFuture();
    }
    return deliveries.releaseLeftovers();
  }

  /**
   * Topic messages are taken only while some active endpoint could match one: otherwise every
   * message published on the node would wake this verticle's event loop for nothing.
   */
  private void listenToTopics(boolean wanted) {
    if (wanted && topicMessages == null && !stopping) {
      topicMessages = vertx.eventBus().<TopicEvent>localConsumer(Addresses.TOPICS_PUBLISHED, m -> fanOut(m.body()));
    } else if (!wanted && topicMessages != null) {
      topicMessages.unregister();
      topicMessages = null;
    }
  }

  /** Reads the active endpoints again for matching; completes once topic messages are matched with them. */
  private Future<Void> refresh() {
    return endpoints.all().compose(list -> {
      EndpointMatcher read = new EndpointMatcher(list);
      io.vertx.core.Promise<Void> applied = io.vertx.core.Promise.promise();
      context.runOnContext(v -> {
        matcher = read;
        listenToTopics(!read.isEmpty());
        applied.complete();
      });
      return applied.future();
    }).onFailure(e -> log.debug("webhook endpoints not refreshed: {}", e.toString()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    listenToTopics(false);
    Future<Void> unlisted = changes == null ? Future.succeededFuture() : changes.stop();
    if (migrations != null) {
      migrations.close();
    }
    vertx.cancelTimer(refreshTimer);
    if (outbox == null) {
      return unlisted.compose(v -> db == null ? Future.succeededFuture() : db.close());
    }
    return unlisted.compose(v -> outbox.drain(2000))
        .compose(v -> follower.stop())
        .eventually(() -> {
          outbox.close();
          return db.close();
        });
  }

  // ------------------------------------------------------------------ fan-out

  private void fanOut(TopicEvent event) {
    if (!migrations.isOpen() || STORE_ORIGIN.equals(event.origin())) {
      return;
    }
    Set<EndpointMatcher.Target> targets = matcher.match(event.type());
    for (EndpointMatcher.Target t : targets) {
      if (!outbox.add(new DeliveryStore.NewDelivery(t.id(), t.partition(), event.id(), event.type(), "topic", event.event()))) {
        dropped.increment();
        droppedLog.warn("webhook fan-out: " + settings.fanoutBuffer()
            + " deliveries are waiting for the database; dropping topic messages beyond them");
      }
    }
  }

  /** After deliveries were written: tells the senders their endpoints have deliveries due now. */
  private void due(List<DeliveryStore.NewDelivery> written) {
    fannedOut.increment(written.size());
    Set<String> endpointIds = new LinkedHashSet<>();
    written.forEach(d -> endpointIds.add(d.endpointId()));
    vertx.eventBus().publish(WebhookAddresses.DUE, new JsonObject().put("endpoints", new JsonArray(List.copyOf(endpointIds))));
  }

  private void due(String endpointId) {
    vertx.eventBus().publish(WebhookAddresses.DUE, new JsonObject().put("endpoints", new JsonArray().add(endpointId)));
  }

  /** What the one store follower of the cluster also does: the outbox's clean-up. */
  private void leaderDuties() {
    long now = System.currentTimeMillis();
    if (cleaning || now - lastCleanup < Math.min(CLEANUP_EVERY_MS, settings.retentionMs() / 10)) {
      return;
    }
    cleaning = true;
    lastCleanup = now;
    deliveries.cleanUp(now - settings.retentionMs(), 10_000)
        .onSuccess(n -> {
          if (n > 0) {
            log.info("webhooks: removed {} deliveries older than the retention", n);
          }
        })
        .onFailure(e -> log.debug("webhook clean-up failed: {}", e.toString()))
        .onComplete(ar -> cleaning = false);
  }

  // ------------------------------------------------------------------ API

  private Future<JsonObject> create(JsonObject body) {
    JsonObject input = EndpointInput.create(body, guard);
    return guard.resolve(vertx, guard.target(input.getString("url")))
        .compose(address -> endpoints.create(input))
        .compose(e -> changed(e).map(v -> e.toJson().put("secret", input.getString("secret"))));
  }

  private Future<JsonObject> update(JsonObject body) {
    String id = id(body);
    JsonObject change = EndpointInput.patch(body.getValue("change"), guard);
    Future<?> checked = change.containsKey("url")
        ? guard.resolve(vertx, guard.target(change.getString("url")))
        : Future.succeededFuture();
    return checked.compose(ok -> endpoints.update(id, change)).compose(e -> changed(e).map(v -> e.toJson()));
  }

  private Future<JsonObject> delete(JsonObject body) {
    return endpoints.delete(id(body)).compose(e -> changed(e).map(v -> new JsonObject().put("id", e.id()).put("deleted", true)));
  }

  private static final java.util.Set<String> ROTATE_FIELDS = java.util.Set.of("id", "secret", "grace_period_ms");

  private Future<JsonObject> rotate(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!ROTATE_FIELDS.contains(field)) {
        throw Problem.invalid("unknown-field", "unknown field '" + field + "'; the fields are grace_period_ms, secret");
      }
    }
    Object given = body.getValue("secret");
    String secret = given == null ? Secrets.generate() : Secrets.validate(given);
    Object grace = body.getValue("grace_period_ms");
    long graceMs = settings.secretGraceMs();
    if (grace != null) {
      if (!(grace instanceof Integer || grace instanceof Long) || ((Number) grace).longValue() < 0
          || ((Number) grace).longValue() > 30L * 86_400_000) {
        throw Problem.invalid("invalid-field", "grace_period_ms must be an integer from 0 to 30 days in milliseconds");
      }
      graceMs = ((Number) grace).longValue();
    }
    return endpoints.rotate(id(body), secret, graceMs).compose(e -> changed(e).map(v -> new JsonObject()
        .put("id", e.id()).put("secret", secret)
        .put("previous_secret_expires_at", Endpoint.time(e.previousSecretUntil()))));
  }

  /** After an endpoint changed: answered once every outbox instance of the cluster matches with it. */
  private Future<Void> changed(Endpoint e) {
    return changes.publish(e);
  }

  private Future<JsonObject> deliveries(JsonObject body) {
    String status = body.getString("status");
    if (status != null && !Set.of(DeliveryStore.PENDING, DeliveryStore.DELIVERED, DeliveryStore.FAILED).contains(status)) {
      throw Problem.badRequest("invalid-parameter", "status must be pending, delivered or failed, not '" + status + "'");
    }
    String eventType = body.getString("event_type");
    Long since = time(body.getValue("since"), "since");
    Long until = time(body.getValue("until"), "until");
    String before = body.getString("before");
    if (before != null && !Ids.plausible(before, Ids.MESSAGE)) {
      throw Problem.badRequest("invalid-parameter", "before must be a delivery id (the \"next\" of the previous page)");
    }
    int limit = limit(body.getValue("limit"));
    return endpoints.get(id(body)).compose(e -> deliveries.list(e.id(), status, eventType, since, until, before, limit));
  }

  private Future<JsonObject> retry(JsonObject body) {
    String deliveryId = deliveryId(body);
    return endpoints.get(id(body)).compose(e -> deliveries.retry(e.id(), deliveryId).onSuccess(v -> due(e.id())));
  }

  private Future<JsonObject> replay(JsonObject body) {
    Long since = time(body.getValue("since"), "since");
    if (since == null) {
      throw Problem.badRequest("invalid-parameter", "since is required: replay the deliveries created since this time "
          + "(RFC 3339, e.g. 2026-11-26T12:00:00Z, or epoch milliseconds)");
    }
    String status = body.getString("status");
    if (status != null && !Set.of(DeliveryStore.DELIVERED, DeliveryStore.FAILED).contains(status)) {
      throw Problem.badRequest("invalid-parameter", "status must be delivered or failed, not '" + status + "'");
    }
    return endpoints.get(id(body)).compose(e -> deliveries.replay(e.id(), since, status).map(n -> {
      if (n > 0) {
        due(e.id());
      }
      return new JsonObject().put("replayed", n);
    }));
  }

  /** A signed {@code switchboard.webhook.test} event, through the outbox like any other. */
  private Future<JsonObject> test(JsonObject body) {
    return endpoints.get(id(body)).compose(e -> {
      if (!e.active()) {
        throw Problem.conflict("webhook-inactive", "webhook " + e.id() + " is not active: PATCH {\"active\": true} first", null);
      }
      String eventId = UUID.randomUUID().toString();
      JsonObject event = new JsonObject().put("specversion", "1.0").put("id", eventId).put("source", source)
          .put("type", "switchboard.webhook.test").put("subject", e.id()).put("time", Instant.now().toString())
          .put("datacontenttype", "application/json")
          .put("data", new JsonObject().put("webhook", e.id()).put("message", "a test event from Switchboard"));
      DeliveryStore.NewDelivery d = new DeliveryStore.NewDelivery(e.id(), e.partition(), eventId, "switchboard.webhook.test",
          "test", event.encode());
      return deliveries.insertOne(d).map(deliveryId -> {
        if (deliveryId == null) {
          throw Problem.conflict("webhook-inactive", "webhook " + e.id() + " was switched off meanwhile", null);
        }
        due(e.id());
        return new JsonObject().put("id", deliveryId).put("event_id", eventId).put("status", DeliveryStore.PENDING);
      });
    });
  }

  private static String id(JsonObject body) {
    Object id = body == null ? null : body.getValue("id");
    if (!(id instanceof String s)) {
      throw Problem.badRequest("malformed-request", "the webhook id is missing");
    }
    return s;
  }

  private static String deliveryId(JsonObject body) {
    Object id = body.getValue("delivery");
    if (!(id instanceof String s)) {
      throw Problem.badRequest("malformed-request", "the delivery id is missing");
    }
    return s;
  }

  /** A time given as RFC 3339 text or epoch milliseconds. */
  private static Long time(Object value, String name) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return null;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    String text = String.valueOf(value).trim();
    if (text.matches("\\d{1,15}")) {
      return Long.parseLong(text);
    }
    try {
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("invalid-parameter", name + " must be an RFC 3339 time such as 2026-11-26T12:00:00Z "
          + "(or epoch milliseconds), not '" + text + "'");
    }
  }

  private static int limit(Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return 50;
    }
    try {
      int limit = value instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(value).trim());
      if (limit >= 1 && limit <= MAX_LIST_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw Problem.badRequest("invalid-parameter", "limit must be an integer from 1 to " + MAX_LIST_LIMIT + ", not '" + value + "'");
  }

  /** Runs an API call and answers: its JSON, or a problem (503 naming the database when it is out of reach). */
  private void answer(Message<JsonObject> message, String what, Function<JsonObject, Future<JsonObject>> call) {
    Future<JsonObject> result;
    try {
      migrations.require();
      result = call.apply(message.body() == null ? new JsonObject() : message.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> {
      Problem problem = db.problem(e, "webhooks");
      if (problem.status() == 500) {
        log.error("{} failed", what, e);
      }
      problem.failReply(message);
    });
  }
}
