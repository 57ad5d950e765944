package io.switchboard.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.db.Database;
import io.switchboard.testing.Http;
import io.switchboard.testing.Services;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The event store on PostgreSQL, in a schema of this run's own. */
class EventStorePostgresIT extends EventStoreContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }

  @Override
  boolean killInsertingSession(Database db) throws Exception {
    String applicationName = ("switchboard store " + hub.nodeId());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!rows(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 "
          + "AND state IN ('active', 'idle in transaction') AND query LIKE 'INSERT INTO events%'",
          Tuple.of(applicationName)).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void whilePostgresIsDownStoreCallsGet503AndTheRestOfTheHubServesThenItRecovers() throws Exception {
    String s = stream("outage");
    appendOk(s, event("outage.before", 0));
    try (SseClient subscription = SseClient.open(hub.uri("/api/v1/streams/" + s + "/subscribe"))) {
      assertThat(subscription.next(WAIT).id()).isEqualTo("0");
      Services.outage(Services.Service.POSTGRES, () -> {
        HttpResponse<String> append = append(s, event("outage.during", 1));
        assertProblem(append, 503, "database-unavailable");
        assertThat(Http.json(append).getString("detail")).contains("PostgreSQL 127.0.0.1:5432/test")
            .contains("append again with the same event ids");
        // An append cut off by the database may have been committed: the answer says so.
        assertThat(Http.json(append).getString("outcome")).isEqualTo("unknown");
        HttpResponse<String> read = Http.get(hub.uri("/api/v1/streams/" + s));
        assertProblem(read, 503, "database-unavailable");
        assertThat(Http.json(read).containsKey("outcome")).as("a read changes nothing").isFalse();
        HttpResponse<String> ready = Http.get(hub.uri("/ready"));
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("store").getString("status")).isEqualTo("DOWN");
        HttpResponse<String> topic = Http.post(hub.uri("/api/v1/topics/still.serving"), "{}", "ce-type", "t");
        assertThat(topic.statusCode()).isEqualTo(202);
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      HttpResponse<String> append;
      do {
        append = append(s, event("outage.after", 1));
      } while (append.statusCode() == 503 && System.nanoTime() < deadline);
      assertThat(append.statusCode()).as(append.body()).isEqualTo(201);
      assertThat(Http.json(append).getLong("first_version")).isEqualTo(1);
      SseClient.Event resumed = subscription.next(WAIT);
      assertThat(resumed.id()).isEqualTo("1");
      assertThat(new JsonObject(resumed.data()).getString("type")).isEqualTo("outage.after");
      assertThat(Http.get(hub.uri("/ready")).statusCode()).isEqualTo(200);
    }
  }
}
