package io.switchboard.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPattern;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicHistoryTest {

  private static TopicEvent event(String topic, long seq) {
    return new TopicEvent(topic, "t", "id-" + seq, "{}", "test", "e-" + seq);
  }

  private static List<TopicPattern> patterns(String... p) {
    return java.util.Arrays.stream(p).map(TopicPattern::parse).toList();
  }

  private static List<Long> sequences(TopicHistory.Replay replay) {
    return replay.events().stream().map(TopicEvent::sequence).toList();
  }

  @Test
  void replaysMatchingTopicsAfterTheCursorInOrder() {
    TopicHistory history = new TopicHistory(10, 60_000, 100);
    history.add(1, 0, event("a.x", 1));
    history.add(2, 0, event("b.x", 2));
    history.add(3, 0, event("a.y", 3));
    history.add(4, 0, event("a.x", 4));
    TopicHistory.Replay replay = history.after(1, patterns("a.*"), 0, 4);
    assertThat(sequences(replay)).containsExactly(3L, 4L);
    assertThat(replay.gap()).isFalse();
  }

  @Test
  void countBoundReportsAGapOnlyToThoseWhoMissedSomething() {
    TopicHistory history = new TopicHistory(2, 60_000, 100);
    for (long s = 1; s <= 5; s++) {
      history.add(s, 0, event("a", s));
    }
    assertThat(history.after(1, patterns("a"), 0, 5).gap()).isTrue();
    assertThat(sequences(history.after(1, patterns("a"), 0, 5))).containsExactly(4L, 5L);
    assertThat(history.after(3, patterns("a"), 0, 5).gap()).isFalse();
    assertThat(history.after(1, patterns("b"), 0, 5).gap()).isFalse();
  }

  @Test
  void ageBoundExpiresAndReportsAGap() {
    TopicHistory history = new TopicHistory(100, 1_000, 100);
    history.add(1, 0, event("a", 1));
    history.add(2, 5_000, event("a", 2));
    TopicHistory.Replay replay = history.after(0, patterns("a"), 5_500, 2);
    assertThat(sequences(replay)).containsExactly(2L);
    assertThat(replay.gap()).isTrue();
  }

  @Test
  void forgettingAWholeTopicIsAGapForEveryone() {
    TopicHistory history = new TopicHistory(100, 60_000, 2);
    history.add(1, 0, event("a", 1));
    history.add(2, 0, event("b", 2));
    history.add(3, 0, event("c", 3));
    assertThat(history.after(0, patterns("b"), 0, 3).gap()).isTrue();
    assertThat(history.after(1, patterns("b"), 0, 3).gap()).isFalse();
  }
}
