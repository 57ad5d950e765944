package io.switchboard.cqrs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Aggregates as this node's last saves left them, by stream, least recently used dropped beyond
 * {@code capacity}. A command takes its aggregate out ({@link #take}), so an aggregate is in one
 * command's hands at a time and a failed or refused decision never leaves a half-changed one behind;
 * only a save that committed puts it back.
 *
 * <p>An entry may be stale (another node, instance or a raw append wrote to the stream since): the
 * save's expected version then fails with 409 and the command loads the stream and decides again,
 * so staleness costs a retry, never a wrong write. Used from one event loop (one verticle instance).
 */
final class AggregateCache<A extends Aggregate> {

  private final int capacity;
  private final Map<String, A> byStream;

  AggregateCache(int capacity) {
    this.capacity = capacity;
    this.byStream = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, A> eldest) {
        return size() > AggregateCache.this.capacity;
      }
    };
  }

  /** The cached aggregate of {@code stream}, removed from the cache; null when there is none. */
  A take(String stream) {
    return capacity == 0 ? null : byStream.remove(stream);
  }

  /** Keeps an aggregate whose events are all stored. */
  void put(String stream, A aggregate) {
    if (capacity > 0) {
      byStream.put(stream, aggregate);
    }
  }

  void evict(String stream) {
    byStream.remove(stream);
  }

  void clear() {
    byStream.clear();
  }

  int size() {
    return byStream.size();
  }
}
