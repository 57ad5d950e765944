package io.switchboard.pubsub;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection kept open. vertx-redis-client does not reconnect, so when the connection
 * ends, fails, or its owner declares it dead ({@link #fail}), this closes it and opens a new one
 * after a backoff (doubling, with jitter, up to a maximum), running the setup (PSUBSCRIBE, say)
 * again before reporting it usable.
 *
 * <p>Each attempt has a client of its own: closing that client closes its socket for sure, where
 * closing a pooled connection would hand a possibly dead one back to the pool.
 *
 * <p>Used from one verticle context only; every callback runs there.
 */
final class RedisLink {

  private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
  static final int ATTEMPT_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final RedisOptions options;
  private final String name;
  private final long initialDelayMs;
  private final long maxDelayMs;
  private final Function<RedisConnection, Future<Void>> setup;
  private final Consumer<RedisConnection> onUp;
  private final Counter reconnects;
  private final AtomicLong connectedGauge;

  private Redis client;
  private RedisConnection connection;
  private long delayMs;
  private long timer = -1;
  private boolean everUp;
  private int failures;
  private boolean closed;
  private String downReason = "not connected yet";
  private long downSince = System.currentTimeMillis();

  /**
   * @param name  {@code subscriber} or {@code publisher}, for logs, readiness and metric tags
   * @param setup runs on each new connection (its end and exception handlers already set) before it counts as up
   * @param onUp  called with each connection once it is up
   */
  RedisLink(Vertx vertx, RedisOptions options, String name, RedisRelaySettings settings,
            Function<RedisConnection, Future<Void>> setup, Consumer<RedisConnection> onUp,
            Counter reconnects, AtomicLong connectedGauge) {
    this.vertx = vertx;
    this.options = options;
    this.name = name;
    this.initialDelayMs = settings.reconnectInitialMs();
    this.maxDelayMs = settings.reconnectMaxMs();
    this.delayMs = initialDelayMs;
    this.setup = setup;
    this.onUp = onUp;
    this.reconnects = reconnects;
    this.connectedGauge = connectedGauge;
  }

  /** Connects; completes after the first attempt whatever its outcome (later attempts follow by themselves). */
  Future<Void> start() {
    return attempt();
  }

  /** The open connection, or null while Redis is unreachable. */
  RedisConnection connection() {
    return connection;
  }

  boolean isUp() {
    return connection != null;
  }

  /** Why the link is down and for how long, for readiness. */
  String downReason() {
    return name + " connection down for " + (System.currentTimeMillis() - downSince) + " ms: " + downReason;
  }

  /** The owner found the connection dead (no answer in time): drop it and reconnect. */
  void fail(RedisConnection conn, String reason) {
    lost(conn, reason);
  }

  Future<Void> close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    connection = null;
    connectedGauge.set(0);
    return closeClient();
  }

  private Future<Void> attempt() {
    timer = -1;
    if (closed) {
      return Future.succeededFuture();
    }
    Redis attemptClient = Redis.createClient(vertx, options);
    client = attemptClient;
    // One deadline for connect, handshake and setup: a server that accepts and never answers
    // must not hold the link forever.
    Promise<RedisConnection> result = Promise.promise();
    long deadline = vertx.setTimer(ATTEMPT_TIMEOUT_MS, t -> result.tryFail("no answer within " + ATTEMPT_TIMEOUT_MS + " ms"));
    attemptClient.connect()
        .compose(conn -> {
          conn.exceptionHandler(e -> lost(conn, reason(e)));
          conn.endHandler(v -> lost(conn, "Redis closed the connection"));
          return setup.apply(conn).map(conn);
        })
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          if (ar.failed()) {
            result.tryFail(ar.cause());
          } else {
            result.tryComplete(ar.result());
          }
        });
    return result.future()
        .onSuccess(conn -> {
          if (closed || client != attemptClient) {
            attemptClient.close();
          } else {
            up(conn);
          }
        })
        .onFailure(e -> {
          if (client == attemptClient) {
            closeClient();
          } else {
            attemptClient.close();
          }
          if (!closed) {
            down("failed: " + reason(e));
          }
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private void up(RedisConnection conn) {
    connection = conn;
    connectedGauge.set(1);
    delayMs = initialDelayMs;
    failures = 0;
    if (everUp) {
      reconnects.increment();
      log.info("redis {} connection re-established after {} ms", name, System.currentTimeMillis() - downSince);
    }
    everUp = true;
    onUp.accept(conn);
  }

  private void lost(RedisConnection conn, String reason) {
    if (conn != connection || closed) {
      return; // an attempt still in its setup (its deadline decides), or a close of our own
    }
    connection = null;
    connectedGauge.set(0);
    downSince = System.currentTimeMillis();
    closeClient();
    down("lost: " + reason);
  }

  private Future<Void> closeClient() {
    Redis open = client;
    client = null;
    return open == null ? Future.succeededFuture() : open.close().otherwiseEmpty();
  }

  private void down(String reason) {
    if (failures++ == 0) {
      log.warn("redis {} connection {}; retrying with backoff up to {} ms", name, reason, maxDelayMs);
    } else {
      log.debug("redis {} connection attempt {} failed: {}", name, failures, reason);
    }
    downReason = reason;
    // Jitter over the upper half: nodes that lost Redis together do not come back in lockstep.
    long delay = delayMs / 2 + ThreadLocalRandom.current().nextLong(delayMs / 2 + 1);
    delayMs = Math.min(maxDelayMs, delayMs * 2);
    timer = vertx.setTimer(Math.max(1, delay), t -> attempt());
  }

  private static String reason(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
