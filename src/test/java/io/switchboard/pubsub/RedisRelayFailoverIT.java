package io.switchboard.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Addresses;
import io.switchboard.launch.HubSettings;
import io.switchboard.testing.HubMetrics;
import io.switchboard.testing.Http;
import io.switchboard.testing.RedisCli;
import io.switchboard.testing.Services;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TcpProxy;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Failures a Redis restart does not show: connections that go silent, and the active relay instance going away. */
class RedisRelayFailoverIT {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @BeforeAll
  static void redis() {
    Services.require(Services.Service.REDIS);
  }

  @Test
  void connectionsThatStopCarryingAnythingAreDetectedAndReplaced() throws Exception {
    String prefix = Services.unique("sbtest") + ":";
    try (TcpProxy proxy = TcpProxy.to(6379);
         TestHub hub = TestHub.start(new JsonObject().put("redis", new JsonObject()
                 .put("uri", "redis://127.0.0.1:" + proxy.port())
                 .put("channel_prefix", prefix)
                 .put("reconnect", new JsonObject().put("initial_ms", 50).put("max_ms", 200))
                 .put("heartbeat_ms", 200)),
             "topic-router", "redis-relay", "gateway");
         SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=in.silent"))) {
      RedisCli.publish(prefix + "in.silent", "before");
      assertThat(new JsonObject(sse.next(WAIT).data()).getString("data")).isEqualTo("before");
      double subscriber = HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"subscriber\"}");
      double publisher = HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"publisher\"}");

      proxy.freezeOpenConnections();
      // Nothing closes: only the heartbeat can tell. Both connections are replaced through the proxy.
      long deadline = System.nanoTime() + WAIT.toNanos();
      while ((HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"subscriber\"}") == subscriber
          || HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"publisher\"}") == publisher)
          && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"subscriber\"}")).isGreaterThan(subscriber);
      assertThat(HubMetrics.value(hub, "switchboard_redis_reconnects_total{connection=\"publisher\"}")).isGreaterThan(publisher);
      assertThat(Http.get(hub.uri("/ready")).statusCode()).isEqualTo(200);

      RedisCli.publish(prefix + "in.silent", "after");
      assertThat(new JsonObject(sse.next(WAIT).data()).getString("data")).isEqualTo("after");
      try (RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.silent")) {
        HttpResponse<String> accepted = Http.post(hub.uri("/api/v1/topics/out.silent"), "\"out\"",
            "Content-Type", "application/json", "ce-type", "t");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(new JsonObject(redis.next(WAIT).payload()).getString("data")).isEqualTo("out");
      }
    }
  }

  @Test
  void aHubStartedWhileRedisIsDownRunsAndConnectsWhenRedisComesBack() throws Exception {
    String prefix = Services.unique("sbtest") + ":";
    TestHub[] started = new TestHub[1];
    try {
      Services.outage(Services.Service.REDIS, () -> {
        started[0] = TestHub.start(new JsonObject().put("redis", new JsonObject()
                .put("uri", Services.REDIS_URI).put("channel_prefix", prefix)
                .put("reconnect", new JsonObject().put("initial_ms", 50).put("max_ms", 400))),
            "topic-router", "redis-relay", "gateway");
        HttpResponse<String> ready = Http.get(started[0].uri("/ready"));
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(Http.json(ready).getJsonObject("checks").getJsonObject("redis").getString("detail"))
            .contains("publisher connection down", "subscriber connection down");
        assertThat(Http.post(started[0].uri("/api/v1/topics/out.early"), "1", "ce-type", "t").statusCode()).isEqualTo(202);
      });
      TestHub hub = started[0];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (Http.get(hub.uri("/ready")).statusCode() != 200 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(Http.get(hub.uri("/ready")).statusCode()).isEqualTo(200);
      try (SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=in.late"))) {
        assertThat(RedisCli.publish(prefix + "in.late", "hello")).isEqualTo(1);
        assertThat(new JsonObject(sse.next(WAIT).data()).getString("data")).isEqualTo("hello");
      }
    } finally {
      if (started[0] != null) {
        started[0].close();
      }
    }
  }

  @Test
  void aStandbyInstanceTakesOverWhenTheActiveRelayStops() throws Exception {
    String prefix = Services.unique("sbtest") + ":";
    JsonObject conf = HubSettings.defaultConf(new JsonObject().put("redis", new JsonObject()
        .put("uri", Services.REDIS_URI).put("channel_prefix", prefix)));
    Vertx vertx = Vertx.vertx();
    try {
      List<String> received = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer(Addresses.topic("in.takeover"), m -> received.add(m.body().getString("data")));
      TestHub.await(vertx.deployVerticle(TopicRouterVerticle.class, new DeploymentOptions().setConfig(conf)));
      String first = TestHub.await(vertx.deployVerticle(RedisRelayVerticle.class, new DeploymentOptions().setConfig(conf)));
      TestHub.await(vertx.deployVerticle(RedisRelayVerticle.class, new DeploymentOptions().setConfig(conf).setInstances(2)));
      awaitReady(vertx);

      assertThat(RedisCli.publish(prefix + "in.takeover", "one")).isEqualTo(1);
      await(() -> received.size() == 1);

      TestHub.await(vertx.undeploy(first));
      awaitReady(vertx);
      assertThat(RedisCli.publish(prefix + "in.takeover", "two")).isEqualTo(1);
      assertThat(RedisCli.publish(prefix + "in.takeover", "three")).isEqualTo(1);
      await(() -> received.size() >= 3);
      assertThat(received).containsExactly("one", "two", "three");

      try (RedisCli.Subscription redis = RedisCli.subscribe(prefix + "out.takeover")) {
        TestHub.await(vertx.eventBus().request(Addresses.TOPICS_PUBLISH, new JsonObject().put("topic", "out.takeover")
            .put("event", new JsonObject().put("type", "t").put("data", "out"))));
        assertThat(new JsonObject(redis.next(WAIT).payload()).getString("data")).isEqualTo("out");
      }
    } finally {
      TestHub.await(vertx.close());
    }
  }

  private static void awaitReady(Vertx vertx) throws InterruptedException {
    await(() -> {
      try {
        TestHub.await(vertx.eventBus().request(Addresses.ready("redis"), null));
        return true;
      } catch (RuntimeException notYet) {
        return false;
      }
    });
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
