package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicPatternTest {

  /** Each row is checked twice: by the pattern alone and through the trie that gateways use. */
  @ParameterizedTest(name = "{0} ~ {1} -> {2}")
  @CsvSource({
      // literal
      "a, a, true",
      "a, b, false",
      "a.b, a.b, true",
      "a.b, a.b.c, false",
      "a.b.c, a.b, false",
      "orders.created, orders.created, true",
      "Orders.created, orders.created, false",
      // * matches exactly one segment
      "a.*, a.b, true",
      "a.*, a, false",
      "a.*, a.b.c, false",
      "*.b, a.b, true",
      "*.b, b, false",
      "*, a, true",
      "*, a.b, false",
      "a.*.c, a.b.c, true",
      "a.*.c, a.c, false",
      "*.*, a.b, true",
      // + is an alias of *
      "a.+, a.b, true",
      "a.+, a, false",
      "+.+.c, x.y.c, true",
      // # matches zero or more segments
      "a.#, a, true",
      "a.#, a.b, true",
      "a.#, a.b.c.d, true",
      "a.#, b.a, false",
      "#, a, true",
      "#, a.b.c, true",
      "#.c, c, true",
      "#.c, a.b.c, true",
      "#.c, a.c.d, false",
      // # in the middle
      "a.#.c, a.c, true",
      "a.#.c, a.b.c, true",
      "a.#.c, a.b.b.c, true",
      "a.#.c, a.b.c.d, false",
      "a.#.c.#, a.x.c.y.z, true",
      // mixed and repeated wildcards
      "a.#.#.c, a.c, true",
      "a.*.#, a, false",
      "a.*.#, a.b, true",
      "a.*.#, a.b.c.d, true",
      "#.*, a, true",
      "#.*.*, a, false",
      // names with dashes and underscores
      "user-events.*, user-events.signed_up, true",
      "user_events.#, user-events.x, false",
  })
  void matches(String pattern, String topic, boolean expected) {
    TopicPattern p = TopicPattern.parse(pattern);
    assertThat(p.matches(topic)).isEqualTo(expected);

    TopicTrie<String> trie = new TopicTrie<>();
    trie.add(p, "subscriber");
    assertThat(trie.match(topic)).isEqualTo(expected ? java.util.Set.of("subscriber") : java.util.Set.of());
  }

  @ParameterizedTest(name = "''{0}'' is refused: {1}")
  @CsvSource(delimiter = '|', value = {
      "''            | it is empty",
      "a..b          | empty segment at position 2",
      ".a            | empty segment at position 0",
      "a.            | empty segment at position 2",
      "a*            | wildcard '*' must be a whole segment",
      "a.#b          | wildcard '#' must be a whole segment",
      "a.b c         | character ' ' at position 3 is not allowed",
      "a/b           | character '/' at position 1 is not allowed",
  })
  void invalidPatterns(String pattern, String reason) {
    assertThatThrownBy(() -> TopicPattern.parse(pattern))
        .isInstanceOfSatisfying(Problem.class, p -> {
          assertThat(p.status()).isEqualTo(400);
          assertThat(p.code()).isEqualTo("invalid-pattern");
          assertThat(p.detail()).contains(reason);
        });
  }

  @ParameterizedTest
  @CsvSource({"a.+, a.*", "a.#.#, a.#", "#.#.#, #", "+.#.#.+, *.#.*"})
  void normalises(String pattern, String normalised) {
    assertThat(TopicPattern.parse(pattern)).isEqualTo(TopicPattern.parse(normalised));
    assertThat(TopicPattern.parse(pattern).toString()).isEqualTo(normalised);
  }

  @ParameterizedTest
  @CsvSource({"a,true", "a.b,true", "a.*,false", "#,false"})
  void literal(String pattern, boolean literal) {
    assertThat(TopicPattern.parse(pattern).isLiteral()).isEqualTo(literal);
  }

  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource({
      "orders.*, orders.created, true",
      "orders.*, orders.*, true",
      "orders.*, orders.#, false",
      "orders.*, orders, false",
      "orders.*, orders.a.b, false",
      "orders.#, orders, true",
      "orders.#, orders.*, true",
      "orders.#, orders.*.eu, true",
      "orders.#, orders.#, true",
      "orders.#, users.*, false",
      "#, orders.#, true",
      "#, *, true",
      "*, #, false",
      "*, orders, true",
      "*.created, orders.created, true",
      "*.created, *.created, true",
      "*.created, #.created, false",
      "#.created, *.created, true",
      "#.created, a.b.created, true",
      "a.#.c, a.*.c, true",
      "a.#.c, a.#.c, true",
      "a.#.c, a.#, false",
      "a.*.c, a.#.c, false",
      "orders.created, orders.*, false",
      "orders.created, orders.created, true",
  })
  void covers(String wide, String narrow, boolean expected) {
    assertThat(TopicPattern.parse(wide).covers(TopicPattern.parse(narrow))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
      "#, streams.*.#, true",
      "*.users, streams.*.#, true",
      "streams.users, streams.*.#, true",
      "streams, streams.*.#, false",
      "*, streams.*.#, false",
      "orders.*, streams.*.#, false",
      "streams.#, streams.*.#, true",
      "a.#.c, a.b, false",
      "a.#.c, #.c, true",
      "a.*, *.b, true",
      "a.*, b.*, false",
      "#, #, true",
      "a.b.c, a.#, true",
  })
  void overlaps(String one, String other, boolean expected) {
    assertThat(TopicPattern.parse(one).overlaps(TopicPattern.parse(other))).isEqualTo(expected);
    assertThat(TopicPattern.parse(other).overlaps(TopicPattern.parse(one))).as("symmetric").isEqualTo(expected);
  }
}
