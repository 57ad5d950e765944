package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointInputTest {

  private final AddressGuard guard = new AddressGuard(false, false);

  private static JsonObject valid() {
    return new JsonObject().put("url", "https://example.com/hook").put("events", new JsonArray(List.of("order.*", "order.+", "#")));
  }

  @Test
  void createNormalisesPatternsAndGeneratesASecret() {
    JsonObject in = EndpointInput.create(valid(), guard);
    assertThat(in.getJsonArray("events")).containsExactly("order.*", "#");
    assertThat(in.getString("secret")).startsWith("whsec_");
    assertThat(in.getBoolean("active")).isTrue();
  }

  @Test
  void eachFieldIsChecked() {
    assertCode(() -> EndpointInput.create(new JsonArray(), guard), 400, "malformed-request");
    assertCode(() -> EndpointInput.create(valid().put("event", "x"), guard), 422, "unknown-field");
    assertCode(() -> EndpointInput.create(valid().put("events", new JsonArray()), guard), 422, "invalid-events");
    assertCode(() -> EndpointInput.create(valid().put("events", "order.*"), guard), 422, "invalid-events");
    assertCode(() -> EndpointInput.create(valid().put("events", new JsonArray().add("order.cre*")), guard), 422, "invalid-events");
    assertCode(() -> EndpointInput.create(valid().put("events", new JsonArray().add(5)), guard), 422, "invalid-events");
    assertCode(() -> EndpointInput.create(new JsonObject().put("url", "https://example.com"), guard), 422, "invalid-events");
    assertCode(() -> EndpointInput.create(valid().put("secret", "hunter2"), guard), 422, "invalid-secret");
    assertCode(() -> EndpointInput.create(valid().put("rate_limit", 0), guard), 422, "invalid-field");
    assertCode(() -> EndpointInput.create(valid().put("max_in_flight", 5000), guard), 422, "invalid-field");
    assertCode(() -> EndpointInput.create(valid().put("description", 3), guard), 422, "invalid-field");
    assertCode(() -> EndpointInput.create(valid().put("active", "yes"), guard), 422, "invalid-field");
    assertCode(() -> EndpointInput.create(valid().put("url", "http://example.com"), guard), 422, "insecure-url");
    assertCode(() -> EndpointInput.patch(new JsonObject(), guard), 422, "nothing-to-change");
    assertCode(() -> EndpointInput.patch(new JsonObject().put("secret", Secrets.generate()), guard), 422, "unknown-field");
  }

  @Test
  void patchKeepsOnlyWhatWasGiven() {
    JsonObject change = EndpointInput.patch(new JsonObject().put("active", false).put("rate_limit", null), guard);
    assertThat(change.fieldNames()).containsExactlyInAnyOrder("active", "rate_limit");
    assertThat(change.getValue("rate_limit")).isNull();
  }

  private static void assertCode(Runnable call, int status, String code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(Problem.class, p -> {
      assertThat(p.status()).as(p.detail()).isEqualTo(status);
      assertThat(p.code()).isEqualTo(code);
    });
  }
}
