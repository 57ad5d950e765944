package io.switchboard.pubsub;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.Addresses;
import io.switchboard.core.NodeRoster;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicPublication;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hub topics to and from Redis channels, so publishers and subscribers in any language meet the
 * hub's topics through Redis.
 *
 * <p>In: PSUBSCRIBEs {@code redis.channel_prefix} + each of {@code redis.inbound.channels}; a message
 * on {@code switchboard:orders.created} is published on this node as topic {@code orders.created}.
 * Out: each matching topic message accepted on this node (so once per message cluster-wide) is
 * PUBLISHed to {@code switchboard:{topic}} as envelope JSON. What came from Redis is not written
 * back, and what this relay wrote is not taken in again.
 *
 * <p>One instance per node is active (elected through a node-local shared map, like the router's
 * sequencer), so a Redis message enters a node once and a hub message leaves once whatever the
 * instance count; further instances are standbys that take over when the active one stops.
 *
 * <p>Redis going away is expected: the connections come back with backoff, outbound messages wait
 * in a bounded buffer meanwhile, and {@code GET /ready} reports Redis down until they are back.
 */
public final class RedisRelayVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().parsedBy(RedisRelaySettings::from);
  }


  /** The origin of topic messages that came from Redis. */
  static final String ORIGIN = "redis";

  /** Node-local, no body: the active relay instance stopped and a standby may take over. */
  static final String VACANT = "switchboard.redis.vacant";

  private static final Logger log = LoggerFactory.getLogger(RedisRelayVerticle.class);
  private static final String SHARED_MAP = "switchboard.pubsub";
  private static final String ACTIVE_KEY = "redis-relay";
  private static final String STANDBY = "redis-relay-standby:";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private RedisRelaySettings settings;
  private String instanceId;
  private boolean active;
  private boolean stopping;
  private MessageConsumer<Object> vacancy;

  // used only by the active instance
  private RedisLink publisher;
  private RedisLink subscriber;
  private RedisInbound inbound;
  private NodeRoster roster;
  private RedisOutbound outbound;
  private long heartbeatTimer = -1;

  @Override
  public Future<?> start() {
    try {
      settings = RedisRelaySettings.from(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e.getMessage());
    }
    TopicEvent.registerCodec(vertx);
    TopicPublication.registerCodec(vertx);
    instanceId = deploymentID() + "/" + System.identityHashCode(this);
    if (claim()) {
      return activate();
    }
    vacancy = vertx.eventBus().localConsumer(VACANT, m -> takeOver());
    activeMap().put(STANDBY + instanceId, deploymentID());
    return vacancy.completion();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (!active) {
      activeMap().remove(STANDBY + instanceId);
      return Future.succeededFuture();
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (roster != null) {
      roster.close();
    }
    outbound.discard();
    // Hand over only once the connections are closed, so no Redis message enters twice.
    return Future.join(publisher.close(), subscriber == null ? Future.succeededFuture() : subscriber.close())
        .onComplete(closed -> {
          LocalMap<String, String> map = activeMap();
          map.removeIfPresent(ACTIVE_KEY, instanceId);
          // Standbys of this deployment are stopping with it; only another deployment's may take over.
          boolean standby = map.entrySet().stream()
              .anyMatch(e -> e.getKey().startsWith(STANDBY) && !e.getValue().equals(deploymentID()));
          if (standby) {
            vertx.eventBus().publish(VACANT, null, LOCAL);
          }
        });
  }

  private boolean claim() {
    return activeMap().putIfAbsent(ACTIVE_KEY, instanceId) == null;
  }

  private LocalMap<String, String> activeMap() {
    return vertx.sharedData().getLocalMap(SHARED_MAP);
  }

  private void takeOver() {
    if (!stopping && !active && claim()) {
      activeMap().remove(STANDBY + instanceId);
      vacancy.unregister();
      log.info("redis relay standby taking over");
      activate().onFailure(e -> log.error("redis relay standby could not take over: {}", e.getMessage()));
    }
  }

  private Future<?> activate() {
    active = true;
    String nodeId = config().getJsonObject("node").getString("id");
    RedisRelayMetrics metrics = new RedisRelayMetrics(vertx);
    // What this hub wrote to Redis comes back through every node's subscription: every node of the
    // cluster must recognise it, so the mark names the cluster (or the node when standalone).
    String relayId = vertx.isClustered() ? "cluster:" + config().getJsonObject("cluster").getString("name") : nodeId;
    RedisMessages messages = new RedisMessages(settings, relayId, "/switchboard/" + nodeId + "/redis", "/switchboard/" + nodeId);
    RedisOptions options = new RedisOptions().setConnectionString(settings.uri()).setMaxPoolSize(1);
    options.getNetClientOptions().setConnectTimeout(RedisLink.ATTEMPT_TIMEOUT_MS);
    // Outside the prefix, and unique to this instance: the subscriber's proof of life.
    String heartbeatChannel = "switchboard-relay-heartbeat:" + nodeId + ":" + UUID.randomUUID();

    outbound = new RedisOutbound(vertx, settings, messages, metrics, heartbeatChannel, 2 * settings.heartbeatMs());
    publisher = new RedisLink(vertx, options, "publisher", settings, conn -> Future.succeededFuture(),
        conn -> outbound.drain(), metrics.publisherReconnects, metrics.publisherConnected);
    outbound.link(publisher);
    if (settings.inboundEnabled()) {
      roster = new NodeRoster(vertx, nodeId);
      inbound = new RedisInbound(vertx, settings, heartbeatChannel, messages, metrics, roster);
      subscriber = new RedisLink(vertx, options, "subscriber", settings, inbound::subscribe,
          conn -> inbound.connected(), metrics.subscriberReconnects, metrics.subscriberConnected);
      inbound.link(subscriber);
    }

    List<Future<?>> started = new ArrayList<>();
    started.add(vertx.eventBus().localConsumer(Addresses.ready(ORIGIN), this::ready).completion());
    if (settings.outboundEnabled()) {
      started.add(vertx.eventBus().<TopicEvent>localConsumer(Addresses.TOPICS_PUBLISHED, m -> outbound.accept(m.body()))
          .completion());
    }
    heartbeatTimer = vertx.setPeriodic(settings.heartbeatMs(), t -> {
      if (inbound != null) {
        inbound.checkAlive();
      }
      outbound.heartbeat(inbound != null ? inbound::heartbeatAcknowledged : sequence -> { });
    });
    started.add(publisher.start());
    if (subscriber != null) {
      started.add(subscriber.start());
    }
    return Future.all(started).onSuccess(v -> log.info("redis relay active: in {} (prefix '{}'), out {}",
        settings.inboundEnabled() ? settings.subscribePatterns() : "off", settings.channelPrefix(),
        settings.outboundEnabled() ? settings.outboundTopics() : "off"));
  }

  /** Readiness: up when every connection the relay needs is. */
  private void ready(Message<Object> message) {
    List<String> down = new ArrayList<>();
    if (!publisher.isUp()) {
      down.add(publisher.downReason());
    }
    if (subscriber != null && !subscriber.isUp()) {
      down.add(subscriber.downReason());
    }
    if (!down.isEmpty()) {
      message.fail(503, String.join("; ", down));
      return;
    }
    message.reply(new JsonObject().put("status", "UP")
        .put("subscribed", new JsonArray(settings.subscribePatterns()))
        .put("buffered", outbound.buffered()));
  }
}
