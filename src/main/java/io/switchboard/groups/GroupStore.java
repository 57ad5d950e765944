package io.switchboard.groups;

import io.switchboard.core.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The groups' tables: definitions, checkpoints (fenced by epoch) and parked events. SQL in PostgreSQL's form. */
final class GroupStore {

  static final String PARKED = "parked";
  static final String REPLAYING = "replaying";

  /** A checkpoint as read at take-over. */
  record Checkpoint(long position, JsonArray done, long epoch) {}

  /** A parked event. */
  record Parked(long position, JsonObject event, String reason, int attempts, String status, String parkedAt) {
    JsonObject toJson() {
      return new JsonObject().put("id", String.valueOf(position)).put("position", position).put("reason", reason)
          .put("attempts", attempts).put("status", status).put("parked_at", parkedAt).put("event", event);
    }
  }

  /** A change to the parked table, written with the checkpoint. */
  record ParkedChange(long position, Parked row) {
    static ParkedChange delete(long position) {
      return new ParkedChange(position, null);
    }
  }

  /** Thrown when the fence does not hold: another coordinator has the group (or it was deleted). */
  static final class LostOwnership extends RuntimeException {
    LostOwnership(String group) {
      super("group " + group + " has another coordinator now (or was deleted)", null, false, false);
    }
  }

  private final Database db;
  private final Map<String, String> sql = new ConcurrentHashMap<>();

  GroupStore(Database db) {
    this.db = db;
  }

  Database db() {
    return db;
  }

  static String now() {
    return Instant.now().toString();
  }

  private String sql(String statement) {
    return sql.computeIfAbsent(statement, db::sql);
  }

  // ------------------------------------------------------------------ definitions

  Future<Map<String, GroupSpec>> list() {
    return db.pool().preparedQuery(sql("SELECT name, spec FROM consumer_groups ORDER BY name")).execute().map(rows -> {
      Map<String, GroupSpec> out = new LinkedHashMap<>();
      for (Row row : rows) {
        out.put(row.getString(0), GroupSpec.fromStored(row.getString(0), db.dialect().jsonObject(row.getValue(1))));
      }
      return out;
    });
  }

  Future<GroupSpec> get(String name) {
    return db.pool().preparedQuery(sql("SELECT spec FROM consumer_groups WHERE name = $1")).execute(Tuple.of(name))
        .map(rows -> rows.iterator().hasNext()
            ? GroupSpec.fromStored(name, db.dialect().jsonObject(rows.iterator().next().getValue(0))) : null);
  }

  Future<Long> count() {
    return db.pool().query("SELECT COUNT(*) FROM consumer_groups").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** Creates the group with its checkpoint at {@code startAfter}, or replaces its definition; true when created. */
  Future<Boolean> put(GroupSpec spec, long startAfter) {
    String now = now();
    return db.inTransaction(conn -> conn.preparedQuery(sql("UPDATE consumer_groups SET spec = $1, updated_at = $2 WHERE name = $3"))
        .execute(Tuple.of(db.dialect().json(spec.toJson()), now, spec.name()))
        .compose(updated -> {
          if (updated.rowCount() == 1) {
            return Future.succeededFuture(false);
          }
          return conn.preparedQuery(sql("INSERT INTO consumer_groups (name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4)"))
              .execute(Tuple.of(spec.name(), db.dialect().json(spec.toJson()), now, now))
              .compose(v -> conn.preparedQuery(sql("DELETE FROM group_checkpoints WHERE name = $1")).execute(Tuple.of(spec.name())))
              .compose(v -> conn.preparedQuery(sql("DELETE FROM group_parked WHERE name = $1")).execute(Tuple.of(spec.name())))
              .compose(v -> conn.preparedQuery(sql("INSERT INTO group_checkpoints (name, position, done, epoch, runner, updated_at) "
                  + "VALUES ($1, $2, $3, $4, $5, $6)")).execute(Tuple.of(spec.name(), startAfter,
                      db.dialect().json(new JsonArray()), 0L, null, now)))
              .map(true);
        }));
  }

  Future<Boolean> delete(String name) {
    return db.inTransaction(conn -> conn.preparedQuery(sql("DELETE FROM consumer_groups WHERE name = $1")).execute(Tuple.of(name))
        .compose(deleted -> conn.preparedQuery(sql("DELETE FROM group_checkpoints WHERE name = $1")).execute(Tuple.of(name))
            .compose(v -> conn.preparedQuery(sql("DELETE FROM group_parked WHERE name = $1")).execute(Tuple.of(name)))
            .map(v -> deleted.rowCount() == 1)));
  }

  // ------------------------------------------------------------------ checkpoints

  /** Moves the group to a new epoch for {@code runner}; fails when the group is gone or another took it meanwhile. */
  Future<Checkpoint> takeOver(String name, String runner) {
    return db.inTransaction(conn -> conn.preparedQuery(sql("SELECT position, done, epoch FROM group_checkpoints WHERE name = $1"))
        .execute(Tuple.of(name))
        .compose(rows -> {
          if (!rows.iterator().hasNext()) {
            return Future.failedFuture(new LostOwnership(name));
          }
          Row row = rows.iterator().next();
          long epoch = row.getLong(2);
          Checkpoint seen = new Checkpoint(row.getLong(0), db.dialect().jsonArray(row.getValue(1)), epoch + 1);
          return conn.preparedQuery(sql("UPDATE group_checkpoints SET epoch = $1, runner = $2, updated_at = $3 "
                  + "WHERE name = $4 AND epoch = $5"))
              .execute(Tuple.of(epoch + 1, runner, now(), name, epoch))
              .compose(updated -> updated.rowCount() == 1 ? Future.succeededFuture(seen)
                  : Future.failedFuture(new LostOwnership(name)));
        }));
  }

  /** The checkpoint and the parked changes since the last write, in one transaction behind the fence. */
  Future<Void> write(String name, long epoch, long position, JsonArray done, List<ParkedChange> changes) {
    return db.inTransaction(conn -> conn.preparedQuery(sql("UPDATE group_checkpoints SET position = $1, done = $2, updated_at = $3 "
            + "WHERE name = $4 AND epoch = $5"))
        .execute(Tuple.of(position, db.dialect().json(done), now(), name, epoch))
        .compose(updated -> updated.rowCount() == 1 ? applyChanges(conn, name, changes)
            : Future.failedFuture(new LostOwnership(name))));
  }

  private Future<Void> applyChanges(SqlConnection conn, String name, List<ParkedChange> changes) {
    Future<Void> chain = Future.succeededFuture();
    for (ParkedChange change : changes) {
      chain = chain.compose(v -> conn.preparedQuery(sql("DELETE FROM group_parked WHERE name = $1 AND position = $2"))
          .execute(Tuple.of(name, change.position())).mapEmpty());
      if (change.row() != null) {
        Parked p = change.row();
        chain = chain.compose(v -> conn.preparedQuery(sql("INSERT INTO group_parked (name, position, event, reason, attempts, status, "
                + "parked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
            .execute(Tuple.of(name, p.position(), db.dialect().json(p.event()), p.reason(), p.attempts(), p.status(), p.parkedAt()))
            .mapEmpty());
      }
    }
    return chain;
  }

  // ------------------------------------------------------------------ parked

  Future<List<Parked>> parked(String name, String status, List<Long> positions, int limit) {
    StringBuilder query = new StringBuilder("SELECT position, event, reason, attempts, status, parked_at FROM group_parked WHERE name = $1");
    Tuple params = Tuple.of(name);
    if (status != null) {
      query.append(" AND status = $2");
      params.addString(status);
    }
    query.append(" ORDER BY position LIMIT ").append(limit);
    return db.pool().preparedQuery(sql(query.toString())).execute(params).map(rows -> {
      List<Parked> out = new ArrayList<>();
      for (Row row : rows) {
        long position = row.getLong(0);
        if (positions == null || positions.contains(position)) {
          out.add(new Parked(position, db.dialect().jsonObject(row.getValue(1)), row.getString(2), row.getInteger(3),
              row.getString(4), row.getString(5)));
        }
      }
      return out;
    });
  }

  Future<Long> parkedCount(String name) {
    return db.pool().preparedQuery(sql("SELECT COUNT(*) FROM group_parked WHERE name = $1")).execute(Tuple.of(name))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The positions of the group's parked events (parked or replaying) that are erased events or of erased streams. */
  Future<List<Long>> parkedErased(String name, java.util.Set<String> eventIds, java.util.Set<String> streams) {
    return db.pool().preparedQuery(sql("SELECT position, event FROM group_parked WHERE name = $1")).execute(Tuple.of(name))
        .map(rows -> {
          List<Long> out = new ArrayList<>();
          for (Row row : rows) {
            JsonObject event = db.dialect().jsonObject(row.getValue(1));
            if (eventIds.contains(event.getString("id")) || streams.contains(event.getString("stream"))) {
              out.add(row.getLong(0));
            }
          }
          return out;
        });
  }

  /** Removes parked rows directly: only for a group no coordinator runs. */
  Future<Integer> deleteParked(String name, List<Long> positions) {
    if (positions.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return db.inTransaction(conn -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (long position : positions) {
        chain = chain.compose(n -> conn.preparedQuery(sql("DELETE FROM group_parked WHERE name = $1 AND position = $2"))
            .execute(Tuple.of(name, position)).map(r -> n + r.rowCount()));
      }
      return chain;
    });
  }
}
