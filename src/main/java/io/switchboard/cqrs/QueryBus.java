package io.switchboard.cqrs;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Query handlers registered by name on the event bus: {@code switchboard.query.{name}}, body the
 * query (a JSON object), answer JSON or a problem.
 *
 * <p>Read your writes: a query whose handler reads a projection may carry {@code min_position}
 * (the {@code position} a command answered). It is answered once that projection has committed
 * the position, waiting at most {@code cqrs.min_position_wait_ms}; then a 503
 * {@code projection-behind} (or at once {@code projection-failed} when the projection is stopped
 * at a failed event).
 */
public final class QueryBus {

  private static final Logger log = LoggerFactory.getLogger(QueryBus.class);

  private final Vertx vertx;
  private final ProjectionPositions positions;
  private final long maxWaitMs;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  /** @param db the database holding the projections' checkpoints (and, usually, the read models) */
  public QueryBus(Vertx vertx, Database db, long maxWaitMs) {
    this.vertx = vertx;
    this.positions = new ProjectionPositions(vertx, db);
    this.maxWaitMs = maxWaitMs;
  }

  /** Starts following the projections' progress; call once before queries arrive. */
  public Future<Void> start() {
    return positions.start();
  }

  /**
   * Registers the handler of the queries named {@code name}.
   *
   * @param projection the projection whose read model the handler reads (what {@code min_position} waits for), or null
   */
  public Future<Void> register(String name, String projection, QueryHandler handler) {
    if (!CommandBus.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a query name is a letter then up to 99 letters, digits or '_': " + name);
    }
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.query(name), m -> dispatch(name, projection, handler, m));
    consumers.add(consumer);
    return consumer.completion();
  }

  private void dispatch(String name, String projection, QueryHandler handler, Message<Object> message) {
    Future<JsonObject> result;
    try {
      if (!(message.body() instanceof JsonObject body)) {
        throw Problem.invalid("invalid-query", "query " + name + " takes a JSON object");
      }
      JsonObject query = body.copy();
      Object min = query.remove("min_position");
      if (min == null || projection == null) {
        result = handler.handle(query);
      } else {
        if (!(min instanceof Integer || min instanceof Long) || ((Number) min).longValue() < 0) {
          throw Problem.badRequest("invalid-parameter", "min_position must be a global position (an integer of 0 or more), not " + min);
        }
        result = positions.await(projection, ((Number) min).longValue(), maxWaitMs).compose(v -> handler.handle(query));
      }
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> {
      Problem problem = e instanceof Problem p ? p : null;
      if (problem == null) {
        log.error("query {} failed", name, e);
        problem = Problem.internal("query " + name + " failed inside the hub; the log has the details");
      }
      problem.failReply(message);
    });
  }

  public Future<Void> close() {
    List<Future<Void>> unregistered = new ArrayList<>(consumers.stream().map(MessageConsumer::unregister).toList());
    consumers.clear();
    unregistered.add(positions.close());
    return Future.all(unregistered).mapEmpty();
  }
}
