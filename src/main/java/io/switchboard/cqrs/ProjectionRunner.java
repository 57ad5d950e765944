package io.switchboard.cqrs;

import io.micrometer.core.instrument.Counter;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active runner of one projection, in the projector instance holding its lock.
 *
 * <p>It takes the projection over (a new epoch in its checkpoint row), then subscribes to the
 * store's {@code $all} after the checkpoint. Each batch the store sends is applied in one
 * transaction whose first statement moves the checkpoint, fenced by the epoch and the position
 * this runner last wrote; the reply to the store (which then sends the next batch) follows the
 * commit. So a batch is committed whole or not at all, and a runner that lost its lock to another
 * finds its fence gone and stops without writing.
 *
 * <p>An event the projection fails on stops it there: the events before it in the batch are
 * committed, the checkpoint stays just before it, and the row says {@code failed} with the error
 * and the event, until an admin retries or skips it. A database that cannot be reached is not the
 * projection's fault: the runner resubscribes from its checkpoint with a backoff.
 *
 * <p>All work (batches, admin actions) runs one step at a time, on the verticle's event loop.
 */
final class ProjectionRunner {

  private static final Logger log = LoggerFactory.getLogger(ProjectionRunner.class);
  private static final long STOP_WAIT_MS = 2000;
  private static final long MAX_BACKOFF_MS = 30_000;
  private static final int MAX_ERROR_LENGTH = 2000;

  /** The address the runner takes admin actions on, while it runs the projection. */
  static String adminAddress(String projection) {
    return "switchboard.projections.runner." + projection;
  }

  private final Vertx vertx;
  private final Projection projection;
  private final String name;
  private final Set<String> types;
  private final Database db;
  private final String runnerId;
  private final long heartbeatMs;
  private final Map<String, String> sql;
  private final Runnable onLostOwnership;
  private final Counter applied;
  private final boolean postgres;
  /** cqrs.undecodable for this projection is skip: an {@link Undecodable} event is recorded as skipped, not a stop. */
  private final boolean skipUndecodable;
  private final Counter skippedCount;
  /** Skipped in the batch under way: added to {@link #skippedPositions} once it commits. */
  private final List<Long> skippedInBatch = new ArrayList<>();

  private long epoch;
  private long position;
  private String status = Checkpoints.RUNNING;
  private String error;
  private JsonObject failedEvent;
  /** Positions an admin skipped (projection_skipped_events): passed over whenever they come again, as in a rebuild. */
  private final Set<Long> skippedPositions = new HashSet<>();
  private boolean stopped;
  private Future<Void> tail = Future.succeededFuture();
  private MessageConsumer<JsonObject> batches;
  private MessageConsumer<JsonObject> admin;
  private boolean busy;
  private long lastHeard;
  private long watchdog = -1;
  private long retryTimer = -1;
  private long backoffMs = 500;
  /** How far batches without the projection's events went (the checkpoint follows, see checkpointSoon). */
  private long passedTo;
  private long checkpointTimer = -1;
  private static final long CHECKPOINT_DELAY_MS = 200;

  /** Thrown inside a batch when the fence does not hold: another runner took the projection over. */
  private static final class LostOwnership extends RuntimeException {
    LostOwnership() {
      super("the checkpoint moved under this runner: another runner has the projection", null, false, false);
    }
  }

  /** The projection failed on the event at {@code index} of the batch. */
  private static final class EventFailed extends RuntimeException {
    final int index;

    EventFailed(int index, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.index = index;
    }
  }

  ProjectionRunner(Vertx vertx, Projection projection, Database db, String runnerId, long heartbeatMs,
                   Map<String, String> sql, Runnable onLostOwnership, boolean skipUndecodable) {
    this.vertx = vertx;
    this.projection = projection;
    this.name = projection.name();
    this.types = Set.copyOf(projection.eventTypes());
    this.db = db;
    this.runnerId = runnerId;
    this.heartbeatMs = heartbeatMs;
    this.sql = sql;
    this.onLostOwnership = onLostOwnership;
    this.postgres = db.dialect() == Dialect.POSTGRES;
    this.skipUndecodable = skipUndecodable;
    this.skippedCount = Counter.builder("switchboard.cqrs.projection.skipped").tag("projection", name)
        .description("Events the projection passed over as undecodable (cqrs.undecodable: skip)").register(Metrics.registry());
    this.applied = Counter.builder("switchboard.cqrs.projection.events").tag("projection", name)
        .description("Events applied to the projection's read model").register(Metrics.registry());
  }

  /** Takes the projection over and starts following the store (or waits for an admin, if it is failed). */
  Future<Void> start() {
    return takeOver(3).compose(v -> loadSkipped()).compose(v -> {
      admin = vertx.eventBus().consumer(adminAddress(name), this::onAdmin);
      return admin.completion();
    }).onSuccess(v -> {
      log.info("projection {} runs here ({}) from position {}{}", name, runnerId, position,
          failed() ? ", stopped at a failed event: " + error : "");
      watchdog = vertx.setPeriodic(heartbeatMs, t -> checkHeartbeat());
      subscribe();
    });
  }

  /** Stops taking events; the future completes when the work under way is done (or after a bound). */
  Future<Void> stop() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    vertx.cancelTimer(watchdog);
    vertx.cancelTimer(retryTimer);
    vertx.cancelTimer(checkpointTimer);
    unsubscribe();
    Future<Void> unregistered = admin == null ? Future.succeededFuture() : admin.unregister();
    Promise<Void> bounded = Promise.promise();
    long timer = vertx.setTimer(STOP_WAIT_MS, t -> bounded.tryComplete());
    tail.onComplete(ar -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete();
    });
    return Future.all(unregistered.otherwiseEmpty(), bounded.future()).mapEmpty();
  }

  private boolean failed() {
    return Checkpoints.FAILED.equals(status);
  }

  // ------------------------------------------------------------------ take-over

  /**
   * Reads the checkpoint row (creating it at 0 the first time) and moves it to a new epoch, if
   * nothing changed in between; else reads it again. In a transaction of its own: on H2 a pool
   * connection that once ran a transaction does not commit plain statements by itself.
   */
  private Future<Void> takeOver(int attempts) {
    return db.<Boolean>inTransaction(conn -> conn.preparedQuery(sql(Checkpoints.SELECT_TO_TAKE_OVER)).execute(Tuple.of(name))
        .compose(rows -> {
          if (!rows.iterator().hasNext()) {
            return conn.preparedQuery(sql(Checkpoints.INSERT)).execute(Tuple.of(name, runnerId, Checkpoints.now())).map(inserted -> {
              epoch = 1;
              position = 0;
              status = Checkpoints.RUNNING;
              return true;
            });
          }
          Row row = rows.iterator().next();
          long seen = row.getLong(4);
          return conn.preparedQuery(sql(Checkpoints.TAKE_OVER))
              .execute(Tuple.of(seen + 1, runnerId, Checkpoints.now(), name, seen, row.getLong(0)).addString(row.getString(1)))
              .map(updated -> {
                if (updated.rowCount() != 1) {
                  return false;
                }
                epoch = seen + 1;
                position = row.getLong(0);
                status = row.getString(1);
                error = row.getString(2);
                Object failedAt = db.dialect().jsonValue(row.getValue(3));
                failedEvent = failedAt instanceof JsonObject json ? json : null;
                return true;
              });
        }))
        .recover(e -> Dialect.isUniqueViolation(e) ? Future.succeededFuture(false) : Future.failedFuture(e))
        .compose(taken -> taken ? Future.<Void>succeededFuture()
            : attempts > 1 ? takeOver(attempts - 1)
            : Future.failedFuture("projection " + name + " is being taken over by another runner"));
  }

  private Future<Void> loadSkipped() {
    return db.pool().preparedQuery(sql(Checkpoints.SELECT_SKIPPED)).execute(Tuple.of(name)).map(rows -> {
      rows.forEach(row -> skippedPositions.add(row.getLong(0)));
      return null;
    });
  }

  /** Whether the projection applies this event: one of its types, and not skipped by an admin. */
  private boolean applies(RecordedEvent event) {
    return types.contains(event.type()) && !skippedPositions.contains(event.position());
  }

  // ------------------------------------------------------------------ following the store

  private void subscribe() {
    if (stopped || failed() || batches != null) {
      return;
    }
    String address = "switchboard.projections.subscription." + UUID.randomUUID();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address);
    consumer.handler(m -> onBatch(consumer, m));
    batches = consumer;
    lastHeard = System.currentTimeMillis();
    // Only the projection's types: the store reads just positions and types past the rest.
    JsonObject request = new JsonObject().put("stream", "$all").put("after", position).put("address", address)
        .put("heartbeat_ms", heartbeatMs).put("types", new JsonArray(List.copyOf(types)));
    consumer.completion()
        .compose(v -> vertx.eventBus().request(Addresses.EVENTSTORE_SUBSCRIBE, request))
        .onFailure(e -> {
          if (batches == consumer) {
            unsubscribe();
            retryLater("cannot subscribe to the store: " + Problem.from(e, Addresses.EVENTSTORE_SUBSCRIBE).detail());
          }
        });
  }

  private void unsubscribe() {
    // What batches without events passed is the subscription's: the next one starts at the checkpoint.
    vertx.cancelTimer(checkpointTimer);
    checkpointTimer = -1;
    passedTo = 0;
    if (batches != null) {
      batches.unregister();
      batches = null;
    }
  }

  private void retryLater(String why) {
    if (stopped) {
      return;
    }
    log.warn("projection {}: {}; trying again from position {} in {} ms", name, why, position, backoffMs);
    vertx.cancelTimer(retryTimer);
    retryTimer = vertx.setTimer(backoffMs, t -> subscribe());
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  /** The store sends a heartbeat every heartbeatMs; three missed and the subscription is presumed gone. */
  private void checkHeartbeat() {
    if (batches != null && !busy && System.currentTimeMillis() - lastHeard > 3 * heartbeatMs) {
      unsubscribe();
      retryLater("no word from the store's subscription for " + 3 * heartbeatMs + " ms");
    }
  }

  private void onBatch(MessageConsumer<JsonObject> consumer, Message<JsonObject> message) {
    if (consumer != batches) {
      message.fail(410, "this subscription was closed");
      return;
    }
    lastHeard = System.currentTimeMillis();
    JsonArray json = message.body().getJsonArray("events", new JsonArray());
    List<RecordedEvent> events = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      RecordedEvent event = RecordedEvent.from(json.getJsonObject(i));
      if (event.position() > position) {
        events.add(event);
      }
    }
    // How far the batch covers: past its last event when the store skipped events of other types.
    Long through = message.body().getLong("through");
    long upTo = Math.max(events.isEmpty() ? position : events.get(events.size() - 1).position(), through == null ? 0 : through);
    if (events.isEmpty()) {
      message.reply(null);
      if (upTo > position) {
        checkpointSoon(upTo);
      }
      return;
    }
    busy = true;
    serially(() -> applyBatch(events, upTo)).onComplete(ar -> {
      busy = false;
      lastHeard = System.currentTimeMillis();
      if (ar.succeeded()) {
        message.reply(null);
      } else {
        // The store ends the subscription; what happens next was decided in applyBatch.
        message.fail(500, String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  /**
   * A batch with none of the projection's events only moves the checkpoint: written once the
   * store has been quiet for a moment (or with the next events), not one transaction per batch.
   */
  private void checkpointSoon(long upTo) {
    passedTo = Math.max(passedTo, upTo);
    if (checkpointTimer >= 0) {
      return;
    }
    MessageConsumer<JsonObject> subscription = batches;
    checkpointTimer = vertx.setTimer(CHECKPOINT_DELAY_MS, t -> {
      checkpointTimer = -1;
      serially(() -> {
        long target = passedTo;
        if (stopped || failed() || batches != subscription || target <= position) {
          return Future.succeededFuture();
        }
        return transaction(List.of(), target, null).onSuccess(v -> advanced(target)).recover(e -> afterFailure(List.of(), e));
      });
    });
  }

  private Future<Void> applyBatch(List<RecordedEvent> events, long upTo) {
    if (stopped) {
      return Future.failedFuture("the runner stopped");
    }
    long last = upTo;
    skippedInBatch.clear();
    return transaction(events, last, null).onSuccess(v -> {
      skippedPositions.addAll(skippedInBatch);
      skippedCount.increment(skippedInBatch.size());
      backoffMs = 500;
      advanced(last);
    }).recover(e -> afterFailure(events, e));
  }

  /**
   * One batch: the fenced checkpoint update first (awaited, so a runner without the fence never
   * applies anything), then the events in order, then commit. With {@code failure}, the checkpoint
   * also records that the projection stopped at that event.
   */
  private Future<Void> transaction(List<RecordedEvent> events, long newPosition, JsonObject failure) {
    return db.inTransaction(conn -> {
      ProjectionTx tx = new ProjectionTx(conn, db.dialect(), sql);
      // No waiting for the WAL flush at commit: a batch lost in a database crash is lost with its
      // checkpoint, and applied again from the events, which the store did write durably.
      Future<?> relaxed = postgres ? conn.query("SET LOCAL synchronous_commit TO OFF").execute() : Future.succeededFuture();
      Future<Void> fence = advance(conn, newPosition, failure == null ? Checkpoints.RUNNING : Checkpoints.FAILED, failure);
      return Future.all(relaxed, fence).compose(v -> applyAll(events, tx));
    });
  }

  private Future<Void> advance(SqlConnection conn, long newPosition, String newStatus, JsonObject failure) {
    Tuple params = Tuple.of(newPosition, newStatus, failure == null ? null : failure.getString("error"),
        failure == null ? null : db.dialect().json(failure.getJsonObject("event")), Checkpoints.now(), name, epoch, position);
    params.addString(status);
    return conn.preparedQuery(sql(Checkpoints.ADVANCE)).execute(params).compose(this::fenced);
  }

  private Future<Void> fenced(RowSet<Row> rows) {
    return rows.rowCount() == 1 ? Future.succeededFuture() : Future.failedFuture(new LostOwnership());
  }

  private Future<Void> applyAll(List<RecordedEvent> events, ProjectionTx tx) {
    if (postgres && projection.pipelinable()) {
      return applyPipelined(events, tx);
    }
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < events.size(); i++) {
      RecordedEvent event = events.get(i);
      if (!applies(event)) {
        continue;
      }
      int index = i;
      chain = chain.compose(v -> {
        Future<Void> one;
        try {
          one = projection.apply(event, tx);
        } catch (RuntimeException e) {
          one = Future.failedFuture(e);
        }
        return one.recover(e -> passOver(event, e, tx)).recover(e -> Future.failedFuture(new EventFailed(index, e)));
      });
    }
    return chain;
  }

  /** Every event's statements issued at once; the first event (in order) that failed is the one reported. */
  private Future<Void> applyPipelined(List<RecordedEvent> events, ProjectionTx tx) {
    List<Future<Void>> applied = new ArrayList<>();
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      RecordedEvent event = events.get(i);
      if (!applies(event)) {
        continue;
      }
      Future<Void> one;
      try {
        one = projection.apply(event, tx);
      } catch (RuntimeException e) {
        one = Future.failedFuture(e);
      }
      one = one.recover(e -> passOver(event, e, tx));
      applied.add(one);
      indexes.add(i);
      if (one.failed()) {
        break;
      }
    }
    return Future.join(applied).<Void>mapEmpty().recover(e -> {
      for (int k = 0; k < applied.size(); k++) {
        if (applied.get(k).failed()) {
          return Future.failedFuture(new EventFailed(indexes.get(k), applied.get(k).cause()));
        }
      }
      return Future.failedFuture(e);
    });
  }

  /** With the skip policy an undecodable event is recorded as skipped, in the batch's transaction; else it fails. */
  private Future<Void> passOver(RecordedEvent event, Throwable e, ProjectionTx tx) {
    if (!skipUndecodable || !(e instanceof Undecodable)) {
      return Future.failedFuture(e);
    }
    String reason = undecodable(event, e);
    return tx.execute(Checkpoints.skipped(db.dialect()), Tuple.of(name, event.position(), db.dialect().json(event.reference()),
        reason, Checkpoints.now())).map(rows -> {
          skippedInBatch.add(event.position());
          log.warn("projection {}: skipped {} (cqrs.undecodable: skip)", name, reason);
          return null;
        });
  }

  private static String undecodable(RecordedEvent event, Throwable e) {
    return event.type() + " at position " + event.position() + " " + e.getMessage();
  }

  private void advanced(long newPosition) {
    long appliedNow = newPosition - position;
    position = newPosition;
    applied.increment(appliedNow > 0 ? appliedNow : 0);
    vertx.eventBus().publish(Addresses.PROJECTIONS_PROGRESS, new JsonObject().put("name", name).put("position", position));
  }

  private Future<Void> afterFailure(List<RecordedEvent> events, Throwable e) {
    if (e instanceof LostOwnership) {
      log.warn("projection {}: {} (this runner had epoch {}, position {}); it stops", name, e.getMessage(), epoch, position);
      stop();
      onLostOwnership.run();
      return Future.failedFuture(e);
    }
    if (e instanceof EventFailed f && !isTransient(f.getCause())) {
      RecordedEvent bad = events.get(f.index);
      List<RecordedEvent> before = events.subList(0, f.index);
      long stopAt = before.isEmpty() ? position : before.get(before.size() - 1).position();
      String reason = f.getCause() instanceof Undecodable ? undecodable(bad, f.getCause()) : describe(f.getCause());
      JsonObject failure = new JsonObject().put("error", reason).put("event", bad.reference());
      return transaction(before, stopAt, failure).compose(v -> {
        advanced(stopAt);
        status = Checkpoints.FAILED;
        error = reason;
        failedEvent = bad.reference();
        unsubscribe();
        log.error("projection {} stopped at event {} ({} of {}, position {}): {}; retry or skip it at "
            + "POST /api/v1/projections/{}/retry or /skip", name, bad.id(), bad.type(), bad.stream(), bad.position(),
            reason, name, f.getCause());
        return Future.<Void>failedFuture(e);
      }).recover(again -> again == e ? Future.failedFuture(e) : afterFailure(before, again));
    }
    Throwable cause = e instanceof EventFailed f ? f.getCause() : e;
    unsubscribe();
    retryLater(db.problem(cause, "applying a batch").detail());
    return Future.failedFuture(e);
  }

  /** Failures that say nothing about the projection: the database out of reach, a deadlock, a serialization conflict. */
  private static boolean isTransient(Throwable e) {
    String state = Dialect.sqlState(e);
    return Dialect.isUnavailable(e) || (state != null && state.startsWith("40"));
  }

  private static String describe(Throwable e) {
    String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return text.length() > MAX_ERROR_LENGTH ? text.substring(0, MAX_ERROR_LENGTH) + "…" : text;
  }

  // ------------------------------------------------------------------ admin actions

  private void onAdmin(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Future<JsonObject> result;
    try {
      result = switch (String.valueOf(body.getValue("action"))) {
        case "rebuild" -> rebuild();
        case "retry" -> retry();
        case "skip" -> skip(requiredPosition(body.getValue("position")));
        default -> throw Problem.badRequest("invalid-action", "a projection's actions are rebuild, retry and skip");
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> {
      Problem problem = e instanceof Problem p ? p : db.problem(e, "projection " + name);
      problem.failReply(message);
    });
  }

  /** Resets the read model and the checkpoint to zero in one transaction, then follows the store from the start. */
  private Future<JsonObject> rebuild() {
    unsubscribe();
    return serially(() -> head().compose(head -> db.<Void>inTransaction(conn -> conn.preparedQuery(sql(Checkpoints.REBUILD))
            .execute(Tuple.of(head, Checkpoints.now(), name, epoch))
            .compose(this::fenced)
            .compose(v -> projection.reset(new ProjectionTx(conn, db.dialect(), sql))))
        .map(v -> head)))
        .map(head -> {
          log.info("projection {} rebuilds from position 0 (the store's head is {})", name, head);
          position = 0;
          status = Checkpoints.RUNNING;
          error = null;
          failedEvent = null;
          backoffMs = 500;
          vertx.eventBus().publish(Addresses.PROJECTIONS_PROGRESS, new JsonObject().put("name", name).put("position", 0));
          subscribe();
          return state("rebuilding").put("rebuild_until", head);
        })
        .recover(e -> {
          Future<JsonObject> failure = ownershipCheck(e);
          subscribe();   // nothing was reset: carry on from where it was (unless stopped)
          return failure;
        });
  }

  private Future<JsonObject> retry() {
    return serially(() -> {
      if (!failed()) {
        return Future.failedFuture(notFailed());
      }
      return db.<Void>inTransaction(conn -> advance(conn, position, Checkpoints.RUNNING, null)).map(v -> {
        log.info("projection {}: retrying the event at position {}", name, failedEvent.getLong("position"));
        status = Checkpoints.RUNNING;
        error = null;
        failedEvent = null;
        backoffMs = 500;
        subscribe();
        return state(Checkpoints.RUNNING);
      });
    }).recover(this::ownershipCheck);
  }

  /** The position a skip names: required, so that a later failure is not skipped by mistake. */
  private static long requiredPosition(Object position) {
    if (position == null) {
      throw Problem.invalid("position-required", "position is required: the position of the failed event to skip "
          + "(?position= or {\"position\"}), as failed_event.position in GET /api/v1/projections shows it");
    }
    if (!(position instanceof Number n) || n.doubleValue() != n.longValue()) {
      throw Problem.invalid("invalid-position", "position must be an integer (the failed event's position), not " + position);
    }
    return n.longValue();
  }

  private Future<JsonObject> skip(long expectedPosition) {
    return serially(() -> {
      if (!failed()) {
        return Future.failedFuture(notFailed());
      }
      long at = failedEvent.getLong("position");
      if (expectedPosition != at) {
        return Future.failedFuture(Problem.conflict("other-failed-event", "projection " + name + " is stopped at the event at "
            + "position " + at + ", not " + expectedPosition, new JsonObject().put("failed_event", failedEvent)));
      }
      JsonObject skipped = failedEvent;
      String reason = error;
      return db.<Void>inTransaction(conn -> advance(conn, at, Checkpoints.RUNNING, null)
          .compose(v -> conn.preparedQuery(db.sql(Checkpoints.skipped(db.dialect())))
              .execute(Tuple.of(name, at, db.dialect().json(skipped), reason, Checkpoints.now())).mapEmpty()))
          .map(v -> {
            log.warn("projection {}: skipped the event at position {} ({}) by an admin's request", name, at, skipped.getString("id"));
            position = at;
            skippedPositions.add(at);
            status = Checkpoints.RUNNING;
            error = null;
            failedEvent = null;
            backoffMs = 500;
            subscribe();
            return state(Checkpoints.RUNNING).put("skipped", skipped);
          });
    }).recover(this::ownershipCheck);
  }

  private Problem notFailed() {
    return Problem.conflict("projection-not-failed", "projection " + name + " is " + status
        + " at position " + position + ": only a failed projection can be retried or skipped", null);
  }

  private Future<JsonObject> ownershipCheck(Throwable e) {
    if (e instanceof LostOwnership) {
      stop();
      onLostOwnership.run();
      return Future.failedFuture(new Problem(503, "no-runner", "Service unavailable",
          "projection " + name + " moved to another runner while this one was acting on it; try again"));
    }
    return Future.failedFuture(e);
  }

  private JsonObject state(String shownStatus) {
    JsonObject state = new JsonObject().put("name", name).put("position", position).put("status", shownStatus)
        .put("runner", runnerId);
    if (error != null) {
      state.put("error", error).put("failed_event", failedEvent);
    }
    return state;
  }

  /** The store's last position, the target of a rebuild. */
  private Future<Long> head() {
    JsonObject last = new JsonObject().put("stream", "$all").put("direction", "backward").put("limit", 1);
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, last)
        .recover(e -> Future.failedFuture(Problem.from(e, Addresses.EVENTSTORE_READ)))
        .map(reply -> {
          JsonArray events = reply.body().getJsonArray("events", new JsonArray());
          return events.isEmpty() ? 0L : events.getJsonObject(0).getLong("position");
        });
  }

  // ------------------------------------------------------------------ helpers

  /** Runs {@code work} after everything queued before it. */
  private <T> Future<T> serially(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    tail = tail.transform(ignored -> {
      Future<T> started;
      try {
        started = work.get();
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
      started.onComplete(done);
      return started.<Void>mapEmpty().otherwiseEmpty();
    });
    return done.future();
  }

  private String sql(String statement) {
    return sql.computeIfAbsent(statement, db::sql);
  }
}
