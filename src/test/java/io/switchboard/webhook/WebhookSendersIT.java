package io.switchboard.webhook;

import static io.switchboard.webhook.WebhookContract.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.db.Database;
import io.switchboard.testing.Http;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.switchboard.testing.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sender instances on two nodes sharing one PostgreSQL schema: the endpoints' partitions are shared
 * between them, no attempt is ever sent twice, a node that leaves hands its endpoints over, and
 * the address guard runs again when a delivery is sent.
 */
class WebhookSendersIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static JsonObject conf(TestDatabase database, boolean allowPrivate) {
    return database.conf.copy().put("webhooks", new JsonObject().put("allow_private", allowPrivate).put("allow_http", true)
        .put("connect_timeout_ms", 1000).put("request_timeout_ms", 2000).put("poll_ms", 200).put("lease_ms", 1500)
        .put("retry_schedule_ms", new JsonArray(List.of(100, 200))));
  }

  private static List<Row> rows(Database db, String sql, Tuple values) {
    List<Row> out = new ArrayList<>();
    TestHub.await(db.pool().preparedQuery(db.sql(sql)).execute(values)).forEach(out::add);
    return out;
  }

  private static long count(Database db, String sql) {
    return rows(db, sql, Tuple.tuple()).get(0).getLong(0);
  }

  @Test
  void twoNodesOfTwoSendersShareTheEndpointsAndNeverSendAnAttemptTwiceEvenWhenOneLeaves() {
    try (TestDatabase database = TestDatabase.create(TestDatabase.Kind.POSTGRES);
         WebhookReceiver receiver = WebhookReceiver.start()) {
      JsonObject conf = conf(database, true);
      TestHub a = TestHub.start(conf, d -> d.name().equals("webhook-sender") ? d.withInstances(2) : d,
          "gateway", "topic-router", "event-store", "webhook-outbox", "webhook-sender");
      TestHub b = TestHub.start(conf, d -> d.name().equals("webhook-sender") ? d.withInstances(2) : d, "webhook-sender");
      Database db = database.open(a.vertx, a.conf);
      try {
        await(WAIT, "four senders to share the partitions", () -> count(db,
            "SELECT COUNT(DISTINCT owner) FROM webhook_partitions WHERE owner IS NOT NULL") == 4);
        int endpoints = 12;
        int events = 100;
        for (int e = 0; e < endpoints; e++) {
          HttpResponse<String> created = Http.post(a.uri("/api/v1/webhooks"), new JsonObject().put("url", receiver.url("/e" + e))
              .put("events", new JsonArray().add("load.*")).put("max_in_flight", 4).encode(), "Content-Type", "application/json");
          assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        for (int i = 0; i < events; i++) {
          if (i == events / 2) {
            for (int e = 0; e < endpoints; e++) {
              receiver.awaitDelivered("/e" + e, events / 2, WAIT);
            }
            b.close();   // a node leaves in the middle: what it held goes to the other
          }
          HttpResponse<String> published = Http.post(a.uri("/api/v1/topics/load"), String.valueOf(i), "ce-type", "load.tick");
          assertThat(published.statusCode()).isEqualTo(202);
        }
        for (int e = 0; e < endpoints; e++) {
          Map<String, Long> delivered = receiver.awaitDelivered("/e" + e, events, WAIT);
          assertThat(delivered).as("/e" + e).hasSize(events).allSatisfy((id, times) -> assertThat(times).as(id).isEqualTo(1));
          assertThat(receiver.received("/e" + e)).hasSize(events);
        }
        int total = endpoints * events;
        await(WAIT, "every delivery to be recorded", () -> count(db,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'") == total);
        assertThat(count(db, "SELECT COUNT(*) FROM webhook_attempts")).isEqualTo(total);
        assertThat(count(db, "SELECT COUNT(*) FROM (SELECT delivery_id FROM webhook_attempts GROUP BY delivery_id "
            + "HAVING COUNT(*) > 1) twice")).isZero();
        List<String> senders = rows(db, "SELECT DISTINCT sender FROM webhook_attempts", Tuple.tuple()).stream()
            .map(r -> r.getString(0)).toList();
        assertThat(senders).as("senders that made attempts").hasSizeGreaterThanOrEqualTo(3)
            .anyMatch(s -> s.startsWith(a.nodeId() + "/")).anyMatch(s -> s.startsWith(b.nodeId() + "/"));
      } finally {
        TestHub.await(db.close());
        a.close();
      }
    }
  }

  @Test
  void theAddressIsCheckedAgainWhenADeliveryIsSent() {
    try (TestDatabase database = TestDatabase.create(TestDatabase.Kind.POSTGRES);
         WebhookReceiver receiver = WebhookReceiver.start()) {
      // Registered where private addresses were allowed; sent by a sender that does not allow them,
      // as if the name had been pointed inside after registration (DNS rebinding).
      TestHub api = TestHub.start(conf(database, true), "gateway", "topic-router", "webhook-outbox");
      TestHub sender = TestHub.start(conf(database, false), "webhook-sender");
      try {
        HttpResponse<String> created = Http.post(api.uri("/api/v1/webhooks"), new JsonObject().put("url", receiver.url("/inside"))
            .put("events", new JsonArray().add("probe.*")).encode(), "Content-Type", "application/json");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = Http.json(created).getString("id");
        Http.post(api.uri("/api/v1/topics/probe"), "{}", "ce-type", "probe.x");
        await(WAIT, "an attempt to be refused", () -> {
          JsonArray deliveries = Http.json(Http.get(api.uri("/api/v1/webhooks/" + id + "/deliveries"))).getJsonArray("deliveries");
          return !deliveries.isEmpty() && deliveries.getJsonObject(0).getInteger("attempts") >= 1;
        });
        JsonObject delivery = Http.json(Http.get(api.uri("/api/v1/webhooks/" + id + "/deliveries"))).getJsonArray("deliveries")
            .getJsonObject(0);
        assertThat(delivery.getString("error")).contains("127.0.0.1").contains("loopback");
        assertThat(delivery.getValue("http_status")).isNull();
        assertThat(receiver.received()).isEmpty();
      } finally {
        sender.close();
        api.close();
      }
    }
  }
}
