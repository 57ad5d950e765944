package io.switchboard.cqrs;

import io.switchboard.examples.orders.OrderProjection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Projections the CQRS tests run beside the Order one, listed by class name in cqrs.projections. */
public final class TestProjections {

  /** Event type the item, failing and gated projections apply. */
  public static final String ITEM = "cqrstest.item";
  /** Published to open ({@code true}) or close ({@code false}) the gate of {@link Gated}. */
  public static final String GATE = "cqrstest.gate";
  /** Published to let {@link Failing} apply the poisoned events from now on. */
  public static final String CURE = "cqrstest.cure";
  /** Published by {@link PausingOrders} when it stops in the middle of a batch: {@code {"position"}}. */
  public static final String PAUSED = "cqrstest.paused";

  private TestProjections() {}

  /** Records every event it is given, whatever its type, in a table without a key. */
  public static final class Audit implements Projection {
    @Override
    public String name() {
      return "audit";
    }

    @Override
    public Set<String> eventTypes() {
      return Set.of("order.created", "order.shipped", ITEM);
    }

    @Override
    public String migrations() {
      return "cqrstest";
    }

    @Override
    public Future<Void> apply(RecordedEvent event, ProjectionTx tx) {
      return tx.execute("INSERT INTO cqrs_test_applied (position) VALUES ($1)", Tuple.of(event.position())).mapEmpty();
    }

    @Override
    public Future<Void> reset(ProjectionTx tx) {
      return tx.execute("DELETE FROM cqrs_test_applied", Tuple.tuple()).mapEmpty();
    }
  }

  /** Keeps items; throws on those with {@code "poison": true} until it is cured, and always on {@code "toxic": true}. */
  public static final class Failing implements Projection {
    private boolean cured;

    public Failing(Vertx vertx, JsonObject conf) {
      vertx.eventBus().consumer(CURE, m -> cured = true);
    }

    @Override
    public String name() {
      return "failing";
    }

    @Override
    public Set<String> eventTypes() {
      return Set.of(ITEM);
    }

    @Override
    public String migrations() {
      return "cqrstest";
    }

    @Override
    public Future<Void> apply(RecordedEvent event, ProjectionTx tx) {
      if (event.dataObject().getBoolean("toxic", false)) {
        throw new IllegalStateException("toxic item " + event.dataObject().getString("label"));
      }
      if (event.dataObject().getBoolean("poison", false) && !cured) {
        throw new IllegalStateException("poisoned item " + event.dataObject().getString("label"));
      }
      return tx.execute("INSERT INTO cqrs_test_items (position, label) VALUES ($1, $2)",
          Tuple.of(event.position(), event.dataObject().getString("label"))).mapEmpty();
    }

    @Override
    public Future<Void> reset(ProjectionTx tx) {
      return tx.execute("DELETE FROM cqrs_test_items", Tuple.tuple()).mapEmpty();
    }
  }

  /** Applies items only while its gate is open; holds the batch (and its transaction) while closed. */
  public static final class Gated implements Projection {
    private boolean open = true;
    private final List<Promise<Void>> waiting = new ArrayList<>();

    public Gated(Vertx vertx, JsonObject conf) {
      vertx.eventBus().<Boolean>consumer(GATE, m -> {
        open = m.body();
        if (open) {
          List.copyOf(waiting).forEach(Promise::tryComplete);
          waiting.clear();
        }
      });
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public Set<String> eventTypes() {
      return Set.of(ITEM);
    }

    @Override
    public String migrations() {
      return "cqrstest";
    }

    @Override
    public Future<Void> apply(RecordedEvent event, ProjectionTx tx) {
      Future<Void> gate = Future.succeededFuture();
      if (!open) {
        Promise<Void> opened = Promise.promise();
        waiting.add(opened);
        gate = opened.future();
      }
      return gate.compose(v -> tx.execute("INSERT INTO cqrs_test_gated (position) VALUES ($1)", Tuple.of(event.position())))
          .mapEmpty();
    }

    @Override
    public Future<Void> reset(ProjectionTx tx) {
      return tx.execute("DELETE FROM cqrs_test_gated", Tuple.tuple()).mapEmpty();
    }
  }

  /**
   * The orders projection, except that at the event at {@code cqrstest.pause_at} it stops for good
   * (announcing it on {@link #PAUSED}): a projector frozen in the middle of a batch, with the
   * batch's earlier events written in its open transaction.
   */
  public static final class PausingOrders implements Projection {
    private final OrderProjection orders = new OrderProjection();
    private final Vertx vertx;
    private final long pauseAt;

    public PausingOrders(Vertx vertx, JsonObject conf) {
      this.vertx = vertx;
      this.pauseAt = conf.getJsonObject("cqrstest").getLong("pause_at");
    }

    @Override
    public String name() {
      return orders.name();
    }

    @Override
    public Set<String> eventTypes() {
      return orders.eventTypes();
    }

    @Override
    public String migrations() {
      return orders.migrations();
    }

    @Override
    public Future<Void> apply(RecordedEvent event, ProjectionTx tx) {
      if (event.position() == pauseAt) {
        vertx.eventBus().publish(PAUSED, new JsonObject().put("position", event.position()));
        return Promise.<Void>promise().future();
      }
      return orders.apply(event, tx);
    }

    @Override
    public Future<Void> reset(ProjectionTx tx) {
      return orders.reset(tx);
    }
  }
}
