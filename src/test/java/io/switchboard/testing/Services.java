package io.switchboard.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The machine's real services, as integration tests use them: where they are, a clear failure
 * when one is down, and stop / start for outage tests (always restore in a finally block, or use
 * {@link #outage}).
 */
public final class Services {

  public static final String POSTGRES_URI = "postgresql://postgres@127.0.0.1:5432/test";
  public static final String REDIS_URI = "redis://127.0.0.1:6379";
  public static final String RABBITMQ_URI = "amqp://guest:guest@127.0.0.1:5672";

  public enum Service {
    POSTGRES("PostgreSQL", 5432),
    REDIS("Redis", 6379),
    RABBITMQ("RabbitMQ", 5672);

    final String label;
    final int port;

    Service(String label, int port) {
      this.label = label;
      this.port = port;
    }
  }

  private Services() {}

  /** Fails the test with a message saying which service is down and how to start it. */
  public static void require(Service service) {
    if (!isUp(service)) {
      throw new AssertionError(service.label + " is not answering on 127.0.0.1:" + service.port
          + "; start it (scripts/services does) and run the tests again");
    }
  }

  public static boolean isUp(Service service) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", service.port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A name no other test run on this machine uses: for queues, channels, schemas. */
  public static String unique(String prefix) {
    return prefix + "_" + Long.toString(System.currentTimeMillis(), 36) + Long.toString(System.nanoTime() % 100_000, 36);
  }

  /** Stops the service, runs the body, and starts the service again whatever the body did. */
  public static void outage(Service service, ThrowingRunnable body) throws Exception {
    stop(service);
    try {
      body.run();
    } finally {
      start(service);
    }
  }

  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Exception;
  }

  public static void stop(Service service) {
    switch (service) {
      case POSTGRES -> run("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "stop", "-m", "fast");
      case REDIS -> run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave");
      case RABBITMQ -> run("rabbitmqctl", "-q", "stop_app");
    }
    awaitPort(service, false, 60);
  }

  public static void start(Service service) {
    switch (service) {
      case POSTGRES -> run("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "start");
      case REDIS -> run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
          "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log");
      case RABBITMQ -> run("rabbitmqctl", "-q", "start_app");
    }
    awaitPort(service, true, 120);
    if (service == Service.RABBITMQ) {
      run("rabbitmqctl", "-q", "await_startup");
    }
  }

  private static String postgresVersion() {
    try (Stream<Path> versions = Files.list(Path.of("/etc/postgresql"))) {
      return versions.map(p -> p.getFileName().toString()).max(String::compareTo).orElseThrow();
    } catch (IOException e) {
      throw new IllegalStateException("no PostgreSQL cluster under /etc/postgresql", e);
    }
  }

  private static void awaitPort(Service service, boolean up, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (isUp(service) == up) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError(service.label + " did not go " + (up ? "up" : "down") + " within " + seconds + " s");
  }

  private static void run(String... command) {
    try {
      Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
      }
      String output = new String(process.getInputStream().readAllBytes());
      // redis-cli shutdown closes the connection under itself; pg stop on a stopped cluster says so: both fine.
      if (process.exitValue() != 0 && !command[0].equals("redis-cli")) {
        throw new AssertionError(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command[0] + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
