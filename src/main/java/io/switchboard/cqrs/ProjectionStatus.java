package io.switchboard.cqrs;

import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where each projection stands against the store, from its checkpoint row and the store's head:
 * {@code lag_events} (events appended after its checkpoint) and {@code lag_ms} (how long the
 * first of them has waited, by its time; 0 when caught up). What {@code GET /api/v1/projections}
 * shows, and what the node's lag gauges are set from.
 */
final class ProjectionStatus {

  private final Vertx vertx;
  private final Database db;
  private final List<String> names;
  private final String selectAll;
  private final String skippedSummary;
  private final Map<String, Gauges> gauges = new HashMap<>();

  private record Gauges(AtomicLong lagEvents, AtomicLong lagMs, AtomicLong position, AtomicLong failed) {}

  ProjectionStatus(Vertx vertx, Database db, List<String> names) {
    this.vertx = vertx;
    this.db = db;
    this.names = names;
    this.selectAll = db.sql(Checkpoints.SELECT_ALL);
    this.skippedSummary = db.sql(Checkpoints.SKIPPED_SUMMARY);
    for (String name : names) {
      gauges.put(name, new Gauges(gauge("lag.events", "Events appended after the projection's checkpoint", name),
          gauge("lag.ms", "How long the projection's oldest unapplied event has waited", name),
          gauge("position", "The projection's checkpoint (a global position)", name),
          gauge("failed", "1 while the projection is stopped at a failed event", name)));
    }
  }

  private AtomicLong gauge(String metric, String description, String projection) {
    return Metrics.nodeGauge(vertx, "switchboard.cqrs.projection." + metric, description, "projection", projection);
  }

  /** {@code {"projections": [...]}}, in the order of {@code cqrs.projections}. */
  Future<JsonObject> list() {
    Future<Map<String, Row>> rows = db.pool().query(selectAll).execute().map(result -> {
      Map<String, Row> byName = new HashMap<>();
      result.forEach(row -> byName.put(row.getString(0), row));
      return byName;
    }).recover(e -> Future.failedFuture(db.problem(e, "reading the projections' checkpoints")));
    // Events passed over (by an admin's skip or the skip policy): how many, and the last one's position.
    Future<Map<String, Row>> skipped = db.pool().query(skippedSummary).execute().map(result -> {
      Map<String, Row> byName = new HashMap<>();
      result.forEach(row -> byName.put(row.getString(0), row));
      return byName;
    }).recover(e -> Future.failedFuture(db.problem(e, "reading the projections' skipped events")));
    Future<Long> head = read(new JsonObject().put("stream", "$all").put("direction", "backward").put("limit", 1))
        .map(events -> events.isEmpty() ? 0L : events.getJsonObject(0).getLong("position"));
    return Future.all(rows, skipped, head).compose(v -> {
      List<Future<JsonObject>> entries = new ArrayList<>();
      for (String name : names) {
        Row skips = skipped.result().get(name);
        entries.add(entry(name, rows.result().get(name), head.result()).map(entry -> entry
            .put("skipped_events", skips == null ? 0L : skips.getLong(1))
            .put("last_skipped_position", skips == null ? null : skips.getLong(2))));
      }
      return Future.all(entries).map(all -> {
        JsonArray list = new JsonArray();
        entries.forEach(e -> list.add(e.result()));
        return new JsonObject().put("projections", list);
      });
    });
  }

  /** Sets this node's gauges from a fresh {@link #list}. */
  Future<Void> refreshGauges() {
    return list().onSuccess(result -> {
      for (Object item : result.getJsonArray("projections")) {
        JsonObject p = (JsonObject) item;
        Gauges g = gauges.get(p.getString("name"));
        g.lagEvents().set(p.getLong("lag_events"));
        g.lagMs().set(p.getLong("lag_ms"));
        g.position().set(p.getLong("position"));
        g.failed().set(Checkpoints.FAILED.equals(p.getString("status")) ? 1 : 0);
      }
    }).mapEmpty();
  }

  private Future<JsonObject> entry(String name, Row row, long head) {
    long position = row == null ? 0 : row.getLong(1);
    String status = row == null ? Checkpoints.RUNNING : row.getString(2);
    Long rebuildUntil = row == null ? null : row.getLong(6);
    if (Checkpoints.RUNNING.equals(status) && rebuildUntil != null && position < rebuildUntil) {
      status = "rebuilding";
    }
    long lagEvents = Math.max(0, head - position);
    JsonObject entry = new JsonObject().put("name", name).put("position", position).put("head", head)
        .put("lag_events", lagEvents).put("status", status);
    if (row != null) {
      if (row.getString(3) != null) {
        entry.put("error", row.getString(3));
        entry.put("failed_event", db.dialect().jsonValue(row.getValue(4)));
      }
      entry.put("runner", row.getString(5)).put("updated_at", row.getString(7));
    }
    if (lagEvents == 0) {
      return Future.succeededFuture(entry.put("lag_ms", 0L));
    }
    return read(new JsonObject().put("stream", "$all").put("from_position", position + 1).put("limit", 1))
        .map(next -> entry.put("lag_ms", next.isEmpty() ? 0L : waitedMs(next.getJsonObject(0).getString("time"))));
  }

  private static long waitedMs(String time) {
    try {
      return Math.max(0, System.currentTimeMillis() - OffsetDateTime.parse(time).toInstant().toEpochMilli());
    } catch (DateTimeParseException | NullPointerException e) {
      return 0;
    }
  }

  private Future<JsonArray> read(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ, request)
        .map(reply -> reply.body().getJsonArray("events", new JsonArray()))
        .recover(e -> Future.failedFuture(Problem.from(e, Addresses.EVENTSTORE_READ)));
  }
}
