package io.switchboard.cqrs;

import io.vertx.core.Future;
import java.util.Set;

/**
 * A read model kept from the store's events. The projector runs each projection as a catch-up
 * subscription to {@code $all}: events of the types it handles are applied in order, and the
 * read-model writes of a batch commit in one transaction with the projection's checkpoint, so an
 * event is applied exactly once even across crashes. One runner per projection is active at a time.
 *
 * <p>Implementations have a public constructor taking {@code (io.vertx.core.Vertx,
 * io.vertx.core.json.JsonObject conf)}, {@code (JsonObject conf)} or nothing, and are listed by class
 * name in {@code cqrs.projections}. {@code apply} must be deterministic (a rebuild replays it) and
 * should throw or fail for an event it cannot apply: the projection then stops at that event,
 * reported as {@code failed}, until an admin retries or skips it.
 */
public interface Projection {

  /** Its name: 1-100 of {@code a-z 0-9 _ . -}; the key of its checkpoint and of the admin routes. */
  String name();

  /** The event types it applies; other events only move its checkpoint. */
  Set<String> eventTypes();

  /** The migration module that creates its tables ({@code db/<module>/V1__….sql}), or null. */
  default String migrations() {
    return null;
  }

  /**
   * Whether {@link #apply} issues all its statements before it returns and never bases a statement
   * on an earlier one's result (checking results is fine). Then, on PostgreSQL, the events of a
   * batch are applied without waiting for each other: their statements travel together, in order.
   */
  default boolean pipelinable() {
    return false;
  }

  /** Applies one event inside the batch's transaction. */
  Future<Void> apply(RecordedEvent event, ProjectionTx tx);

  /** Removes everything it wrote, for a rebuild from position 0 (same transaction as the checkpoint reset). */
  Future<Void> reset(ProjectionTx tx);
}
