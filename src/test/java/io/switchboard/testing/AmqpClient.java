package io.switchboard.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An independent AMQP client for tests: Node's amqplib (src/test/node/amqp-driver.cjs) in a child
 * process, driven one JSON line at a time. Installs amqplib with npm the first time.
 */
public final class AmqpClient implements AutoCloseable {

  private static final Duration ANSWER = Duration.ofSeconds(15);

  private final Process process;
  private final Writer stdin;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, BlockingQueue<JsonObject>> answers = new ConcurrentHashMap<>();
  private final Map<String, BlockingQueue<JsonObject>> messages = new ConcurrentHashMap<>();
  private final BlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
  private final StringBuilder errors = new StringBuilder();

  private AmqpClient(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  public static AmqpClient connect() {
    Services.require(Services.Service.RABBITMQ);
    NodeClients.installOnce();
    try {
      Process process = new ProcessBuilder("node", "amqp-driver.cjs", Services.RABBITMQ_URI)
          .directory(NodeClients.dir().toFile()).start();
      AmqpClient client = new AmqpClient(process);
      BlockingQueue<JsonObject> ready = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> client.read(ready), "amqplib-driver");
      reader.setDaemon(true);
      reader.start();
      Thread err = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
          in.lines().forEach(line -> { synchronized (client.errors) { client.errors.append(line).append('\n'); } });
        } catch (IOException ignored) {
          // process gone
        }
      }, "amqplib-driver-stderr");
      err.setDaemon(true);
      err.start();
      JsonObject first = ready.poll(15, TimeUnit.SECONDS);
      if (first == null || !"ready".equals(first.getString("event"))) {
        process.destroyForcibly();
        throw new AssertionError("the amqplib driver did not start: " + first + " " + client.errors);
      }
      return client;
    } catch (IOException e) {
      throw new AssertionError("cannot run node (needed for the amqplib test client): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }



  private void read(BlockingQueue<JsonObject> ready) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonObject json = new JsonObject(line);
        if (json.containsKey("id")) {
          answers.computeIfAbsent(json.getInteger("id"), k -> new LinkedBlockingQueue<>()).add(json);
        } else if ("message".equals(json.getString("event"))) {
          queueOf(json.getString("queue")).add(json);
        } else if ("reply".equals(json.getString("event"))) {
          replies.add(json);
        } else {
          ready.add(json);
        }
      }
    } catch (IOException ignored) {
      // closed
    }
  }

  private BlockingQueue<JsonObject> queueOf(String queue) {
    return messages.computeIfAbsent(queue, q -> new LinkedBlockingQueue<>());
  }

  /** Sends a command and waits for its answer; fails the test if the client reports an error. */
  public JsonObject call(JsonObject command) {
    int id = ids.incrementAndGet();
    BlockingQueue<JsonObject> answer = answers.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
    try {
      synchronized (stdin) {
        stdin.write(command.copy().put("id", id).encode() + "\n");
        stdin.flush();
      }
      JsonObject result = answer.poll(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
      if (result == null) {
        throw new AssertionError("amqplib gave no answer to " + command.encode() + " within " + ANSWER + "; stderr: " + errors);
      }
      if (!result.getBoolean("ok", false)) {
        throw new AssertionError("amqplib: " + command.getString("op") + " failed: " + result.getString("error"));
      }
      return result;
    } catch (IOException e) {
      throw new AssertionError("the amqplib driver is gone: " + errors, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      answers.remove(id);
    }
  }

  /** Publishes to a queue through the default exchange and returns once RabbitMQ confirmed it. */
  public void publish(String queue, String body, JsonObject options) {
    call(new JsonObject().put("op", "publish").put("queue", queue).put("body", body).put("options", options));
  }

  /** Starts consuming (with acks); messages then arrive through {@link #next}. */
  public void consume(String queue) {
    call(new JsonObject().put("op", "consume").put("queue", queue).put("prefetch", 50));
  }

  /** Binds a new exclusive queue to the exchange; returns its name, for {@link #next}. */
  public String bind(String exchange, String pattern) {
    return call(new JsonObject().put("op", "bind").put("exchange", exchange).put("pattern", pattern)).getString("queue");
  }

  /** One message taken with basic.get, or null when the queue is empty. */
  public JsonObject get(String queue) {
    return call(new JsonObject().put("op", "get").put("queue", queue)).getJsonObject("message");
  }

  /** Polls with basic.get until a message is there. */
  public JsonObject awaitGet(String queue, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject message = get(queue);
      if (message != null) {
        return message;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no message in " + queue + " within " + timeout);
  }

  public JsonObject next(String queue, Duration timeout) throws InterruptedException {
    JsonObject message = queueOf(queue).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("amqplib received nothing on " + queue + " within " + timeout);
    }
    return message;
  }

  public List<JsonObject> drain(String queue) {
    List<JsonObject> out = new ArrayList<>();
    queueOf(queue).drainTo(out);
    return out;
  }

  /** Sends a request with reply_to and correlation_id; returns the reply queue's name. */
  public String rpc(String queue, String body, String correlationId) {
    return call(new JsonObject().put("op", "rpc").put("queue", queue).put("body", body).put("correlationId", correlationId))
        .getString("replyTo");
  }

  public JsonObject nextReply(Duration timeout) throws InterruptedException {
    JsonObject reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (reply == null) {
      throw new AssertionError("no RPC reply within " + timeout);
    }
    return reply;
  }

  public void declare(String queue, JsonObject options) {
    call(new JsonObject().put("op", "declare").put("queue", queue).put("options", options));
  }

  public void delete(String... queues) {
    for (String queue : queues) {
      call(new JsonObject().put("op", "delete").put("queue", queue));
    }
  }

  @Override
  public void close() {
    try {
      stdin.close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
  }
}
