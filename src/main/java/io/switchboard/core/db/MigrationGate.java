package io.switchboard.core.db;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A verticle's migrations, applied at start. While the database cannot be reached the verticle
 * starts anyway and keeps trying (after 1 s, doubling up to 30 s), answering 503 meanwhile, so a
 * hub started before its database comes up by itself; any other failure fails the start.
 */
public final class MigrationGate {

  private static final Logger log = LoggerFactory.getLogger(MigrationGate.class);
  private static final long MAX_RETRY_MS = 30_000;

  private final Vertx vertx;
  private final Database db;
  private final String subject;
  private final Supplier<Future<?>> migrations;
  private final Runnable whenOpen;
  private volatile boolean open;
  private String notReady = "the database has not been reached yet";
  private long retryMs = 1000;
  private long timer = -1;
  private boolean closed;

  /**
   * @param subject    what waits for the migrations, for logs and problems ("the event store")
   * @param migrations applies them; run again until it succeeds or fails with something else
   * @param whenOpen   runs once they are applied
   */
  public MigrationGate(Vertx vertx, Database db, String subject, Supplier<Future<?>> migrations, Runnable whenOpen) {
    this.vertx = vertx;
    this.db = db;
    this.subject = subject;
    this.migrations = migrations;
    this.whenOpen = whenOpen;
  }

  /** Succeeds once applied, or at once with a retry scheduled when the database is out of reach. */
  public Future<Void> start() {
    return migrations.get().<Void>map(applied -> {
      open = true;
      whenOpen.run();
      return null;
    }).recover(e -> {
      if (!Dialect.isUnavailable(e)) {
        return Future.failedFuture(e);
      }
      notReady = db.problem(e, "migrations").detail();
      if (!closed) {
        log.warn("{}: {}; retrying in {} ms", subject, notReady, retryMs);
        timer = vertx.setTimer(retryMs, t -> start());
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
      return Future.succeededFuture();
    });
  }

  public boolean isOpen() {
    return open;
  }

  /** Why it is not open yet. */
  public String notReady() {
    return notReady;
  }

  /** Throws the 503 problem to answer while the migrations are not applied. */
  public void require() {
    if (!open) {
      throw new Problem(503, "database-unavailable", "Service unavailable", subject + " is not ready: " + notReady);
    }
  }

  /** Answers a readiness request: UP once open and the database answers within 2 s, else 503 and why. */
  public void answerReady(Message<?> message) {
    if (!open) {
      message.fail(503, notReady);
      return;
    }
    db.ping().timeout(2, TimeUnit.SECONDS)
        .onSuccess(v -> message.reply(new JsonObject().put("status", "UP").put("database", db.describe())))
        .onFailure(e -> message.fail(503, db.problem(e, subject).detail()));
  }

  /** Stops retrying (the verticle stops). */
  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
  }
}
