package io.switchboard.cqrs;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An event-sourced aggregate: its state changes only by applying events. A decision method checks
 * the rules and {@link #raise raises} events, which are applied at once (so the next rule sees the
 * new state) and kept as uncommitted until the repository has appended them. Loading replays the
 * stored events (after a snapshot, when there is one) through the same handlers.
 *
 * <p>Subclasses register one handler per event type in their constructor with {@link #on}; events
 * of types without a handler are skipped, so streams may carry events this code does not know.
 */
public abstract class Aggregate {

  private final String id;
  private final Map<String, Consumer<JsonObject>> handlers = new HashMap<>();
  private final List<DomainEvent> uncommitted = new ArrayList<>();
  private long version = -1;
  private long position = -1;

  protected Aggregate(String id) {
    this.id = id;
  }

  public final String id() {
    return id;
  }

  /** The stream version of the last event applied, raised ones included; -1 for an aggregate with no events. */
  public final long version() {
    return version;
  }

  /** The version the stream has in the store: what the next append expects. */
  public final long storedVersion() {
    return version - uncommitted.size();
  }

  /** Whether the aggregate has events (stored or raised). */
  public final boolean exists() {
    return version >= 0;
  }

  /** The global position of the last stored event loaded or saved (-1 when unknown). */
  public final long position() {
    return position;
  }

  public final List<DomainEvent> uncommittedEvents() {
    return List.copyOf(uncommitted);
  }

  /** Registers how an event type changes the state: its data is decoded, then handed to {@code apply}. */
  protected final <E> void on(String type, Function<JsonObject, E> decode, Consumer<E> apply) {
    handlers.put(type, data -> apply.accept(decode.apply(data)));
  }

  /** Records a decision: applies the event now and keeps it for the next save. */
  protected final void raise(DomainEvent event) {
    apply(event.type(), event.toJson());
    uncommitted.add(event);
    version++;
  }

  /** Whether the repository keeps snapshots of this aggregate: then override {@link #snapshotState} and {@link #restoreState}. */
  protected boolean takesSnapshots() {
    return false;
  }

  /** The state to keep in a snapshot (see {@link #takesSnapshots}). */
  protected JsonObject snapshotState() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no snapshots");
  }

  /** Restores what {@link #snapshotState} returned. */
  protected void restoreState(JsonObject state) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no snapshots");
  }

  /** The shape of {@link #snapshotState}: change it when the shape changes, and older snapshots are ignored. */
  protected int snapshotSchema() {
    return 1;
  }

  // ------------------------------------------------------------------ the repository's side

  final void replay(RecordedEvent event) {
    apply(event.type(), event.dataObject());
    version = event.version();
    position = event.position();
  }

  final void restore(long snapshotVersion, JsonObject state) {
    restoreState(state);
    version = snapshotVersion;
  }

  final void committed(long lastPosition) {
    uncommitted.clear();
    position = lastPosition;
  }

  private void apply(String type, JsonObject data) {
    Consumer<JsonObject> handler = handlers.get(type);
    if (handler != null) {
      handler.accept(data);
    }
  }
}
