package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.gateway.security.ApiKeys;
import io.switchboard.testing.Http;
import io.switchboard.testing.TcpBridgeClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The TCP event-bus bridge as a client in another language sees it: bytes on a socket. */
class TcpBridgeIT {

  private static final String PUBLISHER = ApiKeys.generate();
  private static final String READER = ApiKeys.generate();
  private static final int MAX_FRAME = 4096;
  private static TestHub hub;
  private static int port;

  @BeforeAll
  static void start() {
    port = TestHub.freePort();
    hub = TestHub.start(new JsonObject()
        .put("auth", new JsonObject().put("api_keys", new JsonArray()
            .add(TestHub.apiKey("publisher", PUBLISHER, "publish", "subscribe"))
            .add(TestHub.apiKey("reader", READER, "subscribe"))))
        .put("tcp_bridge", new JsonObject().put("port", port).put("max_frame_bytes", MAX_FRAME).put("slow_close_ms", 1000))
        .put("bridge", new JsonObject()
            .put("inbound", new JsonArray().add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+"))
                .add(new JsonObject().put("address", "tcpit.echo")).add(new JsonObject().put("address", "tcpit.nobody")))
            .put("outbound", new JsonArray().add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+"))
                .add(new JsonObject().put("address_regex", "tcpit\\.jobs.*")))));
    hub.vertx.eventBus().<JsonObject>consumer("tcpit.echo", m -> m.reply(new JsonObject().put("echo", m.body())
        .put("origin", m.headers().get("x-origin")).put("token_seen", m.headers().contains("token"))));
  }

  @AfterAll
  static void stop() {
    if (hub != null) {
      hub.close();
    }
  }


  @Test
  void aClientWithoutAValidTokenIsRefusedUntilItSendsOne() throws IOException {
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      client.write(new JsonObject().put("type", "register").put("address", "switchboard.topic.tcpit.a"));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("register", "switchboard.topic.tcpit.a", "not-a-key"));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("register", "switchboard.topic.tcpit.a", READER));
      client.ping();

      assertThat(Http.post(hub.uri("/api/v1/topics/tcpit.a"), "{\"n\":1}", "ce-type", "tcpit.t",
          "Authorization", "Bearer " + PUBLISHER).statusCode()).isEqualTo(202);
      JsonObject message = client.read();
      assertThat(message.getString("type")).isEqualTo("message");
      assertThat(message.getString("address")).isEqualTo("switchboard.topic.tcpit.a");
      assertThat(message.getJsonObject("body").getString("type")).isEqualTo("tcpit.t");
      assertThat(message.getJsonObject("body").getJsonObject("data")).isEqualTo(new JsonObject().put("n", 1));
    }
  }

  @Test
  void publishingNeedsThePublishScopeAndReachesSubscribers() throws IOException {
    try (TcpBridgeClient reader = new TcpBridgeClient(port); TcpBridgeClient publisher = new TcpBridgeClient(port)) {
      reader.write(TcpBridgeClient.frame("register", "switchboard.topic.tcpit.p", READER));
      reader.ping();
      reader.write(TcpBridgeClient.frame("publish", "switchboard.topic.tcpit.p", null).put("body", new JsonObject().put("n", 0)));
      assertThat(reader.read().getString("message")).isEqualTo("access_denied");

      double rejectedBefore = metric("switchboard_topics_rejected_total");
      publisher.write(TcpBridgeClient.frame("publish", "switchboard.topic.tcpit.p", PUBLISHER)
          .put("body", new JsonObject().put("specversion", "0.3").put("type", "tcpit.pub").put("data", 1))
          .put("headers", new JsonObject().put("token", PUBLISHER)));
      assertThat(publisher.read().getString("message")).isEqualTo("access_denied");
      assertThat(metric("switchboard_topics_rejected_total")).as("an invalid event counts as a refused publish").isEqualTo(rejectedBefore + 1);

      publisher.write(TcpBridgeClient.frame("publish", "switchboard.topic.tcpit.p", PUBLISHER).put("body", new JsonObject().put("n", 2))
          .put("headers", new JsonObject().put("token", PUBLISHER).put("ce-type", "tcpit.pub")));
      JsonObject event = reader.read().getJsonObject("body");
      assertThat(event.getString("type")).isEqualTo("tcpit.pub");
      assertThat(event.getJsonObject("data")).isEqualTo(new JsonObject().put("n", 2));
    }
  }

  @Test
  void requestsGetTheirReplyOrTheFailureOnTheReplyAddress() throws IOException {
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      client.write(TcpBridgeClient.frame("send", "tcpit.echo", PUBLISHER).put("replyAddress", "r-1").put("body", new JsonObject().put("q", 1))
          .put("headers", new JsonObject().put("token", PUBLISHER).put("x-origin", "python")));
      JsonObject reply = client.read();
      assertThat(reply.getString("type")).isEqualTo("message");
      assertThat(reply.getString("address")).isEqualTo("r-1");
      assertThat(reply.getJsonObject("body")).isEqualTo(new JsonObject().put("echo", new JsonObject().put("q", 1))
          .put("origin", "python").put("token_seen", false));

      client.write(TcpBridgeClient.frame("send", "tcpit.nobody", null).put("replyAddress", "r-2"));
      JsonObject failure = client.read();
      assertThat(failure.getString("type")).isEqualTo("err");
      assertThat(failure.getString("address")).isEqualTo("r-2");
      assertThat(failure.getString("failureType")).isEqualTo("NO_HANDLERS");

      client.write(TcpBridgeClient.frame("send", "tcpit.not-permitted", null).put("body", 1));
      assertThat(client.read().getString("message")).isEqualTo("access_denied");
      client.write(TcpBridgeClient.frame("send", "__vertx.reply.123", null).put("body", 1));
      assertThat(client.read().getString("message")).as("a reply it was never asked for").isEqualTo("access_denied");
    }
  }

  @Test
  void aClientAnswersTheRequestsItReceives() throws Exception {
    try (TcpBridgeClient worker = new TcpBridgeClient(port)) {
      worker.write(TcpBridgeClient.frame("register", "tcpit.jobs", PUBLISHER));
      worker.ping();
      var answered = hub.vertx.eventBus().<JsonObject>request("tcpit.jobs", new JsonObject().put("job", 7));
      JsonObject job = worker.read();
      assertThat(job.getJsonObject("body")).isEqualTo(new JsonObject().put("job", 7));
      assertThat(job.getBoolean("send")).isTrue();
      worker.write(new JsonObject().put("type", "send").put("address", job.getString("replyAddress"))
          .put("body", new JsonObject().put("done", 7)));
      assertThat(answered.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body())
          .isEqualTo(new JsonObject().put("done", 7));

      var refused = hub.vertx.eventBus().<JsonObject>request("tcpit.jobs", new JsonObject().put("job", 8));
      JsonObject second = worker.read();
      worker.write(new JsonObject().put("type", "send").put("address", second.getString("replyAddress"))
          .put("failureCode", 422).put("message", "cannot do job 8"));
      Throwable failure = refused.toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get(5, TimeUnit.SECONDS);
      assertThat(failure).isInstanceOf(ReplyException.class).hasMessage("cannot do job 8");
      assertThat(((ReplyException) failure).failureCode()).isEqualTo(422);
    }
  }

  @Test
  void aRequestToAClientThatDisconnectsFailsAtOnce() throws Exception {
    var pending = new java.util.concurrent.CompletableFuture<Throwable>();
    try (TcpBridgeClient worker = new TcpBridgeClient(port)) {
      worker.write(TcpBridgeClient.frame("register", "tcpit.jobs.gone", PUBLISHER));
      worker.ping();
      hub.vertx.eventBus().request("tcpit.jobs.gone", "x", new DeliveryOptions().setSendTimeout(60_000))
          .onComplete(ar -> pending.complete(ar.cause()));
      assertThat(worker.read().getString("replyAddress")).isNotNull();
    }
    Throwable failure = pending.get(5, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) failure).failureCode()).isEqualTo(503);
  }

  @Test
  void malformedFramesGetAnErrorAndTheConnectionStays() throws IOException {
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      client.writeRaw("{not json".getBytes(StandardCharsets.UTF_8));
      assertThat(client.read().getString("message")).isEqualTo("invalid_json");
      client.writeRaw("[1,2]".getBytes(StandardCharsets.UTF_8));
      assertThat(client.read().getString("message")).isEqualTo("invalid_json");
      client.write(new JsonObject().put("type", "send").put("address", "tcpit.echo").put("headers", "token"));
      assertThat(client.read().getString("message")).isEqualTo("invalid_headers");
      client.write(TcpBridgeClient.frame("shout", "tcpit.echo", PUBLISHER));
      assertThat(client.read().getString("message")).isEqualTo("unknown_type");
      client.write(new JsonObject().put("type", "send"));
      assertThat(client.read().getString("message")).isEqualTo("missing_address");
      client.ping();
    }
  }

  @Test
  void anOversizedOrNegativeFrameLengthClosesTheConnectionBeforeItIsRead() throws IOException {
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      // Announces 1 GiB: refused on the length alone, nothing of it is buffered.
      client.writeLength(1 << 30);
      assertThat(client.read().getString("message")).isEqualTo("frame_too_large");
      client.assertClosed();
    }
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      client.writeLength(MAX_FRAME + 1);
      assertThat(client.read().getString("message")).isEqualTo("frame_too_large");
      client.assertClosed();
    }
    try (TcpBridgeClient client = new TcpBridgeClient(port)) {
      client.writeLength(-5);
      assertThat(client.read().getString("message")).isEqualTo("invalid_frame_length");
      client.assertClosed();
    }
  }

  @Test
  void aClientThatDoesNotReadCostsABoundedQueueAndIsClosedAsSlow() throws Exception {
    double droppedBefore = metric("switchboard_messages_dropped_total{transport=\"tcp\"}");
    double slowClosedBefore = metric("switchboard_connections_slow_closed_total{transport=\"tcp\"}");
    try (TcpBridgeClient stalled = new TcpBridgeClient(port, 4096)) {
      stalled.write(TcpBridgeClient.frame("register", "switchboard.topic.tcpit.stalled", READER));
      stalled.ping(); // registered; from here on it reads nothing
      String pad = "x".repeat(2000);
      for (int start = 0; start < 8000; start += 500) {
        List<io.vertx.core.Future<?>> batch = new java.util.ArrayList<>();
        for (int n = start; n < start + 500; n++) {
          batch.add(hub.vertx.eventBus().request(io.switchboard.core.Addresses.TOPICS_PUBLISH, new JsonObject()
              .put("topic", "tcpit.stalled").put("event", new JsonObject().put("type", "tcpit.bp").put("data", pad))));
        }
        TestHub.await(io.vertx.core.Future.all(batch));
      }
      assertThat(Http.get(hub.uri("/health")).statusCode()).as("the hub keeps serving").isEqualTo(200);
      // ~16 MB published; the stalled client's socket buffers hold a few hundred KB at most.
      assertThat(metric("switchboard_messages_dropped_total{transport=\"tcp\"}") - droppedBefore).isGreaterThan(4000);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
      while (metric("switchboard_connections_slow_closed_total{transport=\"tcp\"}") - slowClosedBefore < 1
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(metric("switchboard_connections_slow_closed_total{transport=\"tcp\"}") - slowClosedBefore).isEqualTo(1.0);
    }
  }

  private static double metric(String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name) + " ([0-9.E+-]+)$")
        .matcher(Http.get(hub.uri("/metrics")).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
