package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.AmqpClient;
import io.switchboard.testing.Http;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bridge when RabbitMQ goes away mid-stream, and when two hubs consume one queue. */
class QueueOutageIT {

  private static JsonObject conf(String queue, String handler) {
    return new JsonObject().put("rabbitmq", new JsonObject()
        .put("uri", Services.RABBITMQ_URI)
        .put("reconnect", new JsonObject().put("initial_ms", 200).put("max_ms", 1000))
        .put("queues", new JsonArray().add(new JsonObject().put("name", queue).put("handler", handler).put("prefetch", 20))));
  }

  private static TestHub hub(String queue, String handler) {
    return TestHub.start(conf(queue, handler), "gateway", "topic-router", "rabbitmq-bridge");
  }

  private static HttpResponse<String> publish(TestHub hub, String queue, int n) {
    return Http.post(hub.uri("/api/v1/queues/" + queue + "/messages"), "{\"n\":" + n + "}", "ce-type", "outage.test");
  }

  @Test
  void aBrokerRestartMidStreamLosesNoConfirmedMessageAndConsumptionResumes() throws Exception {
    Services.require(Services.Service.RABBITMQ);
    String queue = Services.unique("sbq") + ".restart";
    String handler = "test.restart." + queue;
    Set<String> handled = ConcurrentHashMap.newKeySet();
    List<String> confirmed = new CopyOnWriteArrayList<>();
    List<Long> refusalMillis = new CopyOnWriteArrayList<>();
    List<String> refusalDetails = new CopyOnWriteArrayList<>();
    try (TestHub hub = hub(queue, handler)) {
      TestHub.await(hub.vertx.eventBus().<JsonObject>consumer(handler, m -> {
        handled.add(m.body().getString("id"));
        m.reply(null);
      }).completion());

      AtomicBoolean publishing = new AtomicBoolean(true);
      AtomicInteger counter = new AtomicInteger();
      Thread publisher = new Thread(() -> {
        while (publishing.get()) {
          long started = System.nanoTime();
          HttpResponse<String> response = publish(hub, queue, counter.incrementAndGet());
          if (response.statusCode() == 202) {
            confirmed.add(Http.json(response).getString("id"));
          } else {
            refusalMillis.add((System.nanoTime() - started) / 1_000_000);
            refusalDetails.add(response.statusCode() + " " + response.body());
            try {
              Thread.sleep(20);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }, "outage-publisher");
      publisher.start();
      try {
        awaitSize(confirmed, 50, Duration.ofSeconds(20));
        Services.outage(Services.Service.RABBITMQ, () -> {
          int before = refusalDetails.size();
          awaitSize(refusalDetails, before + 20, Duration.ofSeconds(20));
          HttpResponse<String> ready = Http.get(hub.uri("/ready"));
          assertThat(ready.statusCode()).isEqualTo(503);
          assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("rabbitmq").getString("status")).isEqualTo("DOWN");
        });
        // Back up: publishing resumes by itself.
        int atRestart = confirmed.size();
        awaitSize(confirmed, atRestart + 50, Duration.ofSeconds(60));
      } finally {
        publishing.set(false);
        publisher.join(20_000);
      }

      assertThat(refusalDetails).isNotEmpty().allSatisfy(detail -> {
        assertThat(detail).startsWith("503 ").contains("RabbitMQ").contains("urn:switchboard:problem:unavailable");
      });
      // Fail fast while the broker is away (the first ones may wait for the connection to drop).
      List<Long> sorted = new ArrayList<>(refusalMillis);
      sorted.sort(Long::compare);
      assertThat(sorted.get(sorted.size() / 2)).as("median time to a 503").isLessThan(500);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!handled.containsAll(confirmed) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      List<String> lost = confirmed.stream().filter(id -> !handled.contains(id)).toList();
      assertThat(lost).as("confirmed (202) messages the handler never saw, of " + confirmed.size()).isEmpty();
    } finally {
      deleteQueues(queue);
    }
  }

  @Test
  void aHubStartsWhileRabbitMQIsUnreachableAndSaysSo() {
    JsonObject conf = conf(Services.unique("sbq") + ".nowhere", "test.nowhere");
    conf.getJsonObject("rabbitmq").put("uri", "amqp://guest:secret@127.0.0.1:" + TestHub.freePort());
    try (TestHub hub = TestHub.start(conf, "gateway", "topic-router", "rabbitmq-bridge")) {
      String queue = conf.getJsonObject("rabbitmq").getJsonArray("queues").getJsonObject(0).getString("name");
      long started = System.nanoTime();
      HttpResponse<String> refused = publish(hub, queue, 1);
      assertThat(System.nanoTime() - started).as("fails fast").isLessThan(TimeUnit.SECONDS.toNanos(1));
      assertThat(refused.statusCode()).isEqualTo(503);
      String detail = Http.json(refused).getString("detail");
      assertThat(detail).contains("cannot reach RabbitMQ").contains("connection refused").contains("guest:***@").doesNotContain("secret");
      HttpResponse<String> ready = Http.get(hub.uri("/ready"));
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("rabbitmq").getString("detail")).contains("cannot reach RabbitMQ");
    }
  }

  @Test
  void aQueueRabbitMQRefusesToDeclareAnswers503WithTheReasonAndTheOthersWork() throws Exception {
    String run = Services.unique("sbq");
    String clashing = run + ".clashing";
    String fine = run + ".fine";
    try (AmqpClient amqp = AmqpClient.connect()) {
      amqp.declare(clashing, new JsonObject().put("durable", true).put("arguments", new JsonObject().put("x-max-length", 5)));
      JsonObject conf = new JsonObject().put("rabbitmq", new JsonObject().put("uri", Services.RABBITMQ_URI)
          .put("queues", new JsonArray().add(new JsonObject().put("name", clashing)).add(new JsonObject().put("name", fine))));
      try (TestHub hub = TestHub.start(conf, "gateway", "topic-router", "rabbitmq-bridge")) {
        HttpResponse<String> refused = publish(hub, clashing, 1);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Http.json(refused).getString("detail")).contains("refused to declare").contains("PRECONDITION_FAILED");
        assertThat(publish(hub, fine, 2).statusCode()).isEqualTo(202);
      } finally {
        amqp.delete(clashing, clashing + ".dlq", fine, fine + ".dlq");
      }
    }
  }

  @Test
  void twoHubsShareAQueueWithoutProcessingAMessageTwice() throws Exception {
    Services.require(Services.Service.RABBITMQ);
    String queue = Services.unique("sbq") + ".shared";
    String handler = "test.shared." + queue;
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    AtomicInteger byA = new AtomicInteger();
    AtomicInteger byB = new AtomicInteger();
    int total = 300;
    try (TestHub a = hub(queue, handler); TestHub b = hub(queue, handler)) {
      for (TestHub hub : List.of(a, b)) {
        AtomicInteger mine = hub == a ? byA : byB;
        TestHub.await(hub.vertx.eventBus().<JsonObject>consumer(handler, m -> {
          counts.computeIfAbsent(m.body().getString("id"), k -> new AtomicInteger()).incrementAndGet();
          mine.incrementAndGet();
          // Take a little time, as real work does, so both consumers get a share.
          hub.vertx.setTimer(2, t -> m.reply(null));
        }).completion());
      }
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        HttpResponse<String> response = publish(i % 2 == 0 ? a : b, queue, i);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        ids.add(Http.json(response).getString("id"));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (counts.size() < total && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500); // anything processed twice would show up now
      assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
      assertThat(byA.get()).isPositive();
      assertThat(byB.get()).isPositive();
    } finally {
      deleteQueues(queue);
    }
  }

  private static void deleteQueues(String queue) {
    if (Services.isUp(Services.Service.RABBITMQ)) {
      try (AmqpClient amqp = AmqpClient.connect()) {
        amqp.delete(queue, queue + ".dlq");
      }
    }
  }

  private static void awaitSize(List<?> list, int size, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (list.size() < size) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + list.size() + " of " + size + " within " + timeout);
      }
      Thread.sleep(20);
    }
  }
}
