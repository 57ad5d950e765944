package io.switchboard.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.HubMetrics;
import io.switchboard.testing.Http;
import io.switchboard.testing.RedisCli;
import io.switchboard.testing.Services;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis relay against the real Redis, checked with redis-cli on one side and HTTP (REST, SSE)
 * on the other. The hub runs three relay instances throughout: every message must still cross once.
 */
class RedisRelayIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int OUTAGE_BUFFER = 3;
  private static String prefix;
  private static TestHub hub;

  @BeforeAll
  static void start() {
    Services.require(Services.Service.REDIS);
    // A channel namespace of this run's own: parallel runs on the machine do not see each other.
    prefix = Services.unique("sbtest") + ":";
    hub = TestHub.start(new JsonObject().put("redis", new JsonObject()
            .put("uri", Services.REDIS_URI)
            .put("channel_prefix", prefix)
            .put("outbound", new JsonObject().put("topics", new JsonArray().add("out.#")).put("buffer", OUTAGE_BUFFER))
            .put("reconnect", new JsonObject().put("initial_ms", 50).put("max_ms", 400))
            .put("heartbeat_ms", 1000)),
        d -> d.name().equals("redis-relay") ? d.withInstances(3) : d,
        "topic-router", "redis-relay", "gateway");
  }

  @AfterAll
  static void stop() {
    if (hub != null) {
      hub.close();
    }
  }

  @Test
  void redisCliPublishReachesAnSseSubscriberExactlyOnceAsTheCloudEventItIs() {
    try (SseClient sse = stream("in.once.%23")) {
      JsonObject event = new JsonObject().put("specversion", "1.0").put("id", Services.unique("ce"))
          .put("source", "urn:test:redis-cli").put("type", "order.created").put("subject", "o-1")
          .put("time", "2026-11-26T12:00:00.000Z").put("datacontenttype", "application/json")
          .put("data", new JsonObject().put("order_id", "o-1")).put("correlationid", "c-9");
      // One subscriber connection for the node, whatever the instance count.
      assertThat(RedisCli.publish(prefix + "in.once.created", event.encode())).isEqualTo(1);
      RedisCli.publish(prefix + "in.once.end", "end");

      List<SseClient.Event> events = sse.until(e -> e.data().contains("\"end\""), WAIT);
      assertThat(events).hasSize(2);
      assertThat(events.get(0).event()).isEqualTo("order.created");
      assertThat(new JsonObject(events.get(0).data())).isEqualTo(event);
    }
  }

  @Test
  void plainTextJsonAndBytesThatAreNotCloudEventsAreWrapped() {
    try (SseClient sse = stream("in.wrap")) {
      String channel = prefix + "in.wrap";
      RedisCli.publish(channel, "hello world");
      RedisCli.publish(channel, "{\"order_id\":\"o-2\"}");
      RedisCli.publish(channel, "[1,2,3]");
      RedisCli.publish(channel, new byte[] {(byte) 0xff, 0, 1});
      RedisCli.publish(channel, "end");

      List<SseClient.Event> events = sse.until(e -> e.data().contains("\"end\""), WAIT);
      assertThat(events).hasSize(5);
      assertThat(events).allSatisfy(e -> assertThat(e.event()).isEqualTo("switchboard.redis.message"));
      List<JsonObject> envelopes = events.stream().map(e -> new JsonObject(e.data())).toList();
      assertThat(envelopes).allSatisfy(env -> {
        assertThat(env.getString("specversion")).isEqualTo("1.0");
        assertThat(env.getString("type")).isEqualTo("switchboard.redis.message");
        assertThat(env.getString("source")).isEqualTo("/switchboard/" + hub.nodeId() + "/redis");
        assertThat(env.getString("id")).isNotBlank();
        assertThat(env.getString("time")).isNotBlank();
      });
      assertThat(envelopes.get(0).getString("datacontenttype")).isEqualTo("text/plain; charset=utf-8");
      assertThat(envelopes.get(0).getValue("data")).isEqualTo("hello world");
      assertThat(envelopes.get(1).getString("datacontenttype")).isEqualTo("application/json");
      assertThat(envelopes.get(1).getValue("data")).isEqualTo(new JsonObject().put("order_id", "o-2"));
      assertThat(envelopes.get(2).getValue("data")).isEqualTo(new JsonArray().add(1).add(2).add(3));
      assertThat(envelopes.get(3).getString("datacontenttype")).isEqualTo("application/octet-stream");
      assertThat(envelopes.get(3).getString("data_base64")).isEqualTo("/wAB");
    }
  }

  @Test
  void aRestPublishReachesRedisCliSubscribeExactlyOnceAndOnlyForConfiguredTopics() {
    try (RedisCli.Subscription redis = RedisCli.psubscribe(prefix + "*")) {
      rest("private.rest", "\"not for redis\"");  // outbound topics are out.#
      String id = rest("out.rest", "{\"n\":1}");
      rest("out.rest", "\"end\"");

      List<RedisCli.Message> messages = redis.until(m -> m.payload().contains("\"end\""), WAIT);
      assertThat(messages).hasSize(2);
      assertThat(messages.get(0).channel()).isEqualTo(prefix + "out.rest");
      JsonObject envelope = new JsonObject(messages.get(0).payload());
      assertThat(envelope.getString("id")).isEqualTo(id);
      assertThat(envelope.getString("type")).isEqualTo("test.event");
      assertThat(envelope.getString("source")).isEqualTo("/switchboard/" + hub.nodeId());
      assertThat(envelope.getValue("data")).isEqualTo(new JsonObject().put("n", 1));
      assertThat(envelope.getString("switchboardrelay")).isEqualTo(hub.nodeId());
    }
  }

  @Test
  void whatCameFromRedisIsNotWrittenBackAndWhatWentOutDoesNotComeBackIn() {
    try (SseClient sse = stream("out.echo");
         RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.echo")) {
      RedisCli.publish(prefix + "out.echo", "from redis");
      assertThat(datas(List.of(sse.next(WAIT)))).containsExactly("from redis");
      rest("out.echo", "\"from rest\"");
      // Redis has delivered "from rest" to every subscriber, the relay's too, once redis-cli has it.
      assertThat(redis.until(m -> m.payload().contains("from rest"), WAIT)).extracting(RedisCli.Message::payload)
          .hasSize(2).first().isEqualTo("from redis");
      RedisCli.publish(prefix + "out.echo", "last");

      assertThat(datas(sse.until(e -> e.data().contains("\"last\""), WAIT))).containsExactly("from rest", "last");
      assertThat(redis.next(WAIT).payload()).isEqualTo("last");
    }
  }

  @Test
  void threeRelayInstancesStillRelayEachMessageOnceBothWays() {
    try (SseClient sse = stream("out.three,in.three");
         RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.three")) {
      for (int i = 0; i < 10; i++) {
        assertThat(RedisCli.publish(prefix + "in.three", "in-" + i)).isEqualTo(1);
        rest("out.three", "\"out-" + i + "\"");
      }
      RedisCli.publish(prefix + "in.three", "in-end");
      rest("out.three", "\"out-end\"");

      List<String> fromRedis = redis.until(m -> m.payload().contains("out-end"), WAIT).stream()
          .map(m -> String.valueOf(new JsonObject(m.payload()).getValue("data"))).toList();
      assertThat(fromRedis).containsExactly("out-0", "out-1", "out-2", "out-3", "out-4", "out-5", "out-6", "out-7",
          "out-8", "out-9", "out-end");
      List<String> onStream = datas(sse.until(e -> e.data().contains("in-end"), WAIT));
      List<String> ins = onStream.stream().filter(d -> d.startsWith("in-")).toList();
      assertThat(ins).containsExactly("in-0", "in-1", "in-2", "in-3", "in-4", "in-5", "in-6", "in-7", "in-8", "in-9",
          "in-end");
    }
  }

  @Test
  void channelsThatAreNotTopicNamesAndInvalidEventsAreRejectedAndCounted() throws Exception {
    double before = metric("switchboard_redis_rejected_total");
    double invalidBefore = metric("switchboard_topics_rejected_total");
    try (SseClient sse = stream("in.valid")) {
      RedisCli.publish(prefix + "in bad", "x");
      RedisCli.publish(prefix + "in..bad", "x");
      RedisCli.publish(prefix + "ünïcode", "x");
      RedisCli.publish(prefix + "in.valid", "{\"specversion\":\"1.0\",\"data\":1}"); // a CloudEvent without a type
      RedisCli.publish(prefix + "in.valid", "fine");

      assertThat(datas(sse.until(e -> e.data().contains("fine"), WAIT))).containsExactly("fine");
      awaitMetric("switchboard_redis_rejected_total", before + 4);
      awaitMetric("switchboard_topics_rejected_total", invalidBefore + 1); // the invalid CloudEvent, as any publish's
    }
  }

  @Test
  void aBurstReadAtOnceKeepsItsOrderAndOnlyItsInvalidEventIsRejected() throws Exception {
    double before = metric("switchboard_redis_rejected_total");
    try (SseClient sse = stream("in.burst")) {
      List<String> payloads = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        // The twenty-first, a CloudEvent without a type, is refused alone; the rest go on in one request
        payloads.add(i == 20 ? "{\"specversion\":\"1.0\",\"data\":20}" : "burst-" + i);
        if (i != 20) {
          expected.add("burst-" + i);
        }
      }
      payloads.add("burst-end");
      expected.add("burst-end");
      RedisCli.publishPipelined(prefix + "in.burst", payloads);

      assertThat(datas(sse.until(e -> e.data().contains("burst-end"), WAIT))).containsExactlyElementsOf(expected);
      awaitMetric("switchboard_redis_rejected_total", before + 1);
    }
  }

  /** The relay reuses the last channel's topic while messages keep coming on it: a change of channel must not. */
  @Test
  void messagesOnAlternatingChannelsInOneReadEachReachTheirOwnTopic() throws Exception {
    double before = metric("switchboard_redis_rejected_total");
    try (SseClient a = stream("in.alt.a"); SseClient b = stream("in.alt.b")) {
      List<java.util.Map.Entry<String, String>> messages = new ArrayList<>();
      List<String> expectedA = new ArrayList<>();
      List<String> expectedB = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String channel = i == 16 ? "in..alt" : i % 3 == 0 ? "in.alt.b" : "in.alt.a"; // the sixteenth is no topic name
        messages.add(java.util.Map.entry(prefix + channel, channel + "-" + i));
        (channel.endsWith("b") ? expectedB : channel.endsWith("a") ? expectedA : new ArrayList<String>()).add(channel + "-" + i);
      }
      messages.add(java.util.Map.entry(prefix + "in.alt.a", "a-end"));
      messages.add(java.util.Map.entry(prefix + "in.alt.b", "b-end"));
      expectedA.add("a-end");
      expectedB.add("b-end");
      RedisCli.publishPipelined(messages);

      assertThat(datas(a.until(e -> e.data().contains("a-end"), WAIT))).containsExactlyElementsOf(expectedA);
      assertThat(datas(b.until(e -> e.data().contains("b-end"), WAIT))).containsExactlyElementsOf(expectedB);
      awaitMetric("switchboard_redis_rejected_total", before + 1);
    }
  }

  @Test
  void redisRestartedMidStreamTheRelayRecoversAndMessagesFlowBothWaysAgain() throws Exception {
    try (SseClient sse = stream("out.restart,in.restart")) {
      try (RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.restart")) {
        rest("out.restart", "\"before\"");
        assertThat(redis.next(WAIT).payload()).contains("\"before\"");
      }
      RedisCli.publish(prefix + "in.restart", "before-in");
      double dropped = metric("switchboard_redis_dropped_total{direction=\"out\"}");
      double out = metric("switchboard_redis_out_total");
      double subscriberReconnects = metric("switchboard_redis_reconnects_total{connection=\"subscriber\"}");
      double publisherReconnects = metric("switchboard_redis_reconnects_total{connection=\"publisher\"}");

      Services.outage(Services.Service.REDIS, () -> {
        JsonObject notReady = awaitReady(503);
        JsonObject redisCheck = notReady.getJsonObject("checks").getJsonObject("redis");
        assertThat(redisCheck.getString("status")).isEqualTo("DOWN");
        assertThat(redisCheck.getString("detail")).contains("connection down");
        // A PUBLISH written to the connection while it was dying is dropped, not sent again (by
        // design); the count below is of buffer overflows, so publish once the hub knows it is gone.
        awaitMetric("switchboard_redis_connected{connection=\"publisher\"}", 0);
        // Topics stay available while Redis is away: the outbound copies wait, up to the bound.
        for (int i = 1; i <= OUTAGE_BUFFER + 2; i++) {
          rest("out.restart", "\"during-" + i + "\"");
        }
        awaitMetric("switchboard_redis_dropped_total{direction=\"out\"}", dropped + 2);
        assertThat(metric("switchboard_redis_buffered")).isEqualTo(OUTAGE_BUFFER);
      });

      awaitReady(200);
      awaitMetric("switchboard_redis_out_total", out + OUTAGE_BUFFER);
      assertThat(metric("switchboard_redis_buffered")).isZero();
      assertThat(metric("switchboard_redis_reconnects_total{connection=\"subscriber\"}")).isGreaterThan(subscriberReconnects);
      assertThat(metric("switchboard_redis_reconnects_total{connection=\"publisher\"}")).isGreaterThan(publisherReconnects);

      try (RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.restart")) {
        rest("out.restart", "\"after\"");
        rest("out.restart", "\"after-end\"");
        assertThat(redis.until(m -> m.payload().contains("after-end"), WAIT)).hasSize(2)
            .first().satisfies(m -> assertThat(m.payload()).contains("\"after\""));
      }
      assertThat(RedisCli.publish(prefix + "in.restart", "after-in")).isEqualTo(1);
      assertThat(datas(sse.until(e -> e.data().contains("after-in"), WAIT))).containsExactly(
          "before", "before-in", "during-1", "during-2", "during-3", "during-4", "during-5", "after", "after-end", "after-in");
    }
  }

  // --- helpers

  private static SseClient stream(String topics) {
    return SseClient.open(hub.uri("/api/v1/stream?topics=" + topics));
  }

  private static String rest(String topic, String json) {
    HttpResponse<String> response = Http.post(hub.uri("/api/v1/topics/" + topic), json,
        "Content-Type", "application/json", "ce-type", "test.event");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Http.json(response).getString("id");
  }

  private static List<String> datas(List<SseClient.Event> events) {
    return events.stream().map(e -> String.valueOf(new JsonObject(e.data()).getValue("data"))).toList();
  }

  private static double metric(String series) {
    return HubMetrics.value(hub, series);
  }


  private static void awaitMetric(String series, double expected) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    double value = metric(series);
    while (value != expected && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
      value = metric(series);
    }
    assertThat(value).as(series).isEqualTo(expected);
  }

  private static JsonObject awaitReady(int status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    HttpResponse<String> ready = Http.get(hub.uri("/ready"));
    while (ready.statusCode() != status && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
      ready = Http.get(hub.uri("/ready"));
    }
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(status);
    return Http.json(ready);
  }
}
