package io.switchboard.cqrs;

import io.micrometer.core.instrument.Counter;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and saves aggregates of one type through the event store's event-bus API.
 *
 * <p>Load: the stream's first page of events; a stream longer than that starts from its snapshot
 * (kept each {@code cqrs.snapshot_every} events) and reads only the events after it. Save: the
 * uncommitted events are appended expecting the version the aggregate was loaded at, so a
 * concurrent writer makes the append fail with 409 instead of being overwritten. {@link #execute}
 * then loads again and re-decides, up to {@code cqrs.command_retries} times.
 *
 * <p>Commands start from the aggregate as this repository's last save left it, when it has it
 * ({@code cqrs.aggregate_cache} streams, least recently used dropped): reading the stream back cost
 * a command as much as its append. The cache is never trusted for an answer on its own: a save
 * from it expects the cached version, so a stream another writer moved meanwhile answers 409 and
 * the command loads and decides again; a decision that refuses or raises nothing (no append to
 * check it) is taken again on the stored state. Deletes, erasures and retention changes drop the
 * streams they touch ({@link Addresses#EVENTSTORE_HISTORY_CHANGED}).
 */
public final class EventSourcedRepository<A extends Aggregate> {

  private static final Logger log = LoggerFactory.getLogger(EventSourcedRepository.class);

  private final Vertx vertx;
  private final AggregateType<A> type;
  private final int retries;
  private final int snapshotEvery;
  private final int page;
  private final Counter conflicts;
  private final Counter cacheHits;
  private final Counter cacheMisses;
  private final AggregateCache<A> cache;
  private final MessageConsumer<JsonObject> historyChanges;

  /** Without an aggregate cache: every command reads its stream. */
  public EventSourcedRepository(Vertx vertx, AggregateType<A> type, int retries, int snapshotEvery, int page) {
    this(vertx, type, retries, snapshotEvery, page, 0);
  }

  /**
   * Call from the event loop of the verticle that uses it (the cache is that loop's).
   *
   * @param retries       how often a command that lost a race is decided again before its 409
   * @param snapshotEvery keep a snapshot each time a stream passes a multiple of this many events (0: never)
   * @param page          events per read (at most the store's {@code eventstore.max_read_limit})
   * @param cacheSize     aggregates kept between commands (0: none)
   */
  public EventSourcedRepository(Vertx vertx, AggregateType<A> type, int retries, int snapshotEvery, int page, int cacheSize) {
    this.vertx = vertx;
    this.type = type;
    this.retries = retries;
    this.snapshotEvery = snapshotEvery;
    this.page = page;
    this.conflicts = Counter.builder("switchboard.cqrs.conflicts").tag("aggregate", type.category())
        .description("Saves that lost a race to a concurrent writer (the command was decided again or refused)")
        .register(Metrics.registry());
    this.cacheHits = cacheCounter(type, "hit");
    this.cacheMisses = cacheCounter(type, "miss");
    this.cache = new AggregateCache<>(cacheSize);
    SharedJson.register(vertx);
    this.historyChanges = cacheSize == 0 ? null
        : vertx.eventBus().<JsonObject>consumer(Addresses.EVENTSTORE_HISTORY_CHANGED, m -> forget(m.body()));
  }

  private static Counter cacheCounter(AggregateType<?> type, String result) {
    return Counter.builder("switchboard.cqrs.aggregate.cache").tag("aggregate", type.category()).tag("result", result)
        .description("Commands on existing aggregates that found theirs in the cache (hit) or read the stream (miss)")
        .register(Metrics.registry());
  }

  /**
   * From the conf: {@code cqrs.command_retries}, {@code cqrs.snapshot_every}, {@code cqrs.aggregate_cache},
   * {@code eventstore.max_read_limit}.
   */
  public static <A extends Aggregate> EventSourcedRepository<A> from(Vertx vertx, AggregateType<A> type, CqrsSettings settings) {
    return new EventSourcedRepository<>(vertx, type, settings.commandRetries(), settings.snapshotEvery(), settings.readPage(),
        settings.aggregateCache());
  }

  /** Stops listening for history changes (the cache goes with the repository). */
  public Future<Void> close() {
    cache.clear();
    return historyChanges == null ? Future.succeededFuture() : historyChanges.unregister();
  }

  private void forget(JsonObject notice) {
    if (notice != null && notice.getValue("streams") instanceof JsonArray streams) {
      streams.forEach(stream -> cache.evict(String.valueOf(stream)));
    } else {
      cache.clear();
    }
  }

  /**
   * The aggregate as its stream tells (an empty one, {@code exists() == false}, when there is none).
   * The first page of events is read at once; only a stream longer than a page looks for its
   * snapshot, and then applies just the events after it.
   */
  public Future<A> load(String id) {
    String stream = type.stream(id);
    A aggregate = type.factory().apply(id);
    return read(stream, 0).compose(first -> {
      if (first.size() < page || snapshotEvery <= 0 || !aggregate.takesSnapshots()) {
        return replay(aggregate, stream, first, 0);
      }
      return snapshot(stream).compose(kept -> {
        if (kept != null && kept.getValue("state") instanceof JsonObject wrapper
            && wrapper.getInteger("schema", -1) == aggregate.snapshotSchema()
            && wrapper.getValue("state") instanceof JsonObject state && kept.getLong("version") >= page) {
          aggregate.restore(kept.getLong("version"), state);
          long from = kept.getLong("version") + 1;
          return read(stream, from).compose(rest -> replay(aggregate, stream, rest, from));
        }
        return replay(aggregate, stream, first, 0);
      });
    });
  }

  private Future<A> replay(A aggregate, String stream, List<RecordedEvent> events, long from) {
    long last = -1;
    for (RecordedEvent event : events) {
      if (event.version() >= from) {
        aggregate.replay(event);
      }
      last = event.version();
    }
    if (events.size() < page) {
      return Future.succeededFuture(aggregate);
    }
    long next = Math.max(from, last + 1);
    return read(stream, next).compose(more -> replay(aggregate, stream, more, next));
  }

  /** Appends the aggregate's uncommitted events, expecting the version it was loaded at. */
  public Future<Saved<A>> save(A aggregate, CommandContext context) {
    List<DomainEvent> raised = aggregate.uncommittedEvents();
    if (raised.isEmpty()) {
      return Future.succeededFuture(new Saved<>(aggregate, aggregate.version(), aggregate.version(), aggregate.position()));
    }
    long expected = aggregate.storedVersion();
    JsonObject metadata = context.eventMetadata();
    JsonArray events = new JsonArray();
    for (DomainEvent event : raised) {
      events.add(new JsonObject().put("id", UUID.randomUUID().toString()).put("type", event.type())
          .put("data", event.toJson()).put("metadata", metadata.copy()));
    }
    JsonObject append = new JsonObject().put("stream", type.stream(aggregate.id()))
        .put("expected_version", expected < 0 ? "no_stream" : expected)
        .put("events", events)
        .put("correlation_id", context.correlationId());
    // Built for this request alone: handed over to the store, not copied on the way.
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_APPEND, append, SharedJson.HANDED_OVER)
        .recover(e -> Future.failedFuture(Problem.from(e, Addresses.EVENTSTORE_APPEND)))
        .map(reply -> {
          JsonObject body = reply.body();
          aggregate.committed(body.getLong("position"));
          keepSnapshot(aggregate, expected);
          return new Saved<>(aggregate, body.getLong("first_version"), body.getLong("last_version"), body.getLong("position"));
        });
  }

  /**
   * Loads the aggregate, lets {@code decide} raise events (or throw a {@link Problem} for a rule it
   * breaks), and saves. When another writer got there first, it is loaded and decided again, so the
   * rule is checked against what that writer did; after {@code retries} lost races, a 409.
   */
  public Future<Saved<A>> execute(String id, Consumer<A> decide, CommandContext context) {
    return attempt(id, decide, context, 0, false, true);
  }

  /**
   * As {@link #execute}, for an aggregate that should not exist yet (its id was just made up):
   * decided on an empty aggregate without reading its stream, appended expecting no stream. If the
   * stream exists after all, the conflict makes it load and decide again, so rules about existing
   * aggregates still hold.
   */
  public Future<Saved<A>> executeNew(String id, Consumer<A> decide, CommandContext context) {
    return attempt(id, decide, context, 0, true, false);
  }

  /**
   * @param assumeNew decide on an empty aggregate, without reading (see {@link #executeNew})
   * @param useCache  start from the cached aggregate when there is one
   */
  private Future<Saved<A>> attempt(String id, Consumer<A> decide, CommandContext context, int retried, boolean assumeNew,
                                   boolean useCache) {
    String stream = type.stream(id);
    A cached = useCache ? cache.take(stream) : null;
    if (useCache) {
      (cached != null ? cacheHits : cacheMisses).increment();
    }
    Future<A> loaded = assumeNew ? Future.succeededFuture(type.factory().apply(id))
        : cached != null ? Future.succeededFuture(cached) : load(id);
    return loaded.compose(aggregate -> {
      try {
        decide.accept(aggregate);
      } catch (RuntimeException refused) {
        if (cached == null) {
          throw refused;
        }
        // Refused on what may be an old state: the stored one decides (the cached copy is dropped).
        return attempt(id, decide, context, retried, false, false);
      }
      if (cached != null && aggregate.uncommittedEvents().isEmpty()) {
        // Nothing to append, so no expected version would catch a stale state: the stored one answers.
        return attempt(id, decide, context, retried, false, false);
      }
      return save(aggregate, context).onSuccess(saved -> cache.put(stream, saved.aggregate()));
    }).recover(e -> {
      if (!(e instanceof Problem problem) || !"wrong-expected-version".equals(problem.code())) {
        return Future.failedFuture(e);
      }
      conflicts.increment();
      if (retried < retries) {
        return attempt(id, decide, context, retried + 1, false, false);
      }
      return Future.failedFuture(Problem.conflict("concurrency-conflict", type.stream(id) + " changed under "
          + (retried + 1) + " attempts of " + context.name() + " in a row; send the command again",
          new JsonObject().put("current_version", problem.toJson().getValue("current_version"))));
    });
  }

  /** Keeps a snapshot when the stream just passed a multiple of {@code snapshotEvery} events. */
  private void keepSnapshot(A aggregate, long versionBefore) {
    if (snapshotEvery <= 0 || !aggregate.takesSnapshots()
        || (aggregate.version() + 1) / snapshotEvery == (versionBefore + 1) / snapshotEvery) {
      return;
    }
    JsonObject snapshot = new JsonObject().put("stream", type.stream(aggregate.id())).put("version", aggregate.version())
        .put("state", new JsonObject().put("schema", aggregate.snapshotSchema()).put("state", aggregate.snapshotState()));
    // Best effort, off the command's path: a missing snapshot only makes the next load longer.
    vertx.eventBus().request(Addresses.EVENTSTORE_SNAPSHOT_PUT, snapshot)
        .onFailure(e -> log.debug("snapshot of {} at {} not kept: {}", aggregate.id(), aggregate.version(), e.getMessage()));
  }

  private Future<JsonObject> snapshot(String stream) {
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_SNAPSHOT_GET, new JsonObject().put("stream", stream))
        .map(reply -> reply.body())
        .recover(e -> {
          Problem problem = Problem.from(e, Addresses.EVENTSTORE_SNAPSHOT_GET);
          return problem.status() == 404 ? Future.succeededFuture() : Future.failedFuture(problem);
        });
  }

  private Future<List<RecordedEvent>> read(String stream, long from) {
    JsonObject request = new JsonObject().put("stream", stream).put("from", from).put("limit", page);
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, request)
        .map(reply -> {
          JsonArray events = reply.body().getJsonArray("events", new JsonArray());
          List<RecordedEvent> out = new ArrayList<>(events.size());
          for (int i = 0; i < events.size(); i++) {
            out.add(RecordedEvent.from(events.getJsonObject(i)));
          }
          return out;
        })
        .recover(e -> {
          Problem problem = Problem.from(e, Addresses.EVENTSTORE_READ);
          return problem.status() == 404 ? Future.succeededFuture(List.of()) : Future.failedFuture(problem);
        });
  }
}
