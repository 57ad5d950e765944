package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.ForgivingExceptionHandler;
import io.switchboard.launch.Backend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AMQP connection that comes back by itself: when RabbitMQ goes away it reconnects with
 * exponential back-off and runs its {@link Session} again (declare the topology, open the channels,
 * resume the consumers), so nothing has to restart the hub.
 *
 * <p>Every channel operation of the link runs on the link's own thread, so a channel is only ever
 * touched by one thread and a broker that pushes back (TCP flow control, a memory alarm) blocks
 * that thread, never an event loop. Results come back on the verticle's context.
 *
 * <p>Why the RabbitMQ Java client directly rather than vertx-rabbitmq-client 5.0.7: that client's
 * own reconnect re-enables {@code confirm.select} on the new channel but does not re-attach the
 * confirm listener (so after a broker restart confirms would never arrive), re-consumes with a
 * consumer still bound to the dead channel, drops deliveries silently past its internal queue size,
 * and completes {@code start()} before its connection callbacks (the topology) have run. Owning the
 * connection lifecycle here is smaller than working around each of those.
 */
final class RabbitLink {

  /** What to set up on every new connection; runs on the link thread. */
  interface Session {
    void open(Connection connection) throws Exception;
  }

  private static final Logger log = LoggerFactory.getLogger(RabbitLink.class);

  private final Vertx vertx;
  private final Context context;
  private final String role;
  private final BridgeSettings settings;
  private final ConnectionFactory factory;
  private final Session session;
  private final ExecutorService io;
  private final List<Runnable> upListeners = new ArrayList<>();

  // event-loop state
  private volatile Connection connection;
  private volatile String downReason = "not connected to RabbitMQ yet";
  private int attempts;
  private long reconnectTimer = -1;
  private boolean connecting;
  private boolean stopped;

  RabbitLink(Vertx vertx, String role, BridgeSettings settings, Session session) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.role = role;
    this.settings = settings;
    this.session = session;
    this.factory = factory(settings, role);
    this.io = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "switchboard-rabbitmq-" + role);
      thread.setDaemon(true);
      return thread;
    });
  }

  static ConnectionFactory factory(BridgeSettings settings, String role) {
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(settings.uri());
      if (settings.uri().regionMatches(true, 0, "amqps:", 0, 6)) {
        // setUri alone trusts every certificate: check the broker's against the JVM's trust store.
        factory.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
        factory.enableHostnameVerification();
      }
    } catch (Exception e) {
      throw new IllegalArgumentException("rabbitmq.uri: not an AMQP URI (" + Backend.redact(settings.uri()) + "): " + e.getMessage());
    }
    // This class does recovery itself: re-declaring, re-consuming and failing what was in flight.
    factory.setAutomaticRecoveryEnabled(false);
    factory.setTopologyRecoveryEnabled(false);
    factory.setConnectionTimeout(5000);
    factory.setHandshakeTimeout(5000);
    factory.setRequestedHeartbeat(10);
    // A broker going away is reported once by this class, not as a stack trace per connection.
    factory.setExceptionHandler(new ForgivingExceptionHandler() {
      @Override
      public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
        log.debug("rabbitmq {} connection driver: {}", role, exception.toString());
      }
    });
    // Deliveries and confirms only hop to the event loop: run them on the connection's reader thread
    // rather than through the client's consumer pool, one thread switch less per message.
    factory.setSharedExecutor(DirectExecutor.INSTANCE);
    factory.setClientProperties(new java.util.HashMap<>(factory.getClientProperties()));
    factory.getClientProperties().put("connection_name", "switchboard " + settings.nodeId() + " " + role);
    return factory;
  }

  /** Connects once; completes either way (a broker that is down is retried in the background). */
  Future<Void> start() {
    return connect();
  }

  void onUp(Runnable listener) {
    upListeners.add(listener);
  }

  boolean isUp() {
    return connection != null;
  }

  Connection connection() {
    return connection;
  }

  /** Why the link is not usable, for a 503 detail or the readiness check. */
  String downReason() {
    return downReason;
  }

  /** Runs a channel operation on the link thread; failures are the task's own business. */
  void execute(Runnable task) {
    try {
      io.execute(task);
    } catch (RejectedExecutionException stopping) {
      // the link is closing; whatever the task was for fails with the connection
    }
  }

  /** Runs a blocking call on the link thread and completes on the verticle's context. */
  <T> Future<T> call(Callable<T> task) {
    Promise<T> promise = Promise.promise();
    try {
      io.execute(() -> {
        try {
          T result = task.call();
          context.runOnContext(v -> promise.complete(result));
        } catch (Throwable e) {
          context.runOnContext(v -> promise.fail(e));
        }
      });
    } catch (RejectedExecutionException e) {
      promise.fail("the RabbitMQ link is closing");
    }
    return promise.future();
  }

  void runOnContext(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  private Future<Void> connect() {
    reconnectTimer = -1;
    connecting = true;
    return call(() -> {
      Connection c = factory.newConnection();
      try {
        session.open(c);
      } catch (Exception e) {
        closeQuietly(c);
        throw e;
      }
      // Added last: a connection that died during set-up reports it here at once.
      c.addShutdownListener(cause -> context.runOnContext(v -> lost(c, cause)));
      return c;
    }).<Void>map(c -> {
      connecting = false;
      if (stopped) {
        execute(() -> closeQuietly(c));
        return null;
      }
      if (!c.isOpen()) {
        downReason = "the connection to RabbitMQ closed while it was being set up";
        scheduleReconnect();
        return null;
      }
      connection = c;
      log.info("rabbitmq {} link connected to {}{}", role, Backend.redact(settings.uri()),
          attempts > 0 ? " after " + attempts + " failed attempt" + (attempts == 1 ? "" : "s") : "");
      attempts = 0;
      upListeners.forEach(Runnable::run);
      return null;
    }).recover(e -> {
      connecting = false;
      downReason = "cannot reach RabbitMQ at " + Backend.redact(settings.uri()) + ": " + describe(e);
      if (attempts == 0 || log.isDebugEnabled()) {
        log.warn("rabbitmq {} link: {}; retrying with back-off", role, downReason);
      }
      scheduleReconnect();
      return Future.succeededFuture();
    });
  }

  private void lost(Connection c, ShutdownSignalException cause) {
    if (c != connection) {
      return; // an older connection, or one that died during set-up (connect() handles that)
    }
    connection = null;
    if (stopped || cause.isInitiatedByApplication()) {
      return;
    }
    downReason = "the connection to RabbitMQ was lost (" + describe(cause) + "); reconnecting";
    log.warn("rabbitmq {} link: {}", role, downReason);
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (stopped || connecting || reconnectTimer >= 0) {
      return;
    }
    long base = Math.min(settings.reconnectMaxMs(), settings.reconnectInitialMs() << Math.min(attempts, 20));
    long delay = Math.max(1, base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    attempts++;
    reconnectTimer = vertx.setTimer(delay, id -> connect());
  }

  /** Closes the connection (in-flight work fails, unacked deliveries go back to their queues). */
  Future<Void> stop() {
    stopped = true;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    Connection c = connection;
    connection = null;
    downReason = "the RabbitMQ bridge is stopping";
    Promise<Void> closed = Promise.promise();
    try {
      io.execute(() -> {
        if (c != null) {
          try {
            c.close(2000);
          } catch (Exception ignored) {
            c.abort(1000);
          }
        }
        closed.tryComplete();
      });
      io.shutdown();
    } catch (RejectedExecutionException e) {
      closed.tryComplete();
    }
    return closed.future().timeout(5, TimeUnit.SECONDS).recover(e -> {
      io.shutdownNow();
      return Future.succeededFuture();
    });
  }

  /** Runs consumer callbacks on the calling (connection reader) thread; they never block. */
  private static final class DirectExecutor extends java.util.concurrent.AbstractExecutorService {
    static final DirectExecutor INSTANCE = new DirectExecutor();

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      // shared and stateless
    }

    @Override
    public java.util.List<Runnable> shutdownNow() {
      return java.util.List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  static void closeQuietly(Connection c) {
    try {
      c.close(2000);
    } catch (Exception e) {
      c.abort(1000);
    }
  }

  /** A one-line reason from whatever the client threw. */
  static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof ShutdownSignalException) && cause != cause.getCause()) {
      cause = cause.getCause();
    }
    if (cause instanceof ShutdownSignalException sig) {
      if (sig.getReason() instanceof AMQP.Connection.Close close) {
        return close.getReplyText();
      }
      if (sig.getReason() instanceof AMQP.Channel.Close close) {
        return close.getReplyText();
      }
      return sig.getMessage();
    }
    if (cause instanceof ConnectException) {
      return "connection refused";
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
