package io.switchboard.pubsub;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recent messages of each topic on this node, in delivery order, so an SSE client that
 * reconnects with {@code Last-Event-ID} gets what it missed, or is told that it missed some.
 *
 * <p>Bounded three ways: messages per topic, their age, and the number of topics (least recently
 * written topics are forgotten first). Whatever is forgotten raises a watermark, so a resume from
 * before it is reported as a gap rather than silently skipped.
 */
final class TopicHistory {

  record Entry(long sequence, long acceptedAt, TopicEvent event) {}

  /** What a resume gets: the events after the cursor, and whether some could not be kept. */
  record Replay(List<TopicEvent> events, boolean gap, long lastSequence) {}

  private static final class Ring {
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    long forgottenUpTo;
  }

  private final int maxPerTopic;
  private final long maxAgeMs;
  private final LinkedHashMap<String, Ring> topics;
  private long forgottenTopicsUpTo;

  TopicHistory(int maxPerTopic, long maxAgeMs, int maxTopics) {
    this.maxPerTopic = maxPerTopic;
    this.maxAgeMs = maxAgeMs;
    this.topics = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
        if (size() > maxTopics) {
          Ring ring = eldest.getValue();
          long last = ring.entries.isEmpty() ? ring.forgottenUpTo : ring.entries.peekLast().sequence();
          forgottenTopicsUpTo = Math.max(forgottenTopicsUpTo, last);
          return true;
        }
        return false;
      }
    };
  }

  /**
   * An erasure: removes the entries of those event ids, or whose subject is one of those streams.
   * A resume simply no longer finds them (they are not a gap: nothing to fetch elsewhere).
   *
   * @return how many entries went
   */
  int erase(java.util.Set<String> ids, java.util.Set<String> subjects) {
    int removed = 0;
    for (Ring ring : topics.values()) {
      int before = ring.entries.size();
      ring.entries.removeIf(entry -> ids.contains(entry.event().id()) || (!subjects.isEmpty() && subjectOf(entry.event()) != null
          && subjects.contains(subjectOf(entry.event()))));
      removed += before - ring.entries.size();
    }
    return removed;
  }

  private static String subjectOf(TopicEvent event) {
    try {
      return new io.vertx.core.json.JsonObject(event.event()).getString("subject");
    } catch (RuntimeException e) {
      return null;
    }
  }

  void add(long sequence, long now, TopicEvent event) {
    if (maxPerTopic == 0) {
      forgottenTopicsUpTo = sequence;
      return;
    }
    Ring ring = topics.computeIfAbsent(event.topic(), t -> new Ring());
    expire(ring, now);
    ring.entries.addLast(new Entry(sequence, now, event));
    while (ring.entries.size() > maxPerTopic) {
      ring.forgottenUpTo = ring.entries.removeFirst().sequence();
    }
  }

  /** Events of topics matching any pattern with a sequence above {@code after}, oldest first. */
  Replay after(long after, List<TopicPattern> patterns, long now, long lastSequence) {
    boolean gap = forgottenTopicsUpTo > after;
    List<Entry> found = new ArrayList<>();
    for (Iterator<Map.Entry<String, Ring>> it = topics.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Ring> topic = it.next();
      Ring ring = topic.getValue();
      expire(ring, now);
      if (!matchesAny(patterns, topic.getKey())) {
        continue;
      }
      if (ring.forgottenUpTo > after) {
        gap = true;
      }
      for (Iterator<Entry> entries = ring.entries.descendingIterator(); entries.hasNext(); ) {
        Entry entry = entries.next();
        if (entry.sequence() <= after) {
          break;
        }
        found.add(entry);
      }
    }
    found.sort(Comparator.comparingLong(Entry::sequence));
    return new Replay(found.stream().map(Entry::event).toList(), gap, lastSequence);
  }

  private void expire(Ring ring, long now) {
    while (!ring.entries.isEmpty() && now - ring.entries.peekFirst().acceptedAt() > maxAgeMs) {
      ring.forgottenUpTo = ring.entries.removeFirst().sequence();
    }
  }

  private static boolean matchesAny(List<TopicPattern> patterns, String topic) {
    for (TopicPattern p : patterns) {
      if (p.matches(topic)) {
        return true;
      }
    }
    return false;
  }
}
