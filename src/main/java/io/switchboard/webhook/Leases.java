package io.switchboard.webhook;

import io.switchboard.core.db.Database;
import io.switchboard.core.db.Dialect;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who does what, as leases in the database: the partitions each sender instance holds, the live
 * senders they are shared among, and the one instance that follows the event store. A lease is
 * renewed well before it ends; one that ends (its holder died or lost the database) is free to take.
 * Times are each node's clock: leases assume clocks agree to well within a lease.
 */
final class Leases {

  static final String STORE_CHECKPOINT = "store";

  private final Database db;
  private final String beat;
  private final String liveSenders;
  private final String forgetSenders;
  private final String renewPartitions;
  private final String ownedPartitions;
  private final String freePartitions;
  private final String takePartition;
  private final String releasePartition;
  private final String releaseAll;
  private final String leaveSenders;

  Leases(Database db) {
    this.db = db;
    this.beat = db.dialect() == Dialect.POSTGRES
        ? "INSERT INTO webhook_senders (id, lease_until) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until"
        : "MERGE INTO webhook_senders (id, lease_until) KEY (id) VALUES (?, ?)";
    this.liveSenders = db.sql("SELECT COUNT(*) FROM webhook_senders WHERE lease_until >= $1");
    this.forgetSenders = db.sql("DELETE FROM webhook_senders WHERE lease_until < $1");
    this.renewPartitions = db.sql("UPDATE webhook_partitions SET lease_until = $1 WHERE owner = $2");
    this.ownedPartitions = db.sql("SELECT partition_no FROM webhook_partitions WHERE owner = $1");
    this.freePartitions = db.sql("SELECT partition_no FROM webhook_partitions WHERE owner IS NULL OR lease_until < $1");
    this.takePartition = db.sql("UPDATE webhook_partitions SET owner = $1, lease_until = $2 "
        + "WHERE partition_no = $3 AND (owner IS NULL OR lease_until < $4)");
    this.releasePartition = db.sql("UPDATE webhook_partitions SET owner = NULL, lease_until = 0 WHERE partition_no = $1 AND owner = $2");
    this.releaseAll = db.sql("UPDATE webhook_partitions SET owner = NULL, lease_until = 0 WHERE owner = $1");
    this.leaveSenders = db.sql("DELETE FROM webhook_senders WHERE id = $1");
  }

  /**
   * One round of a sender's partition bookkeeping: announce itself, keep what it holds, give back
   * what exceeds its fair share (the partitions divided by the live senders) and take free ones up
   * to it. The future holds the partitions it holds afterwards.
   */
  Future<Set<Integer>> balance(String sender, long leaseMs, int partitions) {
    long now = System.currentTimeMillis();
    long until = now + leaseMs;
    return Writes.run(db, beat, Tuple.of(sender, until))
        .compose(v -> Writes.run(db, forgetSenders, Tuple.of(now - 10 * leaseMs)))
        .compose(v -> db.pool().preparedQuery(liveSenders).execute(Tuple.of(now)))
        .compose(count -> {
          long live = Math.max(1, count.iterator().next().getLong(0));
          int share = (int) ((partitions + live - 1) / live);
          return Writes.run(db, renewPartitions, Tuple.of(until, sender))
              .compose(v -> owned(sender))
              .compose(held -> held.size() > share ? release(sender, held, held.size() - share)
                  : held.size() < share ? take(sender, held, share - held.size(), now, until)
                  : Future.succeededFuture(held));
        });
  }

  /** Counts a sender among the live ones before it takes anything (instances starting together then share at once). */
  Future<Void> announce(String sender, long leaseMs) {
    return Writes.run(db, beat, Tuple.of(sender, System.currentTimeMillis() + leaseMs)).mapEmpty();
  }

  Future<Set<Integer>> owned(String sender) {
    return db.pool().preparedQuery(ownedPartitions).execute(Tuple.of(sender)).map(rows -> {
      Set<Integer> held = new HashSet<>();
      rows.forEach(row -> held.add(row.getInteger(0)));
      return held;
    });
  }

  private Future<Set<Integer>> release(String sender, Set<Integer> held, int surplus) {
    List<Integer> order = new ArrayList<>(held);
    Collections.shuffle(order);
    List<Future<?>> released = new ArrayList<>();
    for (int partition : order.subList(0, surplus)) {
      released.add(Writes.run(db, releasePartition, Tuple.of(partition, sender)));
    }
    return Future.join(released).transform(ignored -> owned(sender));
  }

  private Future<Set<Integer>> take(String sender, Set<Integer> held, int wanted, long now, long until) {
    return db.pool().preparedQuery(freePartitions).execute(Tuple.of(now)).compose(rows -> {
      List<Integer> free = new ArrayList<>();
      rows.forEach(row -> free.add(row.getInteger(0)));
      // Random order: senders taking at the same moment mostly try different rows.
      Collections.shuffle(free);
      List<Future<?>> taken = new ArrayList<>();
      for (int partition : free.subList(0, Math.min(wanted, free.size()))) {
        taken.add(Writes.run(db, takePartition, Tuple.of(sender, until, partition, now)));
      }
      return Future.join(taken).transform(ignored -> owned(sender));
    });
  }

  /** A stopping sender gives everything back at once, so others need not wait for its leases to end. */
  Future<Void> leave(String sender) {
    return Writes.run(db, releaseAll, Tuple.of(sender))
        .compose(v -> Writes.run(db, leaveSenders, Tuple.of(sender)))
        .mapEmpty();
  }

  // ------------------------------------------------------------------ the store follower

  /**
   * Takes (or keeps) the store follower's lease; the future holds the position to follow from, or
   * null when another instance holds it. {@code head} gives the store's current position for the
   * first start ever, so the fan-out begins with what is appended from then on.
   */
  Future<Long> takeCheckpoint(String owner, long leaseMs, java.util.function.Supplier<Future<Long>> head) {
    long now = System.currentTimeMillis();
    String take = db.sql("UPDATE webhook_checkpoints SET owner = $1, lease_until = $2 "
        + "WHERE name = $3 AND (owner IS NULL OR owner = $4 OR lease_until < $5)");
    String read = db.sql("SELECT position FROM webhook_checkpoints WHERE name = $1 AND owner = $2");
    return Writes.run(db, take, Tuple.of(owner, now + leaseMs, STORE_CHECKPOINT, owner, now))
        .compose(updated -> {
          if (updated.rowCount() == 1) {
            return db.pool().preparedQuery(read).execute(Tuple.of(STORE_CHECKPOINT, owner))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
          }
          return exists().compose(exists -> exists ? Future.succeededFuture(null)
              : head.get().compose(position -> Writes.run(db,
                      db.sql("INSERT INTO webhook_checkpoints (name, position, owner, lease_until) VALUES ($1, $2, $3, $4)"),
                      Tuple.of(STORE_CHECKPOINT, position, owner, now + leaseMs))
                  .map(position)
                  // another node created it at the same moment: it follows, this one stands by
                  .recover(e -> Dialect.isUniqueViolation(e) ? Future.succeededFuture(null) : Future.failedFuture(e))));
        });
  }

  private Future<Boolean> exists() {
    return db.pool().preparedQuery(db.sql("SELECT COUNT(*) FROM webhook_checkpoints WHERE name = $1"))
        .execute(Tuple.of(STORE_CHECKPOINT)).map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Renews the follower's lease; false when it was lost. */
  Future<Boolean> renewCheckpoint(String owner, long leaseMs) {
    String sql = db.sql("UPDATE webhook_checkpoints SET lease_until = $1 WHERE name = $2 AND owner = $3");
    return Writes.run(db, sql, Tuple.of(System.currentTimeMillis() + leaseMs, STORE_CHECKPOINT, owner))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Moves the checkpoint on {@code conn}, in the transaction that wrote the deliveries up to it;
   * fails (so the transaction rolls back) when the lease is no longer this owner's.
   */
  Future<Void> advance(SqlConnection conn, String owner, long position, long leaseMs) {
    String sql = db.sql("UPDATE webhook_checkpoints SET position = $1, lease_until = $2 WHERE name = $3 AND owner = $4");
    return conn.preparedQuery(sql).execute(Tuple.of(position, System.currentTimeMillis() + leaseMs, STORE_CHECKPOINT, owner))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture()
            : Future.failedFuture(new IllegalStateException("the store follower's lease was taken over")));
  }

  /** Gives the follower's lease back (a stopping instance). */
  Future<Void> releaseCheckpoint(String owner) {
    return Writes.run(db, db.sql("UPDATE webhook_checkpoints SET owner = NULL, lease_until = 0 WHERE name = $1 AND owner = $2"),
        Tuple.of(STORE_CHECKPOINT, owner)).mapEmpty();
  }
}
