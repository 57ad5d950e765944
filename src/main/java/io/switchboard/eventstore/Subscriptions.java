package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catch-up subscriptions to a stream, a category or {@code $all}, pushed over the event bus.
 *
 * <p>A subscription reads from the database after its cursor (the last version, or position, the
 * subscriber has), sends each batch to the subscriber's address as a request and waits for the
 * reply before reading on: the subscriber's pace sets the flow and nothing is buffered here. Once
 * a read comes back empty it is live: the announcement of each append ({@code
 * switchboard.eventstore.appended}, published cluster-wide) wakes the subscriptions it concerns,
 * which read again; a wake-up during a read is remembered, never lost. Events always come from the
 * database in order, so catch-up, live and resume are one path, exact by construction.
 *
 * <p>A {@code $all} subscription may ask for some event types only (the projector wants its
 * projection's, the webhook follower its endpoints' patterns): it reads positions and types alone
 * until one matches, so events nobody asked for cost neither a JSON decode nor a hop, and each batch
 * says how far it read ({@code through}), which lets the subscriber's checkpoint pass them.
 *
 * <p>Fallbacks: every {@code poll_ms} the store's head position is read, and if it moved past what
 * announcements told, every subscription reads again (an announcement lost, say, across a network
 * partition). An idle subscription gets an empty batch every {@code heartbeat_ms}: a subscriber
 * that stopped answering is dropped, and a subscriber that hears nothing knows the store went away.
 */
final class Subscriptions {

  private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);
  private static final long RETRY_MS = 1000;
  private static final long THROUGH_DELAY_MS = 100;

  private final Vertx vertx;
  private final SqlEventStore store;
  private final Upcasters upcasters;
  private final int batch;
  private final long timeoutMs;
  private final int max;
  private final AtomicLong gauge;
  private final Consumer<Throwable> onReadFailure;
  private final Map<String, Subscription> open = new HashMap<>();
  private long knownHead;

  private final class Subscription {
    final String id = UUID.randomUUID().toString();
    final String stream;
    final String category;
    final String address;
    final long heartbeatMs;
    /** The event types the subscriber wants ($all only); null: every event. */
    final Predicate<String> wanted;
    long cursor;
    /** The last {@code through} the subscriber was told (type-filtered subscriptions). */
    long toldThrough;
    long throughTimer = -1;
    long lastSent = System.currentTimeMillis();
    boolean busy;
    boolean dirty;
    boolean closed;

    Subscription(String stream, String category, String address, long after, long heartbeatMs, Predicate<String> wanted) {
      this.wanted = wanted;
      this.stream = stream;
      this.category = category;
      this.address = address;
      this.cursor = after;
      this.heartbeatMs = heartbeatMs;
    }

    boolean concerns(JsonObject announcement) {
      if (stream != null) {
        return stream.equals(announcement.getString("stream"));
      }
      return category == null || category.equals(announcement.getString("category"));
    }

    Future<SqlEventStore.Filtered> read() {
      if (wanted != null) {
        return store.readAllOfTypes(cursor, batch, wanted);
      }
      return readEvents().map(events -> new SqlEventStore.Filtered(events,
          events.isEmpty() ? cursor : cursorOf(events.get(events.size() - 1))));
    }

    private Future<List<StoredEvent>> readEvents() {
      if (stream != null) {
        return store.readStream(stream, cursor + 1, batch, true);
      }
      return category == null ? store.readAll(cursor + 1, batch, true) : store.readCategory(category, cursor + 1, batch, true);
    }

    long cursorOf(StoredEvent event) {
      return stream != null ? event.version() : event.position();
    }
  }

  /** @param onReadFailure told of each failed read (the database may need to reconnect) */
  Subscriptions(Vertx vertx, SqlEventStore store, Upcasters upcasters, int batch, long timeoutMs, int max, AtomicLong gauge,
                Consumer<Throwable> onReadFailure) {
    this.onReadFailure = onReadFailure;
    this.vertx = vertx;
    this.store = store;
    this.upcasters = upcasters;
    this.batch = batch;
    this.timeoutMs = timeoutMs;
    this.max = max;
    this.gauge = gauge;
  }

  /**
   * Opens a subscription from {@code {"stream", "category"?, "after"?, "address", "heartbeat_ms"?}}:
   * {@code stream} is a stream name or {@code $all} (with an optional {@code category});
   * {@code after} the last version (or, for {@code $all}, position) the subscriber has.
   *
   * @return the subscription id
   */
  String open(JsonObject request) {
    if (request == null) {
      throw Problem.badRequest("malformed-request", "expected {\"stream\", \"address\", \"after\"?}");
    }
    String stream = StreamName.ALL.equals(request.getValue("stream")) ? null : StreamName.validate(request.getValue("stream"));
    String category = null;
    if (request.getValue("category") != null) {
      if (stream != null) {
        throw Problem.badRequest("invalid-parameter", "category goes with the $all stream, not with a stream");
      }
      category = StreamName.validateCategory(request.getValue("category"));
    }
    if (!(request.getValue("address") instanceof String address) || address.isBlank()) {
      throw Problem.badRequest("malformed-request", "address: where to send the events is required");
    }
    Predicate<String> wanted = wanted(request);
    if (wanted != null && (stream != null || category != null)) {
      throw Problem.badRequest("invalid-parameter", "types and type_patterns go with the $all stream (without a category)");
    }
    long after = number(request, "after", stream != null ? -1 : 0, stream != null ? -1 : 0);
    long heartbeat = number(request, "heartbeat_ms", 15_000, 100);
    if (open.size() >= max) {
      throw new Problem(503, "too-many-subscriptions", "Service unavailable",
          "this store instance serves " + max + " subscriptions already");
    }
    Subscription s = new Subscription(stream, category, address, after, heartbeat, wanted);
    open.put(s.id, s);
    gauge.incrementAndGet();
    // After the reply to the subscribe request has gone (the subscriber learns its id first).
    vertx.runOnContext(v -> pump(s));
    return s.id;
  }

  /**
   * {@code "types"} (exact event types) and {@code "type_patterns"} (topic-style patterns, {@code
   * order.*}): the subscriber gets only the events of those types, and with each batch {@code
   * "through"}, the last position it covers, so it can move its checkpoint past the events it
   * does not want; the store reads only positions and types until one matches. Null: both absent.
   */
  private static Predicate<String> wanted(JsonObject request) {
    Object types = request.getValue("types");
    Object patterns = request.getValue("type_patterns");
    if (types == null && patterns == null) {
      return null;
    }
    if ((types != null && !(types instanceof JsonArray)) || (patterns != null && !(patterns instanceof JsonArray))) {
      throw Problem.badRequest("invalid-parameter", "types and type_patterns are arrays of strings");
    }
    Set<String> exact = new HashSet<>();
    TopicTrie<Boolean> trie = new TopicTrie<>();
    if (types != null) {
      ((JsonArray) types).forEach(t -> exact.add(String.valueOf(t)));
    }
    if (patterns != null) {
      for (Object p : (JsonArray) patterns) {
        trie.add(TopicPattern.parse(String.valueOf(p)), Boolean.TRUE);
      }
    }
    if (trie.size() == 0) {
      return exact::contains;
    }
    return type -> exact.contains(type) || !trie.match(type).isEmpty();
  }

  private static long number(JsonObject request, String field, long fallback, long min) {
    Object value = request.getValue(field);
    if (value == null) {
      return fallback;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min) {
      return ((Number) value).longValue();
    }
    throw Problem.badRequest("invalid-parameter", field + " must be an integer of at least " + min + ", not " + value);
  }

  /** An append was announced: wake the subscriptions it concerns. */
  void announced(JsonObject announcement) {
    knownHead = Math.max(knownHead, announcement.getLong("position", 0L));
    for (Subscription s : List.copyOf(open.values())) {
      if (s.concerns(announcement) && !passedUnread(s, announcement)) {
        pump(s);
      }
    }
  }

  /**
   * An idle type-filtered subscription whose next events are exactly the announced append's, none
   * of a type it wants, moves past them without reading: positions are gap-free as committed, so
   * nothing else lies between its cursor and the append's last position. The subscriber hears the
   * new {@code through} a moment later (one message for many appends), or with its next events.
   */
  private boolean passedUnread(Subscription s, JsonObject announcement) {
    if (s.wanted == null || s.busy || s.closed || !(announcement.getValue("types") instanceof JsonArray types)
        || announcement.getLong("first_position", -1L) != s.cursor + 1) {
      return false;
    }
    for (Object type : types) {
      if (s.wanted.test(String.valueOf(type))) {
        return false;
      }
    }
    s.cursor = announcement.getLong("position");
    if (s.throughTimer < 0) {
      s.throughTimer = vertx.setTimer(THROUGH_DELAY_MS, t -> {
        s.throughTimer = -1;
        if (s.closed || s.busy || s.cursor <= s.toldThrough) {
          return;
        }
        s.busy = true;
        deliver(s, new JsonArray(), s.cursor).onComplete(ar -> {
          s.busy = false;
          if (ar.succeeded() && s.dirty) {
            pump(s);
          }
        });
      });
    }
    return true;
  }

  /** The polling fallback and the heartbeats; called every poll interval. */
  void tick() {
    long now = System.currentTimeMillis();
    for (Subscription s : List.copyOf(open.values())) {
      if (!s.busy && now - s.lastSent >= s.heartbeatMs) {
        s.busy = true;
        deliver(s, new JsonArray(), null).onComplete(ar -> {
          s.busy = false;
          if (ar.succeeded() && s.dirty) {
            pump(s);
          }
        });
      }
    }
    if (open.isEmpty()) {
      return;
    }
    store.head().onSuccess(head -> {
      if (head > knownHead) {
        knownHead = head;
        List.copyOf(open.values()).forEach(this::pump);
      }
    });
  }

  private void pump(Subscription s) {
    if (s.closed) {
      return;
    }
    if (s.busy) {
      s.dirty = true;
      return;
    }
    s.busy = true;
    s.dirty = false;
    s.read().onComplete(read -> {
      if (s.closed) {
        return;
      }
      if (read.failed()) {
        s.busy = false;
        onReadFailure.accept(read.cause());
        log.debug("subscription {} cannot read, retrying: {}", s.id, read.cause().toString());
        vertx.setTimer(RETRY_MS, t -> pump(s));
        return;
      }
      List<StoredEvent> events = read.result().events();
      long last = read.result().through();
      if (last == s.cursor) {
        s.busy = false;
        if (s.dirty) {
          pump(s);
        }
        return;
      }
      JsonArray batchJson = new JsonArray();
      events.forEach(e -> batchJson.add(upcasters.apply(e).toJson()));
      deliver(s, batchJson, s.wanted == null ? null : last).onComplete(sent -> {
        s.busy = false;
        if (sent.succeeded()) {
          s.cursor = last;
          pump(s);
        }
      });
    });
  }

  /** Sends a batch and waits for the subscriber's reply; a subscriber that fails it is dropped. */
  private Future<Void> deliver(Subscription s, JsonArray events, Long through) {
    s.lastSent = System.currentTimeMillis();
    JsonObject message = new JsonObject().put("subscription", s.id).put("events", events);
    if (through != null) {
      message.put("through", through);
      s.toldThrough = Math.max(s.toldThrough, through);
    }
    return vertx.eventBus().request(s.address, message, new DeliveryOptions().setSendTimeout(timeoutMs).setCodecName(SharedJson.NAME))
        .<Void>mapEmpty()
        .onFailure(e -> close(s, e.getMessage()));
  }

  private void close(Subscription s, String reason) {
    if (!s.closed) {
      s.closed = true;
      vertx.cancelTimer(s.throughTimer);
      open.remove(s.id);
      gauge.decrementAndGet();
      log.debug("subscription {} to {} ended: {}", s.id, s.stream != null ? s.stream : "$all", reason);
    }
  }

  void closeAll() {
    List.copyOf(open.values()).forEach(s -> close(s, "the store is stopping"));
  }
}
