package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicTrieTest {

  private static TopicPattern p(String pattern) {
    return TopicPattern.parse(pattern);
  }

  @Test
  void aSubscriberWithSeveralMatchingPatternsIsReturnedOnce() {
    TopicTrie<String> trie = new TopicTrie<>();
    trie.add(p("orders.*"), "alice");
    trie.add(p("orders.#"), "alice");
    trie.add(p("#"), "alice");
    trie.add(p("orders.created"), "bob");
    assertThat(trie.match("orders.created")).containsExactlyInAnyOrder("alice", "bob");
    assertThat(trie.match("users.created")).containsExactly("alice");
  }

  @Test
  void removalPrunesAndLeavesOthers() {
    TopicTrie<String> trie = new TopicTrie<>();
    trie.add(p("a.*.c"), "x");
    trie.add(p("a.#"), "y");
    assertThat(trie.size()).isEqualTo(2);
    assertThat(trie.remove(p("a.*.c"), "x")).isTrue();
    assertThat(trie.remove(p("a.*.c"), "x")).isFalse();
    assertThat(trie.match("a.b.c")).containsExactly("y");
    assertThat(trie.remove(p("a.#"), "y")).isTrue();
    assertThat(trie.size()).isZero();
    assertThat(trie.match("a.b.c")).isEmpty();
  }

  @Test
  void addingTwiceCountsOnce() {
    TopicTrie<String> trie = new TopicTrie<>();
    assertThat(trie.add(p("a"), "x")).isTrue();
    assertThat(trie.add(p("a"), "x")).isFalse();
    assertThat(trie.size()).isEqualTo(1);
  }

  @Test
  void manySubscriptionsAgreeWithThePatternMatcher() {
    List<String> patterns = List.of("a", "a.b", "a.*", "*.b", "a.#", "#", "#.c", "a.#.c", "*.*.*", "b.#", "a.b.c.d");
    List<String> topics = List.of("a", "b", "a.b", "a.c", "b.b", "a.b.c", "x.y.c", "a.b.c.d", "b");
    TopicTrie<String> trie = new TopicTrie<>();
    patterns.forEach(pattern -> trie.add(p(pattern), pattern));
    for (String topic : topics) {
      Set<String> expected = new java.util.HashSet<>();
      patterns.stream().filter(pattern -> p(pattern).matches(topic)).forEach(expected::add);
      assertThat(trie.match(topic)).as(topic).containsExactlyInAnyOrderElementsOf(expected);
    }
  }
}
