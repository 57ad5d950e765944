package io.switchboard.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real HTTP server on 127.0.0.1 that webhooks are sent to: it records every request (the JDK's
 * own server, independent of the hub), answers each path with the status set for it (200 unless
 * told otherwise), optionally after a delay, and can go down (connections refused) and come back on
 * the same port.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** One request as it arrived. */
  public record Received(String path, String webhookId, String timestamp, String signature, String contentType, String body,
                         int answered, long atMillis) {

    public JsonObject event() {
      return new JsonObject(body);
    }
  }

  private final int port;
  private final List<Received> received = new ArrayList<>();
  private final Map<String, Integer> statusByPath = new ConcurrentHashMap<>();
  private final Map<String, Long> delayByPath = new ConcurrentHashMap<>();
  private final Map<String, String> locationByPath = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final ExecutorService threads = Executors.newFixedThreadPool(64);
  private HttpServer server;

  private WebhookReceiver(int port) {
    this.port = port;
  }

  public static WebhookReceiver start() {
    WebhookReceiver receiver = new WebhookReceiver(TestHub.freePort());
    receiver.up();
    return receiver;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  public int port() {
    return port;
  }

  /** Answers requests to {@code path} with {@code status} from now on. */
  public void answer(String path, int status) {
    statusByPath.put(path, status);
  }

  /** Answers requests to {@code path} with a 307 redirect to {@code location}. */
  public void redirect(String path, String location) {
    statusByPath.put(path, 307);
    locationByPath.put(path, location);
  }

  /** Waits {@code millis} before answering requests to {@code path}. */
  public void delay(String path, long millis) {
    delayByPath.put(path, millis);
  }

  /** Stops listening: connections are refused until {@link #up()}. */
  public synchronized void down() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  public synchronized void up() {
    if (server != null) {
      return;
    }
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on 127.0.0.1:" + port + ": " + e, e);
    }
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    boolean answered = false;
    try (exchange) {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String path = exchange.getRequestURI().getPath();
      Long delay = delayByPath.get(path);
      if (delay != null) {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int status = statusByPath.getOrDefault(path, 200);
      var headers = exchange.getRequestHeaders();
      synchronized (received) {
        received.add(new Received(path, headers.getFirst("webhook-id"), headers.getFirst("webhook-timestamp"),
            headers.getFirst("webhook-signature"), headers.getFirst("content-type"), body, status, System.currentTimeMillis()));
        received.notifyAll();
      }
      byte[] answer = (status >= 200 && status < 300 ? "ok" : "not now").getBytes(StandardCharsets.UTF_8);
      if (locationByPath.containsKey(path)) {
        exchange.getResponseHeaders().add("Location", locationByPath.get(path));
      }
      // Out of flight before the answer leaves: the hub may send its next request as soon as it reads
      // this one, and that request's handler must not count this one still running.
      answered = true;
      inFlight.decrementAndGet();
      exchange.sendResponseHeaders(status, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    } finally {
      if (!answered) {
        inFlight.decrementAndGet();
      }
    }
  }

  public List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  public List<Received> received(String path) {
    return received().stream().filter(r -> r.path().equals(path)).toList();
  }

  /** How many times each webhook-id was answered with a 2xx on {@code path}. */
  public Map<String, Long> deliveredById(String path) {
    return received(path).stream().filter(r -> r.answered() >= 200 && r.answered() < 300)
        .collect(Collectors.groupingBy(Received::webhookId, Collectors.counting()));
  }

  /** The most requests that were in flight at once. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Waits until the requests received satisfy {@code done}; fails with what arrived otherwise. */
  public List<Received> await(Duration timeout, String what, Predicate<List<Received>> done) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    synchronized (received) {
      while (!done.test(received)) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError("the receiver did not get " + what + " within " + timeout + "; it got "
              + received.size() + " request(s): " + received.stream().map(r -> r.path() + " " + r.webhookId() + " -> " + r.answered())
              .limit(20).toList());
        }
        try {
          received.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      return List.copyOf(received);
    }
  }

  /** Waits until {@code path} has answered {@code count} distinct webhook-ids with a 2xx. */
  public Map<String, Long> awaitDelivered(String path, int count, Duration timeout) {
    await(timeout, count + " deliveries on " + path, list -> list.stream()
        .filter(r -> r.path().equals(path) && r.answered() >= 200 && r.answered() < 300)
        .map(Received::webhookId).distinct().count() >= count);
    return deliveredById(path);
  }

  @Override
  public void close() {
    down();
    threads.shutdownNow();
  }
}
