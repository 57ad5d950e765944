package io.switchboard.groups;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;
import io.switchboard.groups.GroupStore.LostOwnership;
import io.switchboard.groups.GroupStore.Parked;
import io.switchboard.groups.GroupStore.ParkedChange;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one coordinator of a consumer group, in the node holding the group's lock.
 *
 * <p>It reads the store's {@code $all} (or a category) after its checkpoint, in position order,
 * keeping the events of its source in a window; consumers fetch (long-polling) and get deliveries
 * {@code {delivery_id, attempt, event}}, which they ack or nack. The checkpoint is the highest
 * position below which every event is acked, parked or skipped; what is done above it is kept
 * beside it, so a coordinator that takes over redelivers exactly what was not done. Positions are
 * never counted: a hole in them (retention, a rolled-back append) is simply not there to wait for.
 *
 * <p>Acks and nacks are answered once written (the checkpoint and parked events in one fenced
 * transaction, coalesced while a write is under way): an acknowledged ack survives a crash.
 *
 * <p>Everything runs on the verticle's event loop.
 */
final class Coordinator {

  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
  private static final long TICK_MS = 100;
  private static final long FLUSH_IDLE_MS = 1000;

  static String address(String group) {
    return Addresses.groupCoordinator(group);
  }

  /** An event of the source not yet done: pending (consumer null) or in flight. */
  private static final class Entry {
    final long position;
    final String stream;
    final JsonObject event;
    final boolean replay;
    final long eventTime;
    int attempt;
    String consumer;
    long deadline;
    long notBefore;
    String lastError;

    Entry(long position, JsonObject event, boolean replay, int attempt) {
      this.position = position;
      this.stream = event.getString("stream", "");
      this.event = event;
      this.replay = replay;
      this.attempt = attempt;
      long time;
      try {
        time = Instant.parse(event.getString("time")).toEpochMilli();
      } catch (RuntimeException e) {
        time = System.currentTimeMillis();
      }
      this.eventTime = time;
    }

    String id() {
      return String.valueOf(position);
    }
  }

  /** A consumer: whoever fetches under one id (a WebSocket, an HTTP worker, a bridge client). */
  private static final class Consumer {
    final String id;
    final String transport;
    int inFlight;
    long lastSeen = System.currentTimeMillis();
    Waiter waiter;

    Consumer(String id, String transport) {
      this.id = id;
      this.transport = transport;
    }
  }

  private static final class Waiter {
    final Consumer consumer;
    final int max;
    final Promise<JsonArray> reply = Promise.promise();
    long timer = -1;

    Waiter(Consumer consumer, int max) {
      this.consumer = consumer;
      this.max = max;
    }
  }

  private final Vertx vertx;
  private final GroupSpec spec;
  private final GroupSpec.Matcher matcher;
  private final GroupStore store;
  private final GroupSettings settings;
  private final String runnerId;
  private final Runnable onLost;

  private long epoch;
  private long checkpoint;
  private long written = -1;
  private long readFrontier;
  private long head;
  private final TreeMap<Long, Entry> window = new TreeMap<>();
  private final TreeMap<Long, Entry> replays = new TreeMap<>();
  private final Map<String, Entry> inFlight = new HashMap<>();
  private final TreeSet<Long> doneAbove = new TreeSet<>();
  private final Map<String, Consumer> consumers = new LinkedHashMap<>();
  private final Set<String> busyStreams = new HashSet<>();
  private final List<ParkedChange> parkedChanges = new ArrayList<>();
  private final List<Promise<Void>> flushWaiters = new ArrayList<>();
  private long parkedCount;
  private boolean reading;
  /** An append was announced while a read was under way: read again after it (it may have missed it). */
  private boolean readAgain;
  private boolean caughtUp;
  private boolean flushing;
  private boolean dirty;
  private long lastFlush;
  private boolean stopped;
  private long tickTimer = -1;
  private long pollTimer = -1;
  private MessageConsumer<JsonObject> requests;
  private MessageConsumer<JsonObject> appended;
  private final List<Meter> meters = new ArrayList<>();
  private Counter delivered;
  private Counter acked;
  private Counter redelivered;
  private Counter parkedTotal;

  Coordinator(Vertx vertx, GroupSpec spec, GroupStore store, GroupSettings settings, String runnerId, Runnable onLost) {
    this.vertx = vertx;
    this.spec = spec;
    this.matcher = spec.matcher();
    this.store = store;
    this.settings = settings;
    this.runnerId = runnerId;
    this.onLost = onLost;
  }

  GroupSpec spec() {
    return spec;
  }

  // ------------------------------------------------------------------ life cycle

  Future<Void> start() {
    return store.takeOver(spec.name(), runnerId)
        .compose(cp -> {
          epoch = cp.epoch();
          checkpoint = cp.position();
          written = checkpoint;
          readFrontier = checkpoint;
          for (Object range : cp.done()) {
            JsonArray r = (JsonArray) range;
            for (long p = r.getLong(0); p <= r.getLong(1); p++) {
              doneAbove.add(p);
            }
          }
          return store.parked(spec.name(), GroupStore.REPLAYING, null, settings.maxWindow());
        })
        .compose(replaying -> {
          replaying.forEach(p -> replays.put(p.position(), new Entry(p.position(), p.event(), true, 0)));
          return store.parkedCount(spec.name());
        })
        .compose(count -> {
          parkedCount = count;
          registerMeters();
          appended = vertx.eventBus().consumer(Addresses.EVENTSTORE_APPENDED, m -> onAppended(m.body()));
          requests = vertx.eventBus().consumer(address(spec.name()), this::onRequest);
          return Future.all(appended.completion(), requests.completion()).<Void>mapEmpty();
        })
        .onSuccess(v -> {
          log.info("group {} coordinated here ({}) from position {}", spec.name(), runnerId, checkpoint);
          tickTimer = vertx.setPeriodic(TICK_MS, t -> tick());
          pollTimer = vertx.setPeriodic(settings.pollMs(), t -> poll());
          poll();
          read();
        });
  }

  Future<Void> stop() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(pollTimer);
    for (Consumer c : consumers.values()) {
      if (c.waiter != null) {
        answer(c.waiter);
      }
    }
    MeterRegistry registry = Metrics.registry();
    meters.forEach(registry::remove);
    flushWaiters.forEach(p -> p.tryFail(noCoordinator()));
    flushWaiters.clear();
    Future<Void> a = appended == null ? Future.succeededFuture() : appended.unregister();
    Future<Void> r = requests == null ? Future.succeededFuture() : requests.unregister();
    return Future.all(a.otherwiseEmpty(), r.otherwiseEmpty()).mapEmpty();
  }

  private Problem noCoordinator() {
    return new Problem(503, "no-coordinator", "Service unavailable", "group " + spec.name()
        + " is changing coordinator; try again (a node takes it within " + settings.lockRetryMs() + " ms)",
        new JsonObject().put("retry_after", 1));
  }

  private void registerMeters() {
    MeterRegistry registry = Metrics.registry();
    String group = spec.name();
    meters.add(Gauge.builder("switchboard.groups.lag.events", this, c -> c.lagEvents()).tag("group", group)
        .description("Events of the group's source not yet acked, parked or skipped").register(registry));
    meters.add(Gauge.builder("switchboard.groups.lag.ms", this, c -> c.lagMs()).tag("group", group)
        .description("Age of the oldest event the group has not done").register(registry));
    meters.add(Gauge.builder("switchboard.groups.in_flight", this, c -> c.inFlight.size()).tag("group", group)
        .description("Deliveries awaiting an ack").register(registry));
    meters.add(Gauge.builder("switchboard.groups.parked", this, c -> c.parkedCount).tag("group", group)
        .description("Parked events").register(registry));
    meters.add(Gauge.builder("switchboard.groups.consumers", this, c -> c.consumers.size()).tag("group", group)
        .description("Connected consumers").register(registry));
    delivered = Counter.builder("switchboard.groups.delivered").tag("group", group).description("Deliveries sent")
        .register(registry);
    acked = Counter.builder("switchboard.groups.acked").tag("group", group).description("Deliveries acked").register(registry);
    redelivered = Counter.builder("switchboard.groups.redelivered").tag("group", group)
        .description("Deliveries sent again (nack retry, ack timeout, consumer gone)").register(registry);
    parkedTotal = Counter.builder("switchboard.groups.parked.total").tag("group", group).description("Events parked")
        .register(registry);
    meters.add(delivered);
    meters.add(acked);
    meters.add(redelivered);
    meters.add(parkedTotal);
  }

  // ------------------------------------------------------------------ reading the store

  private void onAppended(JsonObject announcement) {
    if (stopped) {
      return;
    }
    head = Math.max(head, announcement.getLong("position", 0L));
    String category = spec.readCategory();
    if (category == null || category.equals(announcement.getString("category"))) {
      caughtUp = false;
      if (reading) {
        readAgain = true;
      }
      read();
    }
  }

  /** Every poll: the store's head (for lag), and a read in case an announcement was missed. */
  private void poll() {
    JsonObject last = new JsonObject().put("stream", StreamNames.ALL).put("direction", "backward").put("limit", 1);
    vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, last).onSuccess(reply -> {
      JsonArray events = reply.body().getJsonArray("events", new JsonArray());
      if (!events.isEmpty()) {
        head = Math.max(head, events.getJsonObject(0).getLong("position"));
      }
      if (head > readFrontier) {
        caughtUp = false;
        read();
      }
    });
  }

  private void read() {
    if (stopped || reading || caughtUp || window.size() >= settings.maxWindow()) {
      return;
    }
    reading = true;
    readAgain = false;
    JsonObject request = new JsonObject().put("stream", StreamNames.ALL).put("from_position", readFrontier + 1)
        .put("limit", settings.readBatch());
    if (spec.readCategory() != null) {
      request.put("category", spec.readCategory());
    }
    vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, request).onComplete(ar -> {
      reading = false;
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        log.debug("group {} cannot read the store: {}", spec.name(), ar.cause().getMessage());
        return; // the next poll tries again
      }
      JsonArray events = ar.result().body().getJsonArray("events", new JsonArray());
      for (int i = 0; i < events.size(); i++) {
        JsonObject event = events.getJsonObject(i);
        long position = event.getLong("position");
        if (position <= readFrontier) {
          continue;
        }
        readFrontier = position;
        head = Math.max(head, position);
        if (doneAbove.contains(position) || !matcher.matches(event.getString("stream"), event.getString("type"))) {
          continue;
        }
        window.put(position, new Entry(position, event, false, 0));
      }
      advanceCheckpoint();
      caughtUp = events.size() < settings.readBatch() && !readAgain;
      dispatch();
      read();
    });
  }

  // ------------------------------------------------------------------ requests

  private void onRequest(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Future<JsonObject> result;
    try {
      if (stopped) {
        throw noCoordinator();
      }
      result = switch (String.valueOf(body.getValue("action"))) {
        case "fetch" -> fetch(body);
        case "ack" -> settle(body, "ack", null);
        case "nack" -> settle(body, "nack", body.getValue("nack_action") == null ? "retry" : String.valueOf(body.getValue("nack_action")));
        case "leave" -> leave(body);
        case "status" -> Future.succeededFuture(status());
        case "replay" -> replay(body);
        case "drop" -> drop(body);
        case "erase" -> erase(body);
        default -> throw Problem.badRequest("invalid-action", "a group's actions are fetch, ack, nack, leave, status, replay and drop");
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> {
      Problem problem = e instanceof Problem p ? p : e instanceof LostOwnership ? noCoordinator()
          : store.db().problem(e, "group " + spec.name());
      problem.failReply(message);
    });
  }

  private Consumer consumer(JsonObject body) {
    if (!(body.getValue("consumer") instanceof String id) || id.isBlank() || id.length() > 300) {
      throw Problem.badRequest("invalid-consumer", "a consumer id is required (1-300 characters)");
    }
    Consumer c = consumers.computeIfAbsent(id, k -> {
      log.debug("group {}: consumer {} joined", spec.name(), k);
      return new Consumer(k, body.getString("transport", "http"));
    });
    c.lastSeen = System.currentTimeMillis();
    return c;
  }

  private Future<JsonObject> fetch(JsonObject body) {
    int max = (int) bounded(body, "max", 1, settings.maxFetch(), Math.min(100, settings.maxFetch()));
    long waitMs = bounded(body, "wait_ms", 0, settings.maxWaitMs(), 0);
    Consumer c = consumer(body);
    if (c.waiter != null) {
      answer(c.waiter); // a newer fetch replaces the one still waiting
    }
    Waiter waiter = new Waiter(c, max);
    c.waiter = waiter;
    dispatch();
    if (c.waiter == waiter) {
      if (waitMs == 0) {
        answer(waiter);
      } else {
        waiter.timer = vertx.setTimer(waitMs, t -> {
          if (c.waiter == waiter) {
            answer(waiter);
          }
        });
      }
    }
    return waiter.reply.future().map(deliveries -> new JsonObject().put("group", spec.name()).put("deliveries", deliveries));
  }

  private static long bounded(JsonObject body, String field, long min, long max, long fallback) {
    Object value = body.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min) {
      throw Problem.badRequest("invalid-parameter", field + " must be an integer of at least " + min + ", not " + value);
    }
    if (((Number) value).longValue() > max) {
      throw Problem.badRequest("limit-exceeded", field + " may be at most " + max + " (groups.max_"
          + (field.equals("max") ? "fetch" : "wait_ms") + "), not " + value);
    }
    return ((Number) value).longValue();
  }

  private void answer(Waiter waiter) {
    answer(waiter, new JsonArray());
  }

  private void answer(Waiter waiter, JsonArray deliveries) {
    vertx.cancelTimer(waiter.timer);
    if (waiter.consumer.waiter == waiter) {
      waiter.consumer.waiter = null;
    }
    waiter.reply.tryComplete(deliveries);
  }

  /**
   * Hands out what may go now to the consumers waiting, one event at a time in turn (round robin),
   * oldest first; with by_stream, only the oldest event of a stream, and only while none of that
   * stream is in flight.
   */
  private void dispatch() {
    if (stopped) {
      return;
    }
    List<Waiter> waiting = new ArrayList<>();
    for (Consumer c : consumers.values()) {
      if (c.waiter != null && c.inFlight < spec.maxInFlight()) {
        waiting.add(c.waiter);
      }
    }
    if (waiting.isEmpty()) {
      return;
    }
    Map<Waiter, JsonArray> given = new HashMap<>();
    int turn = 0;
    long now = System.currentTimeMillis();
    int room = 0;
    for (Waiter w : waiting) {
      room += Math.min(w.max, spec.maxInFlight() - w.consumer.inFlight);
    }
    Set<String> seenStreams = spec.strategy() == GroupSpec.Strategy.BY_STREAM ? new HashSet<>() : null;
    for (Iterator<Entry> it = eligible(now, seenStreams, room); it.hasNext() && !waiting.isEmpty(); ) {
      Entry e = it.next();
      Waiter w = waiting.get(turn % waiting.size());
      deliver(e, w.consumer, now);
      JsonArray out = given.computeIfAbsent(w, k -> new JsonArray());
      out.add(new JsonObject().put("delivery_id", e.id()).put("attempt", e.attempt).put("event", e.event));
      if (out.size() >= w.max || w.consumer.inFlight >= spec.maxInFlight()) {
        waiting.remove(turn % waiting.size());
      } else {
        turn++;
      }
    }
    given.forEach(this::answer);
  }

  /** Pending entries that may be delivered now: replays first, then the window in position order. */
  private Iterator<Entry> eligible(long now, Set<String> seenStreams, int limit) {
    List<Entry> out = new ArrayList<>();
    for (TreeMap<Long, Entry> source : List.of(replays, window)) {
      for (Entry e : source.values()) {
        if (out.size() >= limit) {
          return out.iterator();
        }
        if (seenStreams != null) {
          boolean first = seenStreams.add(e.stream);
          if (!first && !e.replay) {
            continue; // an earlier event of this stream is not done yet
          }
          if (busyStreams.contains(e.stream) && e.consumer == null) {
            continue;
          }
        }
        if (e.consumer == null && e.notBefore <= now) {
          out.add(e);
        }
      }
    }
    return out.iterator();
  }

  private void deliver(Entry e, Consumer c, long now) {
    e.attempt++;
    e.consumer = c.id;
    e.deadline = now + spec.ackTimeoutMs();
    c.inFlight++;
    inFlight.put(e.id(), e);
    if (spec.strategy() == GroupSpec.Strategy.BY_STREAM) {
      busyStreams.add(e.stream);
    }
    delivered.increment();
    if (e.attempt > 1) {
      redelivered.increment();
    }
  }

  /** The entry is no longer in flight (acked, nacked, timed out, its consumer gone). */
  private void release(Entry e) {
    inFlight.remove(e.id());
    Consumer c = consumers.get(e.consumer);
    if (c != null) {
      c.inFlight--;
    }
    e.consumer = null;
    busyStreams.remove(e.stream);
  }

  /** Ack or nack of {@code ids}: the valid ones are applied; unknown or foreign ones make the answer a problem. */
  private Future<JsonObject> settle(JsonObject body, String what, String action) {
    Consumer c = consumer(body);
    if (!(body.getValue("ids") instanceof JsonArray ids) || ids.isEmpty() || ids.size() > 10_000) {
      throw Problem.badRequest("invalid-ids", "\"ids\" must be a non-empty list of delivery ids (at most 10000)");
    }
    if (action != null && !Set.of("retry", "park", "skip").contains(action)) {
      throw Problem.badRequest("invalid-nack-action", "a nack's action is retry, park or skip, not " + action);
    }
    String reason = body.getValue("reason") instanceof String s ? (s.length() > 2000 ? s.substring(0, 2000) : s) : null;
    JsonArray done = new JsonArray();
    JsonArray unknown = new JsonArray();
    JsonArray foreign = new JsonArray();
    for (Object idValue : ids) {
      String id = String.valueOf(idValue);
      Entry e = inFlight.get(id);
      if (e == null) {
        unknown.add(id);
      } else if (!e.consumer.equals(c.id)) {
        foreign.add(id);
      } else {
        done.add(id);
        release(e);
        if (action == null) {
          acked.increment();
          finish(e, null);
        } else {
          failed(e, action, reason != null ? reason : "nack " + action);
        }
      }
    }
    advanceCheckpoint();
    dispatch();
    Future<Void> written = done.isEmpty() ? Future.succeededFuture() : flush();
    return written.map(v -> {
      if (!unknown.isEmpty() || !foreign.isEmpty()) {
        JsonObject extra = new JsonObject().put(what.equals("ack") ? "acked" : "nacked", done).put("unknown", unknown)
            .put("foreign", foreign);
        if (!foreign.isEmpty()) {
          throw Problem.conflict("foreign-delivery", "deliveries " + foreign.encode() + " are in flight to another consumer "
              + "(redelivered after their ack timeout or a disconnect)" + (unknown.isEmpty() ? ""
              : "; " + unknown.encode() + " are not in flight") + (done.isEmpty() ? "" : "; the others were " + what + "ed"), extra);
        }
        throw new Problem(404, "unknown-delivery", "Not found", "deliveries " + unknown.encode() + " of group " + spec.name()
            + " are not in flight (never delivered, already settled, or from before a coordinator change)"
            + (done.isEmpty() ? "" : "; the others were " + what + "ed"), extra);
      }
      return new JsonObject().put(what.equals("ack") ? "acked" : "nacked", done.size());
    });
  }

  /** A delivery failed: retried after a back-off, or parked once its retries are used up, or skipped. */
  private void failed(Entry e, String action, String reason) {
    e.lastError = reason;
    if (action.equals("skip")) {
      finish(e, null);
    } else if (action.equals("park") || e.attempt > spec.maxRetries()) {
      finish(e, action.equals("park") ? reason : "retries exhausted (" + e.attempt + " attempts): " + reason);
    } else {
      long backoff = Math.min(spec.maxRetryBackoffMs(), spec.retryBackoffMs() * (1L << Math.min(20, e.attempt - 1)));
      e.notBefore = System.currentTimeMillis() + backoff;
    }
  }

  /** Done with an entry: acked or skipped (parkReason null) or parked. */
  private void finish(Entry e, String parkReason) {
    if (e.replay) {
      replays.remove(e.position);
    } else {
      window.remove(e.position);
      doneAbove.add(e.position);
    }
    if (parkReason != null) {
      parkedTotal.increment();
      if (!e.replay) {
        parkedCount++;
      }
      parkedChanges.add(new ParkedChange(e.position, new Parked(e.position, e.event, parkReason, e.attempt,
          GroupStore.PARKED, GroupStore.now())));
    } else if (e.replay) {
      parkedCount--;
      parkedChanges.add(ParkedChange.delete(e.position));
    }
    dirty = true;
  }

  private Future<JsonObject> leave(JsonObject body) {
    Consumer c = consumers.get(String.valueOf(body.getValue("consumer")));
    int returned = c == null ? 0 : remove(c, "left");
    dispatch();
    return Future.succeededFuture(new JsonObject().put("returned", returned));
  }

  /** A consumer left or went silent: what it held goes to the others (attempt + 1 when delivered again). */
  private int remove(Consumer c, String why) {
    consumers.remove(c.id);
    if (c.waiter != null) {
      answer(c.waiter);
    }
    int returned = 0;
    for (Entry e : List.copyOf(inFlight.values())) {
      if (c.id.equals(e.consumer)) {
        release(e);
        e.lastError = "consumer " + why;
        if (e.attempt > spec.maxRetries()) {
          finish(e, "retries exhausted (" + e.attempt + " attempts): its consumer " + why);
        }
        returned++;
      }
    }
    if (returned > 0) {
      log.debug("group {}: consumer {} {}; {} deliveries go to others", spec.name(), c.id, why, returned);
    }
    return returned;
  }

  // ------------------------------------------------------------------ time

  private void tick() {
    if (stopped) {
      return;
    }
    long now = System.currentTimeMillis();
    boolean changed = false;
    for (Entry e : List.copyOf(inFlight.values())) {
      if (e.deadline <= now) {
        release(e);
        failed(e, "retry", "no ack within " + spec.ackTimeoutMs() + " ms");
        e.notBefore = 0; // the ack timeout was its back-off
        changed = true;
      }
    }
    for (Consumer c : List.copyOf(consumers.values())) {
      if (c.waiter == null && now - c.lastSeen > settings.consumerTimeoutMs()) {
        remove(c, "went silent");
        changed = true;
      }
    }
    if (changed) {
      advanceCheckpoint();
    }
    dispatch();
    if ((dirty || checkpoint != written) && !flushing && now - lastFlush >= FLUSH_IDLE_MS) {
      flush().onFailure(e -> { });
    }
    read();
  }

  // ------------------------------------------------------------------ the checkpoint

  private void advanceCheckpoint() {
    long next = window.isEmpty() ? readFrontier : window.firstKey() - 1;
    if (next > checkpoint) {
      checkpoint = next;
      doneAbove.headSet(checkpoint, true).clear();
      dirty = true;
    }
    // Room in the window again (or news): read on at once rather than at the next tick.
    read();
  }

  /** Writes the checkpoint and parked changes; completes once what was done before this call is written. */
  private Future<Void> flush() {
    Promise<Void> promise = Promise.promise();
    flushWaiters.add(promise);
    if (!flushing) {
      writeNow();
    }
    return promise.future();
  }

  private void writeNow() {
    if (stopped) {
      return;
    }
    flushing = true;
    dirty = false;
    lastFlush = System.currentTimeMillis();
    List<Promise<Void>> waiting = List.copyOf(flushWaiters);
    flushWaiters.clear();
    List<ParkedChange> changes = List.copyOf(parkedChanges);
    parkedChanges.clear();
    long position = checkpoint;
    store.write(spec.name(), epoch, position, ranges(doneAbove), changes).onComplete(ar -> {
      flushing = false;
      if (ar.succeeded()) {
        written = position;
        waiting.forEach(Promise::tryComplete);
      } else if (ar.cause() instanceof LostOwnership lost) {
        log.warn("group {}: {}; this coordinator stops", spec.name(), lost.getMessage());
        waiting.forEach(p -> p.tryFail(noCoordinator()));
        stop();
        onLost.run();
        return;
      } else {
        parkedChanges.addAll(0, changes);
        dirty = true;
        waiting.forEach(p -> p.tryFail(ar.cause()));
      }
      if (!flushWaiters.isEmpty()) {
        writeNow();
      }
    });
  }

  private static JsonArray ranges(TreeSet<Long> positions) {
    JsonArray out = new JsonArray();
    long from = -1;
    long to = -1;
    for (long p : positions) {
      if (from >= 0 && p == to + 1) {
        to = p;
        continue;
      }
      if (from >= 0) {
        out.add(new JsonArray().add(from).add(to));
      }
      from = p;
      to = p;
    }
    if (from >= 0) {
      out.add(new JsonArray().add(from).add(to));
    }
    return out;
  }

  // ------------------------------------------------------------------ parked

  private Future<JsonObject> replay(JsonObject body) {
    List<Long> ids = ids(body);
    return store.parked(spec.name(), GroupStore.PARKED, ids, settings.maxWindow()).compose(rows -> {
      for (Parked p : rows) {
        replays.put(p.position(), new Entry(p.position(), p.event(), true, 0));
        parkedChanges.add(new ParkedChange(p.position(), new Parked(p.position(), p.event(), p.reason(), p.attempts(),
            GroupStore.REPLAYING, p.parkedAt())));
      }
      Future<Void> written = rows.isEmpty() ? Future.succeededFuture() : flush();
      return written.map(v -> {
        dispatch();
        return new JsonObject().put("replayed", rows.size());
      });
    });
  }

  private Future<JsonObject> drop(JsonObject body) {
    List<Long> ids = ids(body);
    return store.parked(spec.name(), GroupStore.PARKED, ids, settings.maxWindow()).compose(rows -> {
      rows.forEach(p -> parkedChanges.add(ParkedChange.delete(p.position())));
      parkedCount -= rows.size();
      Future<Void> written = rows.isEmpty() ? Future.succeededFuture() : flush();
      return written.map(v -> new JsonObject().put("dropped", rows.size()));
    });
  }

  /**
   * Erasure ({@code {"event_ids","streams"}}): pending events of erased streams or ids are skipped
   * (never delivered from here on), then, once what was parked before is written, the parked and
   * replaying copies go through this coordinator's fenced write, so its parked count and replays
   * stay true. A replay in flight is withdrawn (its ack answers unknown). Deliveries already in
   * flight from the window are not recalled.
   */
  private Future<JsonObject> erase(JsonObject body) {
    Set<String> ids = new HashSet<>();
    Set<String> streams = new HashSet<>();
    body.getJsonArray("event_ids", new JsonArray()).forEach(id -> ids.add(String.valueOf(id)));
    body.getJsonArray("streams", new JsonArray()).forEach(s -> streams.add(String.valueOf(s)));
    for (Entry e : List.copyOf(window.values())) {
      if (e.consumer == null && (ids.contains(e.event.getString("id")) || streams.contains(e.stream))) {
        finish(e, null);
      }
    }
    advanceCheckpoint();
    return flush().compose(v -> store.parkedErased(spec.name(), ids, streams)).compose(positions -> {
      for (long position : positions) {
        Entry replaying = replays.remove(position);
        if (replaying != null && replaying.consumer != null) {
          release(replaying);
        }
        parkedChanges.add(ParkedChange.delete(position));
      }
      parkedCount = Math.max(0, parkedCount - positions.size());
      Future<Void> written = positions.isEmpty() ? Future.succeededFuture() : flush();
      return written.map(v -> {
        dispatch();
        return new JsonObject().put("removed", positions.size());
      });
    });
  }

  private static List<Long> ids(JsonObject body) {
    if (body.getValue("ids") == null) {
      return null;
    }
    if (!(body.getValue("ids") instanceof JsonArray array)) {
      throw Problem.badRequest("invalid-ids", "\"ids\" must be a list of parked event ids");
    }
    List<Long> out = new ArrayList<>();
    for (Object id : array) {
      try {
        out.add(Long.parseLong(String.valueOf(id)));
      } catch (NumberFormatException e) {
        throw Problem.badRequest("invalid-ids", "a parked event's id is its position, not " + id);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ status

  long lagEvents() {
    return window.size() + Math.max(0, head - readFrontier);
  }

  long lagMs() {
    if (window.isEmpty()) {
      return 0;
    }
    return Math.max(0, System.currentTimeMillis() - window.firstEntry().getValue().eventTime);
  }

  JsonObject status() {
    JsonArray list = new JsonArray();
    long now = System.currentTimeMillis();
    consumers.values().forEach(c -> list.add(new JsonObject().put("id", c.id).put("transport", c.transport)
        .put("in_flight", c.inFlight).put("idle_ms", c.waiter != null ? 0 : now - c.lastSeen)));
    return new JsonObject().put("coordinator", runnerId).put("epoch", epoch).put("checkpoint", checkpoint)
        .put("head", head).put("lag_events", lagEvents()).put("lag_ms", lagMs()).put("in_flight", inFlight.size())
        .put("pending", window.size() + replays.size() - inFlight.size()).put("parked", parkedCount)
        .put("consumers", list);
  }
}
