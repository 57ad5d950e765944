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

  /** The quick check of a publish and the one that explains agree on every name, edge cases included. */
  @Test
  void theQuickCheckAgreesWithTheExplainingOne() {
    java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("", ".", "a.", ".a", "a..b", "a.b", "a",
        "a b", "a/b", "é", "a.*", "*", "#", "a-b_c.D9", "a".repeat(255), "a".repeat(256), "a.".repeat(127) + "a"));
    java.util.Random random = new java.util.Random(15);
    String alphabet = "ab.-_Z9*# é\u0000";
    for (int n = 0; n < 20_000; n++) {
      StringBuilder name = new StringBuilder();
      for (int k = random.nextInt(6); k > 0; k--) {
        name.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      names.add(name.toString());
    }
    for (String name : names) {
      boolean explainedValid = TopicName.whyInvalid(name, false) == null;
      assertThat(TopicName.isValid(name)).as("'%s'", name).isEqualTo(explainedValid);
      if (!explainedValid) {
        assertThatThrownBy(() -> TopicName.validate(name)).isInstanceOf(Problem.class);
      }
    }
  }
}
