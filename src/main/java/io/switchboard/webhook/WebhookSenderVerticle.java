package io.switchboard.webhook;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.db.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.MigrationGate;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends webhook deliveries. Each instance (on every node) holds a fair share of the endpoint
 * partitions, leased in the database, and serves the endpoints in them: one {@link Lane} per
 * endpoint, so an endpoint's circuit breaker, rate limit and concurrency cap live in one place.
 * Deliveries are claimed from the outbox under a lease ({@code FOR UPDATE SKIP LOCKED}), signed,
 * POSTed, and every attempt is written down ({@link BatchWriter}). An instance that dies leaves
 * its partitions and claims to run out; then others take them, and nothing is lost.
 */
public final class WebhookSenderVerticle extends VerticleBase implements Lane.Host, Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(Database.CONFIG_SCHEMA).parsedBy(WebhookSettings::from);
  }


  private static final Logger log = LoggerFactory.getLogger(WebhookSenderVerticle.class);
  private static final String MODULE = "webhook";

  private WebhookSettings settings;
  private Database db;
  private SenderStore store;
  private EndpointStore endpoints;
  private Leases leases;
  private HttpPoster poster;
  private AddressGuard guard;
  private BatchWriter<Outcome> writer;
  private String senderId;
  private String source;
  private Set<Integer> owned = Set.of();
  private final Map<String, Lane> lanes = new HashMap<>();
  private boolean started;
  private boolean stopping;
  private boolean balancing;
  private boolean balanceAgain;
  private long balanceTimer = -1;
  private long pollTimer = -1;
  private MigrationGate migrations;
  private AtomicLong openCircuits;
  private final java.util.Map<String, Long> circuitOpenedAt = new java.util.HashMap<>();
  private Counter delivered;
  private Counter failedAttempts;
  private Counter exhausted;
  private Counter disabledCount;
  private Timer latency;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    try {
      settings = WebhookSettings.from(conf);
      db = Database.open(vertx, conf, "webhook-sender");
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    String node = conf.getJsonObject("node", new JsonObject()).getString("id", "switchboard");
    senderId = node + "/" + UUID.randomUUID().toString().substring(0, 8);
    source = "/switchboard/" + node;
    store = new SenderStore(db);
    endpoints = new EndpointStore(db);
    leases = new Leases(db);
    guard = new AddressGuard(settings.allowPrivate(), settings.allowHttp());
    poster = new HttpPoster(vertx, settings);
    // Unbounded: every attempt is written down; while the database is away no new claims succeed either.
    writer = new BatchWriter<>(vertx, "webhook outcomes", 1000, Integer.MAX_VALUE, batch -> store.write(batch, senderId),
        this::written);
    openCircuits = Metrics.nodeGauge(vertx, "switchboard.webhooks.circuits.open", "Webhook endpoints whose circuit is open");
    delivered = Counter.builder("switchboard.webhooks.attempts").tag("outcome", "delivered")
        .description("Webhook delivery attempts").register(Metrics.registry());
    failedAttempts = Counter.builder("switchboard.webhooks.attempts").tag("outcome", "failed")
        .description("Webhook delivery attempts").register(Metrics.registry());
    exhausted = Counter.builder("switchboard.webhooks.exhausted")
        .description("Webhook deliveries failed after their last retry").register(Metrics.registry());
    disabledCount = Counter.builder("switchboard.webhooks.disabled")
        .description("Webhook endpoints disabled after failing too long").register(Metrics.registry());
    latency = Timer.builder("switchboard.webhooks.latency").description("Webhook attempt duration")
        .register(Metrics.registry());

    EventBus bus = vertx.eventBus();
    List<Future<?>> registrations = new ArrayList<>();
    registrations.add(bus.<JsonObject>consumer(WebhookAddresses.DUE, m -> due(m.body())).completion());
    registrations.add(bus.<JsonObject>consumer(WebhookAddresses.CHANGED, m -> changed(m.body())).completion());
    registrations.add(bus.consumer(WebhookAddresses.REBALANCE, m -> balanceSoon()).completion());
    // The tables may not be there yet (or the database not reachable): start anyway and keep trying.
    migrations = new MigrationGate(vertx, db, "the webhook sender", () -> db.migrate(MODULE), this::begin);
    return Future.all(registrations).compose(v -> migrations.start());
  }

  private void begin() {
    if (stopping) {
      return;
    }
    started = true;
    log.debug("webhook sender {} on {}", senderId, db.describe());
    balanceTimer = vertx.setPeriodic(settings.leaseMs() / 3, t -> balance());
    // The safety net: deliveries nobody told this sender about (a lost notice, a claim that ran out).
    pollTimer = vertx.setPeriodic(settings.pollMs(), t -> lanes.values().forEach(lane -> lane.dueFrom(System.currentTimeMillis())));
    // Announced first, partitions a moment later: instances deployed together count each other
    // and take their shares at once, rather than one taking everything and handing half over.
    leases.announce(senderId, settings.leaseMs()).onComplete(ar -> vertx.setTimer(Math.min(300, settings.leaseMs() / 3), t -> balance()));
  }

  // ------------------------------------------------------------------ partitions and endpoints

  private void balanceSoon() {
    if (started && !stopping) {
      vertx.setTimer(10 + (long) (Math.random() * 40), t -> balance());
    }
  }

  private void balance() {
    if (stopping) {
      return;
    }
    if (balancing) {
      balanceAgain = true;
      return;
    }
    balancing = true;
    balanceAgain = false;
    leases.balance(senderId, settings.leaseMs(), EndpointStore.PARTITIONS).onComplete(ar -> {
      balancing = false;
      if (ar.failed()) {
        log.debug("webhook sender {}: partition leases: {}", senderId, ar.cause().toString());
        return;
      }
      Set<Integer> held = ar.result();
      if (!held.equals(owned)) {
        boolean gaveBack = !held.containsAll(owned);
        owned = held;
        log.debug("webhook sender {} holds {} partition(s)", senderId, held.size());
        if (gaveBack) {
          vertx.eventBus().publish(WebhookAddresses.REBALANCE, null);
        }
      }
      // Every round, not only when the partitions changed: endpoints created or changed on a node
      // whose notices do not reach this one (or a notice lost) are picked up within a round.
      reloadEndpoints();
      if (balanceAgain) {
        balance();
      }
    });
  }

  private void reloadEndpoints() {
    long asked = System.nanoTime();
    endpoints.ownedBy(senderId).onComplete(ar -> {
      if (ar.failed() || stopping) {
        return;
      }
      Set<String> present = new HashSet<>();
      long now = System.currentTimeMillis();
      for (Endpoint e : ar.result()) {
        if (!owned.contains(e.partition())) {
          continue;
        }
        present.add(e.id());
        Lane lane = lanes.get(e.id());
        if (lane == null) {
          lane = new Lane(this, e);
          lanes.put(e.id(), lane);
          lane.dueFrom(now);
        } else if (e.updatedAt() >= lane.endpoint().updatedAt()) {
          lane.update(e);
          lane.service();
        }
      }
      // Only lanes older than the query: one made meanwhile (a change notice) is newer than it.
      for (Lane lane : List.copyOf(lanes.values())) {
        if (!present.contains(lane.id) && lane.bornAt < asked) {
          lanes.remove(lane.id).retire();
        }
      }
    });
  }

  private void changed(JsonObject notice) {
    String id = notice.getString("id");
    Integer partition = notice.getInteger("partition");
    if (!started || stopping || id == null || partition == null || !owned.contains(partition)) {
      return;
    }
    endpoints.get(id).onComplete(ar -> {
      Lane lane = lanes.get(id);
      if (ar.failed()) {
        if (lane != null && ar.cause() instanceof io.switchboard.core.Problem p && p.status() == 404) {
          lanes.remove(id).retire();
        }
        return;
      }
      if (!owned.contains(partition) || stopping) {
        return;
      }
      if (lane == null) {
        lane = new Lane(this, ar.result());
        lanes.put(id, lane);
        lane.dueFrom(System.currentTimeMillis());
      } else if (ar.result().updatedAt() >= lane.endpoint().updatedAt()) {
        lane.update(ar.result());
        lane.service();
      }
    });
  }

  private void due(JsonObject notice) {
    JsonArray ids = notice == null ? null : notice.getJsonArray("endpoints");
    if (ids == null) {
      return;
    }
    long now = System.currentTimeMillis();
    for (Object id : ids) {
      Lane lane = lanes.get(String.valueOf(id));
      if (lane != null) {
        lane.dueFrom(now);
      }
    }
  }

  /** After a batch of outcomes is committed: retries and released deliveries tell their lanes when to look again. */
  private void written(List<Outcome> batch) {
    for (Outcome outcome : batch) {
      if (outcome instanceof Outcome.Attempted a && DeliveryStore.PENDING.equals(a.status())) {
        dueAt(a.delivery().endpointId(), a.nextAttemptAt());
      } else if (outcome instanceof Outcome.Released r) {
        dueAt(r.delivery().endpointId(), r.dueAt());
      } else if (outcome instanceof Outcome.Disabled d) {
        announceDisabled(d);
      }
    }
  }

  private void dueAt(String endpointId, long at) {
    Lane lane = lanes.get(endpointId);
    if (lane != null) {
      lane.dueFrom(at);
    }
  }

  // ------------------------------------------------------------------ Lane.Host

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public WebhookSettings settings() {
    return settings;
  }

  @Override
  public SenderStore store() {
    return store;
  }

  @Override
  public HttpPoster poster() {
    return poster;
  }

  @Override
  public AddressGuard guard() {
    return guard;
  }

  @Override
  public String senderId() {
    return senderId;
  }

  @Override
  public void record(Outcome outcome) {
    writer.add(outcome);
  }

  @Override
  public void attempted(boolean ok, int latencyMs, boolean lastRetry) {
    (ok ? delivered : failedAttempts).increment();
    latency.record(latencyMs, TimeUnit.MILLISECONDS);
    if (lastRetry) {
      exhausted.increment();
    }
  }

  @Override
  public void circuitChanged(Lane lane, String from, String to) {
    boolean wasOpen = !"closed".equals(from);
    boolean isOpen = "open".equals(to) || "half_open".equals(to);
    if (!wasOpen && isOpen) {
      openCircuits.incrementAndGet();
    } else if (wasOpen && !isOpen) {
      openCircuits.decrementAndGet();
    }
    // Opening and closing at the same level, both naming the endpoint, so an operator sees both.
    if ("open".equals(to) && "closed".equals(from)) {
      circuitOpenedAt.put(lane.id, System.currentTimeMillis());
      log.warn("webhook {} ({}): circuit open after {} failures; deliveries wait, one probe every {} ms", lane.id,
          lane.endpoint().url(), settings.breakerFailures(), settings.breakerResetMs());
    } else if ("closed".equals(to) && wasOpen) {
      Long openedAt = circuitOpenedAt.remove(lane.id);
      log.warn("webhook {} ({}): circuit closed, the endpoint answers again{}; deliveries resume", lane.id,
          lane.endpoint().url(), openedAt == null ? "" : " after " + (System.currentTimeMillis() - openedAt) + " ms open");
    } else if ("gone".equals(to)) {
      circuitOpenedAt.remove(lane.id);
    }
  }

  @Override
  public void disabled(Lane lane, String reason) {
    disabledCount.increment();
    log.warn("webhook {} ({}) disabled: {}", lane.id, lane.endpoint().url(), reason);
    writer.add(new Outcome.Disabled(lane.id, reason));
  }

  /** Once the endpoint is off in the database: the notice on the event bus, and as a topic message. */
  private void announceDisabled(Outcome.Disabled d) {
    Lane lane = lanes.get(d.endpointId());
    Endpoint e = lane == null ? null : lane.endpoint();
    long now = System.currentTimeMillis();
    JsonObject notice = new JsonObject().put("id", d.endpointId()).put("url", e == null ? null : e.url())
        .put("reason", d.reason()).put("failing_since", e == null ? null : Endpoint.time(e.failingSince()))
        .put("disabled_at", Instant.ofEpochMilli(now).toString());
    EventBus bus = vertx.eventBus();
    bus.publish(WebhookAddresses.DISABLED, notice);
    bus.publish(WebhookAddresses.CHANGED, new JsonObject().put("id", d.endpointId()).put("partition", EndpointStore.partitionOf(d.endpointId())));
    JsonObject event = new JsonObject().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
        .put("source", source).put("type", WebhookAddresses.DISABLED).put("subject", d.endpointId())
        .put("time", Instant.ofEpochMilli(now).toString()).put("datacontenttype", "application/json").put("data", notice);
    bus.request(Addresses.TOPICS_PUBLISH, new JsonObject().put("topic", WebhookAddresses.TOPIC).put("event", event),
            new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, WebhookAddresses.ORIGIN))
        .onFailure(err -> log.debug("webhook disabled notice not published as a topic message: {}", err.toString()));
  }

  // ------------------------------------------------------------------ stop

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(balanceTimer);
    vertx.cancelTimer(pollTimer);
    if (migrations != null) {
      migrations.close();
    }
    if (writer == null) {
      return db == null ? Future.succeededFuture() : db.close();
    }
    lanes.values().forEach(Lane::retire);
    // Attempts in flight get a moment to end and be written; what is left runs out its lease.
    return awaitInFlight(System.currentTimeMillis() + 3000)
        .compose(v -> writer.drain(2000))
        .compose(v -> started ? leases.leave(senderId).otherwiseEmpty() : Future.succeededFuture())
        .eventually(() -> {
          writer.close();
          poster.close();
          return db.close();
        });
  }

  private Future<Void> awaitInFlight(long deadline) {
    int inFlight = lanes.values().stream().mapToInt(Lane::inFlight).sum();
    if (inFlight == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(50).compose(t -> awaitInFlight(deadline));
  }
}
