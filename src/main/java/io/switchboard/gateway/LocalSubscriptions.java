package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The topic subscriptions of one gateway instance's connections. The node's sequencer hands every
 * message to every gateway instance; each looks up its own connections here.
 */
final class LocalSubscriptions {

  private final TopicTrie<Subscriber> trie = new TopicTrie<>();
  private final List<Runnable> afterEachMessage = new ArrayList<>(2);

  /** Runs {@code action} once each message has been handed to every matching connection. */
  void afterEachMessage(Runnable action) {
    afterEachMessage.add(action);
  }

  void add(Subscriber subscriber, Collection<TopicPattern> patterns) {
    patterns.forEach(p -> trie.add(p, subscriber));
  }

  void remove(Subscriber subscriber, Collection<TopicPattern> patterns) {
    patterns.forEach(p -> trie.remove(p, subscriber));
  }

  void deliver(TopicEvent event) {
    OutboundFrames frames = new OutboundFrames(event);
    try {
      trie.forEachMatch(event.topic(), subscriber -> subscriber.deliver(event, frames));
    } finally {
      frames.release();
      afterEachMessage.forEach(Runnable::run);
    }
  }
}
