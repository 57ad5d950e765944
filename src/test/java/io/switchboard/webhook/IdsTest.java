package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void idsSortInTheOrderTheyWereMadeEvenWithinOneMillisecond() {
    List<String> ids = new ArrayList<>();
    long now = System.currentTimeMillis() + 1000;
    for (int i = 0; i < 1000; i++) {
      ids.add(Ids.next(Ids.MESSAGE, now));
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(ids).allSatisfy(id -> assertThat(Ids.plausible(id, Ids.MESSAGE)).isTrue());
    String later = Ids.next(Ids.MESSAGE, now + 1);
    assertThat(later).isGreaterThan(ids.get(999));
  }

  @Test
  void theFloorOfATimeSortsBeforeEveryIdMadeFromThen() {
    String floor = Ids.floor(Ids.MESSAGE, 1_795_000_000_500L);
    assertThat(Ids.next(Ids.MESSAGE, 1_795_000_000_500L)).isGreaterThanOrEqualTo(floor);
    assertThat(floor).isGreaterThan(Ids.next(Ids.MESSAGE, 1_795_000_000_499L));
    assertThat(Ids.plausible(floor, Ids.MESSAGE)).isTrue();
    assertThat(Ids.plausible("msg_x", Ids.MESSAGE)).isFalse();
    assertThat(Ids.plausible("wh_01M8D9T79JC188Z8XPRWBQQ56V", Ids.MESSAGE)).isFalse();
  }
}
