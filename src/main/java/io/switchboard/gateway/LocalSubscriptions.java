package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicTrie;
import java.util.Collection;

/**
 * The topic subscriptions of one gateway instance's connections. The node's sequencer hands every
 * message to every gateway instance; each looks up its own connections here.
 */
final class LocalSubscriptions {

  private final TopicTrie<Subscriber> trie = new TopicTrie<>();

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
    }
  }
}
