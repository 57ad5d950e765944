package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ProblemTest {

  @Test
  void serialisesAsRfc9457WithExtensions() {
    Problem p = Problem.conflict("version-conflict", "expected 3", new JsonObject().put("current_version", 5));
    assertThat(p.toJson()).isEqualTo(new JsonObject()
        .put("type", "urn:switchboard:problem:version-conflict").put("title", "Conflict").put("status", 409)
        .put("detail", "expected 3").put("current_version", 5));
  }

  @Test
  void survivesTheEventBus() {
    Problem sent = Problem.conflict("version-conflict", "expected 3", new JsonObject().put("current_version", 5));
    Problem received = Problem.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, sent.toJson().encode()), "x");
    assertThat(received.toJson()).isEqualTo(sent.toJson());
  }

  @Test
  void eventBusFailuresSayWhatIsMissing() {
    Problem noHandler = Problem.from(new ReplyException(ReplyFailure.NO_HANDLERS, "none"), "switchboard.topics.publish");
    assertThat(noHandler.status()).isEqualTo(503);
    assertThat(noHandler.detail()).contains("switchboard.topics.publish");
    assertThat(Problem.from(new ReplyException(ReplyFailure.TIMEOUT, "t"), "a").status()).isEqualTo(503);
    Problem plain = Problem.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 422, "bad thing"), "a");
    assertThat(plain.status()).isEqualTo(422);
    assertThat(plain.detail()).isEqualTo("bad thing");
  }
}
