package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStoreRulesTest {

  @Test
  void streamNamesCategoriesAndTopics() {
    assertThat(StreamName.validate("order-123")).isEqualTo("order-123");
    assertThat(StreamName.category("order-123-x")).isEqualTo("order");
    assertThat(StreamName.category("settings")).isEqualTo("settings");
    assertThat(StreamName.topic("eu.order")).isEqualTo("streams.eu.order");
    assertThat(StreamName.topic("tenant:a")).isEqualTo("streams.tenant_a");
    assertThatThrownBy(() -> StreamName.validate("a b")).isInstanceOf(Problem.class).hasMessageContaining("position 1");
    assertThatThrownBy(() -> StreamName.validate("x".repeat(201))).hasMessageContaining("201");
    assertThatThrownBy(() -> StreamName.validateCategory("a-b")).hasMessageContaining("before the first '-'");
  }

  @Test
  void expectedVersions() {
    assertThat(ExpectedVersion.parse(null).matches(5)).isTrue();
    assertThat(ExpectedVersion.parse("no_stream").matches(-1)).isTrue();
    assertThat(ExpectedVersion.parse(-1).kind()).isEqualTo(ExpectedVersion.Kind.NO_STREAM);
    assertThat(ExpectedVersion.parse("stream_exists").matches(-1)).isFalse();
    assertThat(ExpectedVersion.parse("3").matches(3)).isTrue();
    assertThat(ExpectedVersion.parse(3).wouldHaveStartedAt(4)).isTrue();
    assertThatThrownBy(() -> ExpectedVersion.parse("-2")).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> ExpectedVersion.parse("soon")).isInstanceOf(Problem.class);
  }

  @Test
  void eventsAreValidatedAndCloudEventAttributesKeptInMetadata() {
    JsonObject cloudEvent = new JsonObject().put("specversion", "1.0").put("type", "t").put("source", "/x")
        .put("correlationid", "c").put("data", 1).put("dataversion", "2");
    NewEvent e = NewEvent.parse(cloudEvent, 0, "ignored");
    assertThat(e.metadata()).isEqualTo(new JsonObject().put("source", "/x").put("correlationid", "c"));
    assertThat(e.dataversion()).isEqualTo(2);
    assertThat(e.id()).isNotBlank();
    assertThat(NewEvent.parse(new JsonObject().put("type", "t"), 0, "corr").metadata().getString("correlationid")).isEqualTo("corr");
    assertThatThrownBy(() -> NewEvent.parse(new JsonObject().put("data", 1), 3, null)).hasMessageContaining("event 3 has no type");
    assertThatThrownBy(() -> NewEvent.parse(new JsonObject().put("type", "t").put("time", "yesterday"), 0, null))
        .hasMessageContaining("RFC 3339");
    assertThatThrownBy(() -> NewEvent.parse(new JsonObject().put("type", "t").put("dataversion", 0), 0, null))
        .hasMessageContaining("dataversion");
    assertThatThrownBy(() -> AppendRequest.parse(new JsonObject().put("stream", "s").put("events",
        new JsonArray().add(new JsonObject().put("type", "t").put("id", "1")).add(new JsonObject().put("type", "t").put("id", "1"))), 10))
        .hasMessageContaining("earlier event");
    assertThatThrownBy(() -> AppendRequest.parse(new JsonObject().put("stream", "s").put("events",
        new JsonArray().add(new JsonObject().put("type", "t")).add(new JsonObject().put("type", "t"))), 1))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(413));
  }

  @Test
  void upcastersChainFromTheStoredVersionToTheCurrentOne() {
    Upcasters upcasters = Upcasters.from(new JsonArray()
        .add(new JsonObject().put("type", "t").put("from", 1).put("rename", new JsonObject().put("a", "b")))
        .add(new JsonObject().put("type", "t").put("from", 2).put("defaults", new JsonObject().put("c", 0))
            .put("remove", new JsonArray().add("old"))), List.of());
    StoredEvent v1 = new StoredEvent(1, "s", 0, "id", "t", "now", 1, new JsonObject().put("a", 1).put("old", true), new JsonObject());
    StoredEvent current = upcasters.apply(v1);
    assertThat(current.dataversion()).isEqualTo(3);
    assertThat(current.data()).isEqualTo(new JsonObject().put("b", 1).put("c", 0));
    StoredEvent other = new StoredEvent(1, "s", 0, "id", "u", "now", 1, 5, new JsonObject());
    assertThat(upcasters.apply(other)).isSameAs(other);
    assertThatThrownBy(() -> Upcasters.from(new JsonArray().add(new JsonObject().put("type", "t").put("from", 0)), List.of()))
        .hasMessageContaining("eventstore.upcasters[0].from");
  }
}
