package io.switchboard.cqrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.db.PostgresRunnerLocks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class AggregateTest {

  record Added(int amount) implements DomainEvent {
    @Override
    public String type() {
      return "counter.added";
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("amount", amount);
    }

    static Added from(JsonObject json) {
      return new Added(json.getInteger("amount"));
    }
  }

  static final class Counter extends Aggregate {
    int total;

    Counter(String id) {
      super(id);
      on("counter.added", Added::from, e -> total += e.amount());
    }

    void add(int amount) {
      if (amount <= 0) {
        throw new IllegalArgumentException("only positive amounts");
      }
      raise(new Added(amount));
    }
  }

  static RecordedEvent stored(long version, long position, String type, JsonObject data) {
    return RecordedEvent.from(new JsonObject().put("stream", "counter-c").put("version", version).put("position", position)
        .put("id", "e" + version).put("type", type).put("time", "2026-11-27T00:00:00Z").put("data", data));
  }

  @Test
  void raisedEventsAreAppliedAtOnceAndKeptUncommittedWithTheirVersions() {
    Counter counter = new Counter("c");
    assertThat(counter.exists()).isFalse();
    assertThat(counter.version()).isEqualTo(-1);
    counter.add(2);
    counter.add(3);
    assertThat(counter.total).isEqualTo(5);
    assertThat(counter.version()).isEqualTo(1);
    assertThat(counter.storedVersion()).isEqualTo(-1);
    assertThat(counter.uncommittedEvents()).containsExactly(new Added(2), new Added(3));
    counter.committed(42);
    assertThat(counter.uncommittedEvents()).isEmpty();
    assertThat(counter.storedVersion()).isEqualTo(1);
    assertThat(counter.position()).isEqualTo(42);
  }

  @Test
  void replayAppliesStoredEventsAndSkipsTypesWithoutAHandler() {
    Counter counter = new Counter("c");
    counter.replay(stored(0, 10, "counter.added", new JsonObject().put("amount", 4)));
    counter.replay(stored(1, 11, "counter.renamed", new JsonObject().put("name", "x")));
    counter.replay(stored(2, 15, "counter.added", new JsonObject().put("amount", 1)));
    assertThat(counter.total).isEqualTo(5);
    assertThat(counter.version()).isEqualTo(2);
    assertThat(counter.storedVersion()).isEqualTo(2);
    assertThat(counter.position()).isEqualTo(15);
    assertThat(counter.uncommittedEvents()).isEmpty();
  }

  @Test
  void aBrokenRuleRaisesNothing() {
    Counter counter = new Counter("c");
    assertThatThrownBy(() -> counter.add(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(counter.uncommittedEvents()).isEmpty();
    assertThat(counter.version()).isEqualTo(-1);
  }

  @Test
  void aggregateTypesNameTheirStreams() {
    AggregateType<Counter> type = new AggregateType<>("counter", Counter::new);
    assertThat(type.stream("c-1")).isEqualTo("counter-c-1");
    assertThatThrownBy(() -> new AggregateType<>("bad-category", Counter::new)).isInstanceOf(IllegalArgumentException.class);
    assertThat(AggregateType.isValidId("a:b.c_d-1")).isTrue();
    assertThat(AggregateType.isValidId("with space")).isFalse();
    assertThat(AggregateType.isValidId("")).isFalse();
  }

  @Test
  void settingsHaveDefaultsAndNameTheFieldThatIsWrong() {
    CqrsSettings defaults = CqrsSettings.from(new JsonObject());
    assertThat(defaults.commandRetries()).isEqualTo(3);
    assertThat(defaults.readPage()).isEqualTo(1000);
    assertThatThrownBy(() -> CqrsSettings.from(new JsonObject().put("cqrs", new JsonObject().put("command_retries", -1))))
        .hasMessageContaining("cqrs.command_retries");
    assertThatThrownBy(() -> CqrsSettings.from(new JsonObject().put("cqrs", new JsonObject().put("projections", "x"))))
        .hasMessageContaining("cqrs.projections");
  }

  @Test
  void projectionLockKeysDifferBySchemaAndName() {
    long key = PostgresRunnerLocks.key("projection", "orders", "switchboard");
    assertThat(PostgresRunnerLocks.key("projection", "orders", "switchboard")).isEqualTo(key);
    assertThat(PostgresRunnerLocks.key("projection", "orders", "other")).isNotEqualTo(key);
    assertThat(PostgresRunnerLocks.key("projection", "audit", "switchboard")).isNotEqualTo(key);
  }
}
