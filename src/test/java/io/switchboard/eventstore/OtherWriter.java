package io.switchboard.eventstore;

import io.switchboard.core.db.Database;
import io.switchboard.testing.TestHub;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A store writer of its own on the hub's database, as another hub node has: it knows only what its
 * own commits left (nothing at first), so the tests can choose which writer plans an append.
 * Runs on a context of its own, as the store verticle's writer does.
 */
final class OtherWriter {

  private final SqlEventStore store;
  private final Context context;

  OtherWriter(Vertx vertx, Database db) {
    this.store = new SqlEventStore(db, Retention.NONE);
    this.context = vertx.getOrCreateContext();
  }

  /** Sends the append ({@code {"stream","expected_version","events"}}) without waiting: an {@link Appended} or the {@code Problem}. */
  Future<Object> submit(JsonObject append) {
    Promise<Object> outcome = Promise.promise();
    context.runOnContext(v -> store.append(List.of(AppendRequest.parse(append, 100)))
        .onComplete(ar -> {
          if (ar.failed()) {
            outcome.fail(ar.cause());
          } else {
            outcome.complete(ar.result().get(0));
          }
        }));
    return outcome.future();
  }

  Object append(JsonObject append) {
    return TestHub.await(submit(append));
  }

  static JsonObject create(String stream, String eventId) {
    return new JsonObject().put("stream", stream).put("expected_version", "no_stream")
        .put("events", new io.vertx.core.json.JsonArray().add(new JsonObject().put("id", eventId).put("type", "thing.made")
            .put("data", new JsonObject().put("by", eventId))));
  }
}
