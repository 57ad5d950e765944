package io.switchboard.webhook;

import io.switchboard.core.Addresses;
import io.switchboard.core.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out of store events: one instance cluster-wide (a lease in the database) follows the
 * event store's {@code $all} by a catch-up subscription from its checkpoint, and for each batch
 * writes the deliveries of the events and the new checkpoint in one transaction before it asks
 * for the next. A crash anywhere repeats at most the batch that was not committed, and the unique
 * (event, endpoint) key makes that a no-op: every appended event is fanned out exactly once.
 *
 * <p>Never the best-effort topic announcement of store events (those topic messages are skipped).
 * Event loop only.
 */
final class StoreFollower {

  private static final Logger log = LoggerFactory.getLogger(StoreFollower.class);

  private final Vertx vertx;
  private final Database db;
  private final Leases leases;
  private final DeliveryStore deliveries;
  private final Supplier<EndpointMatcher> matcher;
  private final Consumer<List<DeliveryStore.NewDelivery>> written;
  private final Runnable leader;
  private final String owner;
  private final String source;
  private final long leaseMs;
  private final long heartbeatMs;
  private long timer = -1;
  private boolean holding;
  private boolean busy;
  private MessageConsumer<JsonObject> consumer;
  private long lastHeard;
  private boolean stopped;
  /** The patterns the subscription asked the store to filter for; other patterns since: subscribe again. */
  private Set<String> subscribedFor = Set.of();
  /** Checkpoint writes, one at a time, in order. */
  private Future<Void> writes = Future.succeededFuture();
  /** How far batches without deliveries went; written a moment later, not one transaction per batch. */
  private long passedTo;
  /** The last position this subscription's batches were handled up to (committed or passed). */
  private long readTo;
  private long checkpointTimer = -1;
  private static final long CHECKPOINT_DELAY_MS = 200;

  /**
   * @param written told of the deliveries of each commit
   * @param leader  run on each tick while this instance holds the lease (periodic duties of the one follower)
   */
  StoreFollower(Vertx vertx, Database db, Leases leases, DeliveryStore deliveries, Supplier<EndpointMatcher> matcher,
                Consumer<List<DeliveryStore.NewDelivery>> written, Runnable leader, String owner, String source, long leaseMs) {
    this.vertx = vertx;
    this.db = db;
    this.leases = leases;
    this.deliveries = deliveries;
    this.matcher = matcher;
    this.written = written;
    this.leader = leader;
    this.owner = owner;
    this.source = source;
    this.leaseMs = leaseMs;
    this.heartbeatMs = Math.max(100, Math.min(5000, leaseMs / 3));
  }

  void start() {
    timer = vertx.setPeriodic(leaseMs / 3, t -> tick());
    tick();
  }

  boolean holding() {
    return holding;
  }

  private void tick() {
    if (stopped || busy) {
      return;
    }
    busy = true;
    Future<Void> round;
    if (holding) {
      round = leases.renewCheckpoint(owner, leaseMs).map(kept -> {
        if (!kept) {
          log.info("webhook store follower {}: lease lost, standing by", owner);
          unfollow();
          holding = false;
        } else if (consumer == null || System.currentTimeMillis() - lastHeard > 3 * heartbeatMs) {
          // Not subscribed, or the store went quiet (it sends a heartbeat): subscribe afresh.
          resubscribe();
        }
        return null;
      });
    } else {
      round = leases.takeCheckpoint(owner, leaseMs, this::storeHead).map(position -> {
        if (position != null) {
          holding = true;
          log.info("webhook store follower {}: following $all after position {}", owner, position);
          follow(position);
        }
        return null;
      });
    }
    round.onComplete(ar -> {
      busy = false;
      if (ar.failed()) {
        log.debug("webhook store follower {}: {}", owner, ar.cause().toString());
      } else if (holding) {
        leader.run();
      }
    });
  }

  /** The store's last position (0 when empty): where the first follower ever starts. */
  private Future<Long> storeHead() {
    JsonObject read = new JsonObject().put("stream", "$all").put("direction", "backward").put("limit", 1);
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, read).map(reply -> {
      JsonArray events = reply.body().getJsonArray("events", new JsonArray());
      return events.isEmpty() ? 0L : events.getJsonObject(0).getLong("position");
    });
  }

  private void resubscribe() {
    unfollow();
    db.pool().preparedQuery(db.sql("SELECT position FROM webhook_checkpoints WHERE name = $1 AND owner = $2"))
        .execute(io.vertx.sqlclient.Tuple.of(Leases.STORE_CHECKPOINT, owner))
        .onSuccess(rows -> {
          if (rows.size() == 1 && holding && !stopped) {
            follow(rows.iterator().next().getLong(0));
          }
        });
  }

  private void follow(long after) {
    readTo = after;
    String address = "switchboard.webhooks.follower." + UUID.randomUUID();
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(address, this::batch);
    consumer = c;
    lastHeard = System.currentTimeMillis();
    // Only events some endpoint wants: the store reads just positions and types past the rest.
    subscribedFor = Set.copyOf(matcher.get().patterns());
    JsonObject request = new JsonObject().put("stream", "$all").put("after", after).put("address", address)
        .put("heartbeat_ms", heartbeatMs).put("type_patterns", new JsonArray(List.copyOf(subscribedFor)));
    c.completion()
        .compose(v -> vertx.eventBus().request(Addresses.EVENTSTORE_SUBSCRIBE, request))
        .onFailure(e -> {
          log.debug("webhook store follower {}: cannot subscribe to the store, retrying: {}", owner, e.toString());
          if (consumer == c) {
            unfollow();
          }
        });
  }

  private void unfollow() {
    vertx.cancelTimer(checkpointTimer);
    checkpointTimer = -1;
    passedTo = 0;
    if (consumer != null) {
      consumer.unregister();
      consumer = null;
    }
  }

  private void batch(Message<JsonObject> message) {
    lastHeard = System.currentTimeMillis();
    if (!holding || stopped) {
      message.fail(410, "this follower stopped");
      return;
    }
    EndpointMatcher targets = matcher.get();
    if (!subscribedFor.equals(targets.patterns())) {
      // The endpoints changed: this batch was filtered for the old ones. Again from where the
      // previous batches left off (not the checkpoint, which may lag: a new endpoint must not get
      // the events before it, as it would not have without the filter).
      message.fail(410, "the endpoints changed");
      long from = readTo;
      unfollow();
      follow(from);
      return;
    }
    JsonArray events = message.body().getJsonArray("events", new JsonArray());
    Long through = message.body().getLong("through");
    if (events.isEmpty()) {
      message.reply(null);
      if (through != null && through > passedTo) {
        readTo = Math.max(readTo, through);
        checkpointSoon(through);
      }
      return;
    }
    List<DeliveryStore.NewDelivery> rows = new ArrayList<>();
    long last = 0;
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.getJsonObject(i);
      last = event.getLong("position");
      String type = event.getString("type");
      Set<EndpointMatcher.Target> matched = targets.match(type);
      if (matched.isEmpty()) {
        continue;
      }
      String body = StoreEvents.cloudEvent(event, source).encode();
      for (EndpointMatcher.Target t : matched) {
        rows.add(new DeliveryStore.NewDelivery(t.id(), t.partition(), event.getString("id"), type, "store", body));
      }
    }
    long position = Math.max(last, through == null ? 0 : through);
    write(() -> db.inTransaction(conn -> deliveries.insert(conn, rows).compose(v -> leases.advance(conn, owner, position, leaseMs))))
        .onSuccess(v -> {
          readTo = Math.max(readTo, position);
          message.reply(null);
          if (!rows.isEmpty()) {
            written.accept(rows);
          }
        })
        .onFailure(e -> {
          // The subscription ends; the next tick subscribes again from the committed checkpoint.
          log.debug("webhook store follower {}: batch up to position {} not written: {}", owner, position, e.toString());
          message.fail(503, "not written: " + e.getMessage());
          unfollow();
        });
  }

  private void checkpointSoon(long through) {
    passedTo = through;
    if (checkpointTimer >= 0) {
      return;
    }
    MessageConsumer<JsonObject> subscription = consumer;
    checkpointTimer = vertx.setTimer(CHECKPOINT_DELAY_MS, t -> {
      checkpointTimer = -1;
      long target = passedTo;
      if (consumer != subscription || stopped || !holding) {
        return;
      }
      write(() -> db.inTransaction(conn -> leases.advance(conn, owner, target, leaseMs)))
          .onFailure(e -> log.debug("webhook store follower {}: checkpoint {} not written: {}", owner, target, e.toString()));
    });
  }

  /** Runs a checkpoint write after the ones before it: a late write never moves the checkpoint back. */
  private Future<Void> write(Supplier<Future<Void>> work) {
    Future<Void> done = writes.transform(ignored -> work.get());
    writes = done.otherwiseEmpty();
    return done;
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    unfollow();
    return holding ? leases.releaseCheckpoint(owner).otherwiseEmpty() : Future.succeededFuture();
  }
}
