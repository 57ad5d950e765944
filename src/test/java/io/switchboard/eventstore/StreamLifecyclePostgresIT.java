package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.db.Database;
import io.switchboard.core.db.RunnerLocks;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The store's lifecycle on PostgreSQL, in a schema of this run's own. */
class StreamLifecyclePostgresIT extends StreamLifecycleContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }

  @Test
  void oneScavengerPerCluster() {
    assertThat(scavenge().getBoolean("ran")).isTrue();
    // Another node of the same hub (same schema) cannot take the scavenger's lock while this one holds it.
    JsonObject conf = hub.conf.copy();
    conf.getJsonObject("postgres").put("pool_size", 1);
    Database same = Database.open(hub.vertx, hub.conf, "test");
    RunnerLocks other = RunnerLocks.open(hub.vertx, same, () -> Database.open(hub.vertx, conf, "other-node"), "projection", () -> { });
    try {
      assertThat(TestHub.await(other.tryLock(Scavenger.LOCK))).isFalse();
    } finally {
      TestHub.await(other.close());
      TestHub.await(same.close());
    }
  }
}
