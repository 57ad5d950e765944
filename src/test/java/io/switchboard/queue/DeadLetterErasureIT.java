package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.AmqpClient;
import io.switchboard.testing.Http;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestHub;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Erasure reaches the dead letters the hub keeps in RabbitMQ (issue 18): against the real broker,
 * letters that carry an erased stream (as subject or in their data) or an erased metadata value
 * leave the dead-letter queue; every other letter stays, with its properties and failure headers.
 */
class DeadLetterErasureIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String RUN = Services.unique("sbqe");
  private static final String FAILING = RUN + ".failing";
  private static final String OTHER = RUN + ".other";

  private static TestHub hub;
  private static AmqpClient amqp;
  private static MessageConsumer<JsonObject> handler;

  @BeforeAll
  static void start() {
    Services.require(Services.Service.RABBITMQ);
    JsonArray queues = new JsonArray()
        .add(new JsonObject().put("name", FAILING).put("handler", "test.erase." + RUN).put("max_retries", 0))
        .add(new JsonObject().put("name", OTHER));
    hub = TestHub.start(new JsonObject().put("rabbitmq", new JsonObject()
        .put("uri", Services.RABBITMQ_URI).put("queues", queues)),
        "gateway", "topic-router", "event-store", "rabbitmq-bridge");
    handler = hub.vertx.eventBus().consumer("test.erase." + RUN, m -> m.fail(500, "always fails"));
    TestHub.await(handler.completion());
    amqp = AmqpClient.connect();
  }

  @AfterAll
  static void stop() {
    if (hub != null) {
      hub.close();
    }
    if (amqp != null) {
      amqp.delete(FAILING, FAILING + ".dlq", OTHER, OTHER + ".dlq");
      amqp.close();
    }
  }

  private static void publish(JsonObject event) {
    HttpResponse<String> response = Http.post(hub.uri("/api/v1/queues/" + FAILING + "/messages"),
        event.put("specversion", "1.0").put("source", "/test").encode(), "Content-Type", "application/cloudevents+json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }

  private static void awaitDeadLetters(String queue, int count) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject status = null;
    while (System.nanoTime() < deadline) {
      status = Http.json(Http.get(hub.uri("/api/v1/queues/" + queue)));
      if (status.getInteger("dead_letters", -1) == count) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("queue " + queue + " did not reach dead_letters=" + count + ": " + status);
  }

  private static HttpResponse<String> erase(JsonObject request) {
    return Http.post(hub.uri("/api/v1/erasure"), request.encode(), "Content-Type", "application/json");
  }

  @Test
  void erasureRemovesTheDeadLettersThatCarryErasedDataAndKeepsTheOthers() throws Exception {
    String person = "person-" + UUID.randomUUID();
    String subject = "customer-" + UUID.randomUUID();
    HttpResponse<String> appended = Http.post(hub.uri("/api/v1/streams/" + person + "/events"),
        new JsonArray().add(new JsonObject().put("type", "person.named").put("data", new JsonObject().put("name", "A"))).encode(),
        "Content-Type", "application/json");
    assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);

    // Dead-lettered by the hub itself (the handler fails, no retries): two for the erased stream, one other.
    publish(new JsonObject().put("id", "by-subject").put("type", "person.updated").put("subject", person));
    publish(new JsonObject().put("id", "in-data").put("type", "mail.requested")
        .put("data", new JsonObject().put("to", new JsonArray().add(person))));
    publish(new JsonObject().put("id", "kept").put("type", "person.updated").put("subject", "person-someone-else")
        .put("data", new JsonObject().put("note", "mentions " + person + " only inside a longer text")));
    awaitDeadLetters(FAILING, 3);
    // An outside client's letter (plain JSON, no CloudEvent) carrying a metadata value erased below.
    amqp.publish(OTHER + ".dlq", new JsonObject().put("customer", subject).encode(),
        new JsonObject().put("messageId", "outside-1").put("contentType", "application/json"));

    HttpResponse<String> erased = erase(new JsonObject().put("streams", new JsonArray().add(person)));
    assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
    JsonObject letters = Http.json(erased).getJsonObject("dead_letters");
    assertThat(letters.getJsonObject("queues")).isEqualTo(new JsonObject().put(FAILING, 2).put(OTHER, 0));
    assertThat(letters.containsKey("failed")).isFalse();

    erased = erase(new JsonObject().put("metadata", new JsonObject().put("subject", subject)));
    assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
    assertThat(Http.json(erased).getJsonObject("dead_letters").getJsonObject("queues"))
        .isEqualTo(new JsonObject().put(FAILING, 0).put(OTHER, 1));

    // Exactly the other letter is left, as it was dead-lettered (failure headers included).
    List<JsonObject> left = new ArrayList<>();
    for (JsonObject m = amqp.get(FAILING + ".dlq"); m != null; m = amqp.get(FAILING + ".dlq")) {
      left.add(m);
    }
    assertThat(left).hasSize(1);
    assertThat(new JsonObject(left.get(0).getString("body")).getString("id")).isEqualTo("kept");
    JsonObject properties = left.get(0).getJsonObject("properties");
    assertThat(properties.getString("messageId")).isEqualTo("kept");
    assertThat(properties.getJsonObject("headers").getString("x-last-error")).contains("always fails");
    assertThat(amqp.get(OTHER + ".dlq")).isNull();
  }

  @Test
  void aDeadLetterQueueRabbitMqRefusesIsReportedAndTheOthersAreStillErased() throws Exception {
    String person = "person-" + UUID.randomUUID();
    publish(new JsonObject().put("id", "gone-" + person).put("type", "person.updated").put("subject", person));
    awaitDeadLetters(FAILING, 1);
    amqp.delete(OTHER + ".dlq"); // gone under the hub
    try {
      HttpResponse<String> erased = erase(new JsonObject().put("streams", new JsonArray().add(person)));
      assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
      JsonObject letters = Http.json(erased).getJsonObject("dead_letters");
      assertThat(letters.getJsonObject("queues")).isEqualTo(new JsonObject().put(FAILING, 1));
      assertThat(letters.getJsonObject("failed").getString(OTHER)).contains("no queue").contains(OTHER + ".dlq");
      awaitDeadLetters(FAILING, 0);
    } finally {
      amqp.declare(OTHER + ".dlq", new JsonObject().put("durable", true).put("arguments", new JsonObject().put("x-queue-type", "classic")));
    }
  }

  @Test
  void withRabbitMqUnreachableTheErasureSaysTheBridgeDidNotAnswer() {
    // A second hub whose bridge cannot connect (nothing listens there): the store's part is done,
    // the answer says the dead letters were not searched.
    JsonObject conf = new JsonObject().put("rabbitmq", new JsonObject()
        .put("uri", "amqp://guest:guest@127.0.0.1:" + TestHub.freePort())
        .put("queues", new JsonArray().add(new JsonObject().put("name", RUN + ".unreachable"))));
    try (TestHub down = TestHub.start(conf, "gateway", "topic-router", "event-store", "rabbitmq-bridge")) {
      HttpResponse<String> erased = Http.post(down.uri("/api/v1/erasure"),
          new JsonObject().put("streams", new JsonArray().add("person-x")).encode(), "Content-Type", "application/json");
      assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
      JsonObject answer = Http.json(erased);
      assertThat(answer.getJsonObject("eventstore").getInteger("events")).isZero();
      assertThat(answer.getJsonObject("dead_letters").getString("not_answering")).startsWith("the RabbitMQ bridge: ");
    }
  }
}
