package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.AmqpClient;
import io.switchboard.testing.Http;
import io.switchboard.testing.Services;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hub queues against the real RabbitMQ, checked from outside with amqplib (Node): what a REST
 * publish puts on the wire, what an AMQP publish does in the hub, retries, dead letters, priority,
 * delay, TTL, RPC, and topics both ways.
 */
class QueuesIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String RUN = Services.unique("sbq");
  private static final String PLAIN = RUN + ".plain";
  private static final String WORK = RUN + ".work";
  private static final String FAILING = RUN + ".failing";
  private static final String PRIORITY = RUN + ".priority";
  private static final String DELAYED = RUN + ".delayed";
  private static final String EXPIRING = RUN + ".expiring";
  private static final String SHORT_LIVED = RUN + ".short-lived";
  private static final String BOUNDED = RUN + ".bounded";
  private static final String QUORUM = RUN + ".quorum";
  private static final String PHOENIX = RUN + ".phoenix";
  private static final String RPC = RUN + ".rpc";
  private static final String LATE = RUN + ".late";
  private static final String DEDUPE = RUN + ".dedupe";
  private static final String FEED = RUN + ".feed";
  private static final String FEED_TOPIC = RUN.replace('_', '-') + ".fed";

  private static TestHub hub;
  private static AmqpClient amqp;
  private final List<MessageConsumer<?>> handlers = new ArrayList<>();

  @BeforeAll
  static void start() {
    Services.require(Services.Service.RABBITMQ);
    JsonArray queues = new JsonArray()
        .add(new JsonObject().put("name", PLAIN).put("max_priority", 10))
        .add(new JsonObject().put("name", WORK).put("handler", "test.work." + RUN))
        .add(new JsonObject().put("name", FAILING).put("handler", "test.failing." + RUN)
            .put("max_retries", 2).put("retry_backoff_ms", 100))
        .add(new JsonObject().put("name", PRIORITY).put("max_priority", 10))
        .add(new JsonObject().put("name", DELAYED).put("delay", true))
        .add(new JsonObject().put("name", EXPIRING).put("ttl_ms", 300))
        .add(new JsonObject().put("name", SHORT_LIVED))
        .add(new JsonObject().put("name", BOUNDED).put("max_length", 1).put("overflow", "reject-publish"))
        .add(new JsonObject().put("name", QUORUM).put("type", "quorum").put("handler", "test.quorum." + RUN))
        .add(new JsonObject().put("name", PHOENIX).put("handler", "test.phoenix." + RUN))
        .add(new JsonObject().put("name", RPC).put("handler", "test.rpc." + RUN))
        .add(new JsonObject().put("name", DEDUPE))
        .add(new JsonObject().put("name", LATE).put("handler", "test.late." + RUN).put("max_retries", 0)
            .put("retry_backoff_ms", 100))
        .add(new JsonObject().put("name", FEED).put("topic", FEED_TOPIC));
    hub = TestHub.start(new JsonObject().put("rabbitmq", new JsonObject()
        .put("uri", Services.RABBITMQ_URI)
        .put("queues", queues)),
        // Two bridge instances: what one node with more than one does (each consumes, one forwards topics).
        d -> d.name().equals("rabbitmq-bridge") ? d.withInstances(2) : d,
        "gateway", "topic-router", "rabbitmq-bridge");
    amqp = AmqpClient.connect();
  }

  @AfterAll
  static void stop() {
    if (hub != null) {
      hub.close();
    }
    if (amqp != null) {
      for (String q : List.of(PLAIN, WORK, FAILING, PRIORITY, DELAYED, EXPIRING, SHORT_LIVED, BOUNDED, QUORUM, PHOENIX, RPC, FEED, LATE, DEDUPE)) {
        amqp.delete(q, q + ".dlq");
      }
      amqp.delete(FAILING + ".delay.100", FAILING + ".delay.200", DELAYED + ".delay.1500", LATE + ".delay.100",
          LATE + ".delay.200");
      amqp.close();
    }
  }

  private static HttpResponse<String> post(String queue, String query, String body, String... headers) {
    return Http.post(hub.uri("/api/v1/queues/" + queue + "/messages" + query), body, headers);
  }

  private static String postOk(String queue, String query, String body, String... headers) {
    HttpResponse<String> response = post(queue, query, body, headers);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Http.json(response).getString("id");
  }

  @AfterEach
  void unregisterHandlers() {
    handlers.forEach(h -> TestHub.await(h.unregister()));
  }

  /** Registers a handler on the hub's event bus for this test; returns what it receives. */
  private BlockingQueue<Message<JsonObject>> handler(String address, java.util.function.Consumer<Message<JsonObject>> answer) {
    BlockingQueue<Message<JsonObject>> seen = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> consumer = hub.vertx.eventBus().consumer(address, m -> {
      seen.add(m);
      answer.accept(m);
    });
    TestHub.await(consumer.completion());
    handlers.add(consumer);
    return seen;
  }

  private static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
    T item = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(item).as("nothing arrived within " + WAIT).isNotNull();
    return item;
  }

  @Test
  void aRestPublishIsConsumedByAnOutsideClientWithItsProperties() throws Exception {
    String id = postOk(PLAIN, "?priority=3", "{\"order_id\":\"o-1\"}",
        "Content-Type", "application/json", "ce-type", "order.created", "X-Correlation-Id", "corr-1");
    JsonObject message = amqp.awaitGet(PLAIN, WAIT);
    JsonObject properties = message.getJsonObject("properties");
    assertThat(properties.getString("contentType")).isEqualTo("application/cloudevents+json");
    assertThat(properties.getString("messageId")).isEqualTo(id);
    assertThat(properties.getString("correlationId")).isEqualTo("corr-1");
    assertThat(properties.getInteger("deliveryMode")).isEqualTo(2);
    assertThat(properties.getInteger("priority")).isEqualTo(3);
    assertThat(properties.getString("type")).isEqualTo("order.created");
    JsonObject envelope = new JsonObject(message.getString("body"));
    assertThat(envelope.getString("id")).isEqualTo(id);
    assertThat(envelope.getString("specversion")).isEqualTo("1.0");
    assertThat(envelope.getString("type")).isEqualTo("order.created");
    assertThat(envelope.getString("correlationid")).isEqualTo("corr-1");
    assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("order_id", "o-1"));
  }

  @Test
  void aMessageFromAnOutsideClientReachesTheJavaHandlerAndIsAcked() throws Exception {
    BlockingQueue<Message<JsonObject>> seen = handler("test.work." + RUN, m -> m.reply(new JsonObject().put("ok", true)));
    amqp.publish(WORK, "{\"sku\":\"s-9\",\"qty\":2}", new JsonObject()
        .put("messageId", "amqp-1").put("type", "stock.reserved").put("correlationId", "corr-2").put("persistent", true));
    Message<JsonObject> received = poll(seen);
    JsonObject envelope = received.body();
    assertThat(envelope.getString("id")).isEqualTo("amqp-1");
    assertThat(envelope.getString("type")).isEqualTo("stock.reserved");
    assertThat(envelope.getString("correlationid")).isEqualTo("corr-2");
    assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("sku", "s-9").put("qty", 2));
    assertThat(received.headers().get("queue")).isEqualTo(WORK);
    assertThat(received.headers().get("retry-count")).isEqualTo("0");
    awaitMetric("switchboard_queue_acked_total\\{queue=\"" + WORK.replace(".", "\\.") + "\"} [1-9]");
    assertThat(seen.poll(300, TimeUnit.MILLISECONDS)).as("processed once").isNull();
  }

  @Test
  void aFailingMessageIsRetriedWithACountThenDeadLetteredWithTheHeaders() throws Exception {
    BlockingQueue<Message<JsonObject>> seen = handler("test.failing." + RUN, m -> m.fail(500, "payment service said no"));
    String id = postOk(FAILING, "", "{\"n\":1}", "ce-type", "payment.requested");
    List<String> counts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Message<JsonObject> attempt = poll(seen);
      assertThat(attempt.body().getString("id")).isEqualTo(id);
      counts.add(attempt.headers().get("retry-count"));
    }
    assertThat(counts).containsExactly("0", "1", "2");

    JsonObject letter = amqp.awaitGet(FAILING + ".dlq", WAIT);
    JsonObject headers = letter.getJsonObject("properties").getJsonObject("headers");
    assertThat(headers.getInteger("x-retry-count")).as("the attempts made").isEqualTo(3);
    assertThat(headers.getString("x-last-error")).isEqualTo("payment service said no");
    assertThat(java.time.Instant.parse(headers.getString("x-failed-at"))).isBefore(java.time.Instant.now().plusSeconds(1));
    assertThat(new JsonObject(letter.getString("body")).getString("id")).isEqualTo(id);
    assertThat(letter.getJsonObject("properties").getString("messageId")).isEqualTo(id);
    assertThat(seen.poll(300, TimeUnit.MILLISECONDS)).as("no attempt after max retries").isNull();
  }

  @Test
  void deadLettersAreCountedAndCanBeRequeued() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
    BlockingQueue<Message<JsonObject>> seen = handler("test.failing." + RUN, m -> {
      if (fail.get()) {
        m.fail(500, "not yet");
      } else {
        m.reply(new JsonObject());
      }
    });
    String id = postOk(FAILING, "", "{\"n\":2}", "ce-type", "payment.requested");
    for (int i = 0; i < 3; i++) {
      poll(seen);
    }
    JsonObject status = awaitQueue(FAILING, 0, 1);
    assertThat(status.getString("name")).isEqualTo(FAILING);
    assertThat(status.getInteger("consumers")).isEqualTo(2);

    fail.set(false);
    JsonObject listed = Http.json(Http.get(hub.uri("/api/v1/queues"))).getJsonArray("queues").stream()
        .map(JsonObject.class::cast).filter(q -> q.getString("name").equals(FAILING)).findFirst().orElseThrow();
    assertThat(listed).isEqualTo(status);
    HttpResponse<String> requeue = Http.post(hub.uri("/api/v1/queues/" + FAILING + "/dead-letters/requeue"), "");
    assertThat(requeue.statusCode()).as(requeue.body()).isEqualTo(200);
    assertThat(Http.json(requeue).getInteger("moved")).isEqualTo(1);
    Message<JsonObject> again = poll(seen);
    assertThat(again.body().getString("id")).isEqualTo(id);
    assertThat(again.headers().get("retry-count")).isEqualTo("0");
    awaitQueue(FAILING, 0, 0);
  }

  @Test
  void aMessageThatIsNotJsonGoesStraightToTheDeadLetterQueue() throws Exception {
    BlockingQueue<Message<JsonObject>> seen = handler("test.work." + RUN, m -> m.reply(null));
    amqp.publish(WORK, "this is not json", new JsonObject().put("messageId", "poison-1").put("contentType", "text/plain"));
    JsonObject letter = amqp.awaitGet(WORK + ".dlq", WAIT);
    assertThat(letter.getString("body")).isEqualTo("this is not json");
    JsonObject headers = letter.getJsonObject("properties").getJsonObject("headers");
    assertThat(headers.getString("x-last-error")).startsWith("the body is not JSON").contains("text/plain");
    assertThat(headers.getInteger("x-retry-count")).isZero();
    assertThat(seen.poll(300, TimeUnit.MILLISECONDS)).as("the handler never sees poison").isNull();
  }

  @Test
  void higherPriorityMessagesAreDeliveredFirst() throws Exception {
    for (int i = 0; i < 3; i++) {
      postOk(PRIORITY, "?priority=1", "{\"p\":\"low-" + i + "\"}", "ce-type", "job");
    }
    postOk(PRIORITY, "", "{\"p\":\"high\"}", "ce-type", "job", "priority", "9");
    amqp.consume(PRIORITY);
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(new JsonObject(amqp.next(PRIORITY, WAIT).getString("body")).getJsonObject("data").getString("p"));
    }
    assertThat(order).containsExactly("high", "low-0", "low-1", "low-2");
  }

  @Test
  void aDelayedMessageArrivesNoEarlierThanItsDelay() throws Exception {
    amqp.consume(DELAYED);
    long sent = System.currentTimeMillis();
    postOk(DELAYED, "?delay_ms=1500", "{\"later\":true}", "ce-type", "reminder");
    JsonObject message = amqp.next(DELAYED, WAIT);
    assertThat(message.getLong("receivedAt") - sent).isGreaterThanOrEqualTo(1500);
    assertThat(new JsonObject(message.getString("body")).getJsonObject("data").getBoolean("later")).isTrue();
    // A queue that does not take delays says so.
    HttpResponse<String> refused = post(PLAIN, "?delay_ms=100", "{}", "ce-type", "t");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(Http.json(refused).getString("type")).isEqualTo("urn:switchboard:problem:delay-disabled");
  }

  @Test
  void expiredMessagesAreDeadLettered() throws Exception {
    String queueTtl = postOk(EXPIRING, "", "{\"n\":1}", "ce-type", "short-lived");
    // RabbitMQ expires a per-message TTL at the head of the queue: a queue of its own keeps it there.
    String messageTtl = postOk(SHORT_LIVED, "?ttl_ms=200", "{\"n\":2}", "ce-type", "short-lived");
    JsonObject first = amqp.awaitGet(EXPIRING + ".dlq", WAIT);
    assertThat(first.getJsonObject("properties").getString("messageId")).isEqualTo(queueTtl);
    assertThat(first.getJsonObject("properties").getJsonObject("headers").getJsonArray("x-death").getJsonObject(0)
        .getString("reason")).isEqualTo("expired");
    JsonObject second = amqp.awaitGet(SHORT_LIVED + ".dlq", WAIT);
    assertThat(second.getJsonObject("properties").getString("messageId")).isEqualTo(messageTtl);
  }

  @Test
  void aRequestWithReplyToGetsTheHandlersAnswerWithItsCorrelationId() throws Exception {
    handler("test.rpc." + RUN, m -> m.reply(new JsonObject().put("sum", m.body().getJsonObject("data").getInteger("a") + 1)));
    amqp.rpc(RPC, "{\"a\":41}", "rpc-corr-1");
    JsonObject reply = amqp.nextReply(WAIT);
    assertThat(reply.getJsonObject("properties").getString("correlationId")).isEqualTo("rpc-corr-1");
    assertThat(new JsonObject(reply.getString("body"))).isEqualTo(new JsonObject().put("sum", 42));
  }

  @Test
  void anRpcReplyToAQueueThatDoesNotExistIsCountedAndTheRequestAcked() throws Exception {
    handler("test.rpc." + RUN, m -> m.reply(new JsonObject().put("ok", true)));
    postOk(RPC, "?reply_to=" + RUN + ".nowhere", "{\"a\":1}", "ce-type", "rpc.lost");
    awaitMetric("switchboard_queue_rpc_replies_unroutable_total\\{queue=\"" + RPC.replace(".", "\\.") + "\"} 1\\.0");
    awaitQueue(RPC, 0, 0);
  }

  @Test
  void aPublishRetriedWithTheSameIdWithinTheWindowIsAnsweredRepeatedAndNotSentAgain() throws Exception {
    String id = "order-" + RUN + "-1";
    HttpResponse<String> first = post(DEDUPE, "", "{\"n\":1}", "ce-type", "job.once", "ce-id", id);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    assertThat(Http.json(first).containsKey("repeated")).isFalse();
    HttpResponse<String> again = post(DEDUPE, "", "{\"n\":1}", "ce-type", "job.once", "ce-id", id);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
    assertThat(Http.json(again).getBoolean("repeated")).isTrue();
    assertThat(Http.json(again).getString("id")).isEqualTo(id);
    // Another id, and a publish without one (the hub makes it up), are sent as usual.
    postOk(DEDUPE, "", "{\"n\":2}", "ce-type", "job.once", "ce-id", "order-" + RUN + "-2");
    postOk(DEDUPE, "", "{\"n\":3}", "ce-type", "job.once");
    awaitQueue(DEDUPE, 3, 0);
  }

  @Test
  void aMessageWhoseHandlerIsNotRegisteredYetIsNotDeliveredAndSpendsNoAttempt() throws Exception {
    // max_retries 0: an attempt counted for "no handler" would dead-letter it at once.
    String id = postOk(LATE, "", "{\"n\":1}", "ce-type", "job.early");
    awaitMetric("switchboard_queue_no_handler_total\\{queue=\"" + LATE.replace(".", "\\.") + "\"} [1-9]");
    BlockingQueue<Message<JsonObject>> seen = handler("test.late." + RUN, m -> m.reply(null));
    Message<JsonObject> first = poll(seen);
    assertThat(first.body().getString("id")).isEqualTo(id);
    assertThat(first.headers().get("retry-count")).isEqualTo("0");
    awaitQueue(LATE, 0, 0);
  }

  @Test
  void hubTopicsReachTheTopicExchangeWithTheTopicAsRoutingKey() throws Exception {
    String prefix = RUN.replace('_', '-');
    String queue = amqp.bind("switchboard.topics", prefix + ".orders.*");
    HttpResponse<String> published = Http.post(hub.uri("/api/v1/topics/" + prefix + ".orders.created"), "{\"o\":1}",
        "ce-type", "order.created");
    assertThat(published.statusCode()).isEqualTo(202);
    Http.post(hub.uri("/api/v1/topics/" + prefix + ".other"), "{\"o\":2}", "ce-type", "other");
    JsonObject message = amqp.next(queue, WAIT);
    assertThat(message.getJsonObject("fields").getString("routingKey")).isEqualTo(prefix + ".orders.created");
    assertThat(message.getJsonObject("properties").getString("contentType")).isEqualTo("application/cloudevents+json");
    JsonObject envelope = new JsonObject(message.getString("body"));
    assertThat(envelope.getString("id")).isEqualTo(Http.json(published).getString("id"));
    assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("o", 1));
    // A sentinel: whatever arrives before it shows a duplicate or a message that should not match.
    Http.post(hub.uri("/api/v1/topics/" + prefix + ".orders.done"), "{\"o\":3}", "ce-type", "order.done");
    JsonObject sentinel = amqp.next(queue, WAIT);
    assertThat(new JsonObject(sentinel.getString("body")).getJsonObject("data")).isEqualTo(new JsonObject().put("o", 3));
    assertThat(amqp.drain(queue)).isEmpty();
  }

  @Test
  void anAmqpQueueFeedsAHubTopic() throws Exception {
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=" + FEED_TOPIC))) {
      amqp.publish(FEED, "{\"from\":\"amqp\"}", new JsonObject().put("type", "external.thing").put("messageId", "feed-1"));
      SseClient.Event event = sse.next(WAIT);
      assertThat(event.event()).isEqualTo("external.thing");
      JsonObject envelope = new JsonObject(event.data());
      assertThat(envelope.getString("id")).isEqualTo("feed-1");
      assertThat(envelope.getJsonObject("data")).isEqualTo(new JsonObject().put("from", "amqp"));
    }
    awaitQueue(FEED, 0, 0);
  }

  @Test
  void aFullQueueThatRejectsPublishesGivesA503NotA202() {
    postOk(BOUNDED, "", "{\"n\":1}", "ce-type", "t");
    HttpResponse<String> refused = post(BOUNDED, "", "{\"n\":2}", "ce-type", "t");
    assertProblem(refused, 503, "unavailable");
    assertThat(Http.json(refused).getString("detail")).contains("nack").contains("not stored");
  }

  @Test
  void aQuorumQueueWorksTheSameWay() throws Exception {
    BlockingQueue<Message<JsonObject>> seen = handler("test.quorum." + RUN, m -> m.reply(null));
    String id = postOk(QUORUM, "", "{\"q\":true}", "ce-type", "t");
    assertThat(poll(seen).body().getString("id")).isEqualTo(id);
  }

  @Test
  void aQueueDeletedUnderItsConsumerIsDeclaredAgainAndConsumed() throws Exception {
    BlockingQueue<Message<JsonObject>> seen = handler("test.phoenix." + RUN, m -> m.reply(null));
    amqp.delete(PHOENIX);
    long deadline = System.nanoTime() + WAIT.toNanos();
    HttpResponse<String> response = post(PHOENIX, "", "{}", "ce-type", "t");
    while (response.statusCode() != 202 && System.nanoTime() < deadline) {
      // Until it is back, RabbitMQ returns the message unroutable and the publisher says so.
      assertProblem(response, 503, "unavailable");
      assertThat(Http.json(response).getString("detail")).contains("could not route");
      Thread.sleep(100);
      response = post(PHOENIX, "", "{}", "ce-type", "t");
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(poll(seen).body().getString("id")).isEqualTo(Http.json(response).getString("id"));
  }

  @Test
  void badRequestsGetPreciseProblems() {
    assertProblem(post(RUN + ".nope", "", "{}", "ce-type", "t"), 404, "not-found");
    assertProblem(post(PLAIN, "", "{not json", "ce-type", "t"), 400, "malformed-json");
    assertProblem(post(PLAIN, "", "{}"), 422, "missing-type");
    assertProblem(post(PLAIN, "?priority=high", "{}", "ce-type", "t"), 400, "invalid-priority");
    assertProblem(post(PLAIN, "?priority=300", "{}", "ce-type", "t"), 400, "invalid-priority");
    assertProblem(post(PLAIN, "?ttl_ms=-1", "{}", "ce-type", "t"), 400, "invalid-ttl-ms");
    assertProblem(Http.get(hub.uri("/api/v1/queues/" + RUN + ".nope")), 404, "not-found");
  }

  private static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(Http.json(response).getString("type")).isEqualTo("urn:switchboard:problem:" + code);
  }

  @Test
  void readinessAndMetricsCoverTheBridge() {
    postOk(PLAIN, "", "{}", "ce-type", "metrics.probe");
    HttpResponse<String> ready = Http.get(hub.uri("/ready"));
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("rabbitmq").getString("status")).isEqualTo("UP");
    String metrics = Http.get(hub.uri("/metrics")).body();
    assertThat(metrics).containsPattern("switchboard_queue_published_total\\{queue=\"" + PLAIN.replace(".", "\\.") + "\"} [1-9]");
    assertThat(metrics).containsPattern("switchboard_queue_confirmed_total\\{queue=\"" + PLAIN.replace(".", "\\.") + "\"} [1-9]");
    assertThat(metrics).contains("switchboard_queue_confirm_latency_seconds_count{queue=\"" + PLAIN + "\"}");
  }

  private static void awaitMetric(String pattern) throws InterruptedException {
    java.util.regex.Pattern regex = java.util.regex.Pattern.compile(pattern);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (regex.matcher(Http.get(hub.uri("/metrics")).body()).find()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no metric matching " + pattern + " within " + WAIT);
  }

  /** Waits until RabbitMQ reports these counts (acks and dead-lettering land asynchronously). */
  static JsonObject awaitQueue(String queue, int messages, int deadLetters) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject status = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = Http.get(hub.uri("/api/v1/queues/" + queue));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      status = Http.json(response);
      if (status.getInteger("messages") == messages && status.getInteger("dead_letters") == deadLetters) {
        return status;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("queue " + queue + " did not reach messages=" + messages + ", dead_letters=" + deadLetters + ": " + status);
  }
}
