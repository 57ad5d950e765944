package io.switchboard.webhook;

import io.switchboard.core.db.Dialect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An endpoint as its row holds it. */
record Endpoint(String id, String url, JsonArray events, String description, String secret, String previousSecret,
                Long previousSecretUntil, Integer rateLimit, Integer maxInFlight, boolean active, String disabledReason,
                Long failingSince, String circuit, int partition, long createdAt, long updatedAt) {

  /** The columns {@link #of} reads, in its order. */
  static final String COLUMNS = "id, url, events, description, secret, previous_secret, previous_secret_until, rate_limit, "
      + "max_in_flight, active, disabled_reason, failing_since, circuit, partition_no, created_at, updated_at";

  static Endpoint of(Row row, Dialect dialect) {
    return new Endpoint(row.getString(0), row.getString(1), dialect.jsonArray(row.getValue(2)), row.getString(3),
        row.getString(4), row.getString(5), row.getLong(6), row.getInteger(7), row.getInteger(8), row.getBoolean(9),
        row.getString(10), row.getLong(11), row.getString(12), row.getInteger(13), row.getLong(14), row.getLong(15));
  }

  /** The HMAC keys that sign at {@code now}: the secret, and the previous one while its grace period lasts. */
  List<byte[]> signingKeys(long now) {
    List<byte[]> keys = new ArrayList<>(2);
    keys.add(Secrets.key(secret));
    if (previousSecret != null && previousSecretUntil != null && now < previousSecretUntil) {
      keys.add(Secrets.key(previousSecret));
    }
    return keys;
  }

  /** The API's view; the secret is never shown after creation (or rotation). */
  JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("url", url)
        .put("events", events.copy())
        .put("description", description)
        .put("rate_limit", rateLimit)
        .put("max_in_flight", maxInFlight)
        .put("active", active)
        .put("circuit", circuit)
        .put("disabled_reason", disabledReason)
        .put("failing_since", time(failingSince))
        .put("created_at", time(createdAt))
        .put("updated_at", time(updatedAt));
    if (previousSecret != null && previousSecretUntil != null && previousSecretUntil > System.currentTimeMillis()) {
      json.put("previous_secret_expires_at", time(previousSecretUntil));
    }
    return json;
  }

  static String time(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }
}
