package io.switchboard.gateway;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** The {@code switchboard.gap} CloudEvent telling a client it missed messages, and why. */
final class GapNotices {

  static final String TYPE = "switchboard.gap";

  private final String source;

  GapNotices(String source) {
    this.source = source;
  }

  /**
   * @param reason  {@code history} (a resume older than what is kept), {@code history-unavailable},
   *                or {@code slow-client} (dropped because the client read too slowly)
   * @param dropped how many were dropped, when known (0 = unknown)
   */
  JsonObject event(String reason, long dropped) {
    JsonObject data = new JsonObject().put("reason", reason);
    if (dropped > 0) {
      data.put("dropped", dropped);
    }
    return new JsonObject().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
        .put("source", source).put("type", TYPE)
        .put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()).put("data", data);
  }
}
