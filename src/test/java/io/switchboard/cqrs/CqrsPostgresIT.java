package io.switchboard.cqrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.examples.orders.OrderProjection;
import io.switchboard.testing.Http;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestDatabase;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The CQRS contract on PostgreSQL (advisory locks), plus two nodes sharing the database. */
class CqrsPostgresIT extends CqrsContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }

  @Test
  @Order(Integer.MAX_VALUE - 1)
  void whilePostgresIsDownCommandsAndQueriesAnswer503AndAfterwardsEverythingCarriesOnWithNothingLostOrRepeated() throws Exception {
    awaitCaughtUp("audit");
    long start = head();
    String id = createOrder("cu-outage").getString("order_id");
    Services.outage(Services.Service.POSTGRES, () -> {
      HttpResponse<String> create = post("/api/v1/orders", items("p", "1").put("customer_id", "cu-outage").encode());
      assertProblem(create, 503, "database-unavailable");
      assertThat(Http.json(create).getString("detail")).contains("PostgreSQL 127.0.0.1:5432/test");
      assertThat(ship(id, "DOWN").statusCode()).isEqualTo(503);
      assertThat(Http.get(hub.uri("/api/v1/orders/" + id)).statusCode()).isEqualTo(503);
      assertThat(Http.get(hub.uri("/api/v1/projections")).statusCode()).isEqualTo(503);
    });
    await(() -> ship(id, "UP").statusCode() == 200, "commands work again");
    JsonObject order = Http.json(Http.get(hub.uri("/api/v1/orders/" + id + "?min_position=" + head())));
    assertThat(order.getString("status")).isEqualTo("shipped");
    assertThat(order.getString("tracking_number")).isEqualTo("UP");
    appendItems(new JsonObject().put("label", "after-outage"));
    awaitCaughtUp("audit");
    awaitCaughtUp(OrderProjection.NAME);
    List<Row> applied = rows("SELECT position, COUNT(*) FROM cqrs_test_applied WHERE position > $1 GROUP BY position "
        + "ORDER BY position", Tuple.of(start));
    assertThat(applied).extracting(r -> r.getLong(0)).containsExactly(start + 1, start + 2, start + 3);
    assertThat(applied).extracting(r -> r.getLong(1)).containsOnly(1L);
  }

  /** Last: a second hub in this JVM shares the metrics registry and takes it along when it closes. */
  @Test
  @Order(Integer.MAX_VALUE)
  void whenTheNodeRunningAProjectionLosesItsLockConnectionTheOtherNodeTakesOverWithoutApplyingAnythingTwice() {
    awaitCaughtUp("audit");
    long start = head();
    try (TestHub other = TestHub.start(overrides(), "topic-router", "event-store")) {
      TestHub.await(other.vertx.deployVerticle(ProjectorVerticle.class, new DeploymentOptions().setConfig(other.conf)));
      appendItems(new JsonObject().put("label", "node-1"), new JsonObject().put("label", "node-2"));
      awaitCaughtUp("audit");
      String runner = projection("audit").getString("runner");
      String holder = runner.startsWith(hub.nodeId() + "/") ? hub.nodeId() : other.nodeId();
      String standby = holder.equals(hub.nodeId()) ? other.nodeId() : hub.nodeId();
      // The holder's lock session dies (a network cut, a crashed connection): the server frees its locks.
      List<Row> killed = rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
          Tuple.of("switchboard projector-lock " + holder));
      assertThat(killed).hasSize(1);
      await(() -> projection("audit").getString("runner").startsWith(standby + "/"), "the other node takes the projection over");
      for (int i = 0; i < 5; i++) {
        appendItems(new JsonObject().put("label", "node-" + (3 + i)));
      }
      awaitCaughtUp("audit");
      long end = head();
      assertThat(end - start).isEqualTo(7);
      List<Row> applied = rows("SELECT position, COUNT(*) FROM cqrs_test_applied WHERE position > $1 GROUP BY position "
          + "ORDER BY position", Tuple.of(start));
      assertThat(applied).extracting(r -> r.getLong(0)).containsExactly(start + 1, start + 2, start + 3, start + 4, start + 5,
          start + 6, start + 7);
      assertThat(applied).extracting(r -> r.getLong(1)).containsOnly(1L);
    }
  }
}
