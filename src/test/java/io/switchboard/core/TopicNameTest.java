package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicNameTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "orders", "orders.created", "A-b_c.9", "x.y.z.w"})
  void valid(String name) {
    assertThat(TopicName.validate(name)).isEqualTo(name);
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(delimiter = '|', value = {
      "''        | it is empty",
      "a..b      | empty segment at position 2",
      "a.*       | character '*' at position 2 is not allowed",
      "a.#       | character '#' at position 2 is not allowed",
      "a.+       | character '+' at position 2 is not allowed",
      "ümlaut    | character 'ü' at position 0 is not allowed",
  })
  void invalid(String name, String reason) {
    assertThatThrownBy(() -> TopicName.validate(name))
        .isInstanceOfSatisfying(Problem.class, p -> {
          assertThat(p.status()).isEqualTo(400);
          assertThat(p.code()).isEqualTo("invalid-topic");
          assertThat(p.detail()).contains(reason);
        });
  }

  @Test
  void tooLong() {
    String name = "a".repeat(256);
    assertThatThrownBy(() -> TopicName.validate(name))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.detail()).contains("256 characters long, the limit is 255"));
    assertThat(TopicName.isValid("a".repeat(255))).isTrue();
  }

  @Test
  void controlCharactersAreNotEchoed() {
    assertThatThrownBy(() -> TopicName.validate("a\nb"))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.detail()).doesNotContain("\n").contains("'a?b'"));
  }
}
