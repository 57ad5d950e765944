package io.switchboard.webhook;

import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import java.util.List;
import java.util.Set;

/**
 * Which active endpoints want an event type: their patterns in a trie, so an event is matched by
 * walking its type's segments ({@code order.*} matches {@code order.created}, {@code #} everything),
 * the same rules as topic patterns. Immutable: a new one is built when endpoints change.
 */
final class EndpointMatcher {

  /** What fan-out needs of an endpoint. */
  record Target(String id, int partition) {}

  static final EndpointMatcher EMPTY = new EndpointMatcher(List.of());

  private final TopicTrie<Target> trie = new TopicTrie<>();
  private final java.util.Set<String> patterns = new java.util.LinkedHashSet<>();

  EndpointMatcher(List<Endpoint> endpoints) {
    for (Endpoint e : endpoints) {
      if (!e.active()) {
        continue;
      }
      Target target = new Target(e.id(), e.partition());
      for (Object pattern : e.events()) {
        trie.add(TopicPattern.parse(String.valueOf(pattern)), target);
        patterns.add(String.valueOf(pattern));
      }
    }
  }

  Set<Target> match(String eventType) {
    return trie.match(eventType);
  }

  /** The event-type patterns of the active endpoints. */
  java.util.Set<String> patterns() {
    return java.util.Collections.unmodifiableSet(patterns);
  }

  boolean isEmpty() {
    return trie.size() == 0;
  }
}
