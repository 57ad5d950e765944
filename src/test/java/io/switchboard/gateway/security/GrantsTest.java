package io.switchboard.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class GrantsTest {

  private static Principal principal(Grants.Holder holder, JsonObject grants, Scope... scopes) {
    EnumSet<Scope> set = EnumSet.noneOf(Scope.class);
    set.addAll(java.util.List.of(scopes));
    return new Principal("test", set, Grants.from(grants, "topics", holder, "test"), null);
  }

  @Test
  void streamReadsOfNamesCategoriesAndAll() {
    Principal p = principal(Grants.Holder.TOKEN, new JsonObject().put("topics", new JsonArray().add("streams.*"))
        .put("streams", new JsonObject().put("read", new JsonArray().add("orders-*").add("$category:inv*"))), Scope.SUBSCRIBE,
        Scope.PUBLISH);
    assertThat(p.mayReadStream("orders-1")).isTrue();
    assertThat(p.mayReadStream("users-42")).isFalse();
    assertThat(p.mayReadStream("invoices-7")).as("within a granted category").isTrue();
    assertThat(p.mayReadCategory("orders")).as("a stream glob is not a category grant").isFalse();
    assertThat(p.mayReadCategory("invoices")).isTrue();
    assertThat(p.mayReadAll()).isFalse();
    assertThat(p.mayAppend("orders-1")).as("a token appends only where its claims say").isFalse();
    p.requireRead("$all", "invoices");
    assertThatThrownBy(() -> p.requireRead("$all", null)).isInstanceOfSatisfying(Problem.class, e -> assertThat(e.status()).isEqualTo(403));
    p.requireSubscribe(TopicPattern.parse("streams.invoices"));
    assertThatThrownBy(() -> p.requireSubscribe(TopicPattern.parse("streams.orders"))).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> p.requireSubscribe(TopicPattern.parse("streams.*"))).hasMessageContaining("every category");
  }

  @Test
  void anApiKeyWithoutGrantsUsesSingleStreamsButNeverAllOrACategory() {
    Principal key = principal(Grants.Holder.API_KEY, new JsonObject(), Scope.SUBSCRIBE, Scope.PUBLISH);
    assertThat(key.mayAppend("anything-1")).isTrue();
    assertThat(key.mayReadStream("anything-1")).isTrue();
    assertThat(key.mayReadCategory("anything")).isFalse();
    assertThat(key.mayReadAll()).isFalse();
    key.requireSubscribe(TopicPattern.parse("orders.*"));
    key.requireQueue("jobs");
    key.requireCommand("CreateOrder");
    Principal admin = principal(Grants.Holder.TOKEN, new JsonObject(), Scope.ADMIN);
    assertThat(admin.mayReadAll()).isTrue();
    assertThat(admin.mayAppend("users-42")).isTrue();
  }

  @Test
  void aListAppliesToBothDirectionsAndGlobsMatchWholeNames() {
    Principal p = principal(Grants.Holder.TOKEN, new JsonObject().put("streams", new JsonArray().add("orders-*"))
        .put("queues", new JsonArray().add("jobs")).put("commands", new JsonArray().add("Create*")), Scope.PUBLISH, Scope.SUBSCRIBE);
    assertThat(p.mayAppend("orders-9")).isTrue();
    assertThat(p.mayReadStream("orders-9")).isTrue();
    assertThat(p.mayAppend("xorders-9")).isFalse();
    p.requireQueue("jobs");
    assertThatThrownBy(() -> p.requireQueue("jobs2")).isInstanceOf(Problem.class);
    p.requireCommand("CreateOrder");
    assertThatThrownBy(() -> p.requireCommand("ShipOrder")).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> p.requireQuery("GetOrderById")).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> p.requirePublish("streams.orders")).hasMessageContaining("event store");
  }

  @Test
  void malformedGrantsNameTheField() {
    assertThatThrownBy(() -> Grants.from(new JsonObject().put("streams", "orders-*"), "topics", Grants.Holder.API_KEY, "auth.api_keys[0]"))
        .hasMessage("auth.api_keys[0].streams: must be a list, or an object of lists");
    assertThatThrownBy(() -> Grants.from(new JsonObject().put("streams", new JsonObject().put("read", new JsonArray().add("$every"))),
        "topics", Grants.Holder.API_KEY, "auth.api_keys[1]")).hasMessageStartingWith("auth.api_keys[1].streams.read[0]");
    assertThatThrownBy(() -> Grants.from(new JsonObject().put("queues", new JsonArray().add("a b")), "topics", Grants.Holder.API_KEY, "k"))
        .hasMessageStartingWith("k.queues[0]");
    assertThatThrownBy(() -> new ApiKeys(new JsonArray().add(new JsonObject().put("name", "ci")
        .put("hash", "sha256:" + ApiKeys.sha256("x")).put("stream", new JsonArray()))))
        .hasMessageStartingWith("auth.api_keys[0].stream: unknown field");
  }
}
