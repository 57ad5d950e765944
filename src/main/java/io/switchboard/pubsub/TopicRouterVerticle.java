package io.switchboard.pubsub;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.micrometer.core.instrument.Counter;
import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicDeliveries;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicName;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicPublication;
import io.switchboard.core.TopicPublications;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Accepts topic messages and gets each to every matching subscriber once, on every node.
 *
 * <p>A publish (node-local {@code switchboard.topics.publish}: a JSON request, which is validated and
 * completed here, or {@link TopicPublication}s, which the gateway and the Redis relay validated and
 * completed where they came in, several at once as {@link TopicPublications}) is published three
 * ways: cluster-wide on {@code switchboard.topic.{topic}} for exact listeners
 * (verticles, SockJS clients); cluster-wide to each node's sequencer, which orders it, keeps it in
 * the node's history and hands it to the local gateways on {@code switchboard.topics.deliver}; and
 * node-locally on {@code switchboard.topics.published} for what must happen once per message. A
 * publish with header {@code switchboard-scope: node} (the Redis relay's) stays on this node.
 *
 * <p>Every instance accepts publishes; exactly one instance per node is the sequencer, so all
 * connections of a node share one delivery order and one resume cursor space.
 */
public final class TopicRouterVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().object("topics.history")
        .integer("topics.history.max_count", 0, Integer.MAX_VALUE).integer("topics.history.max_age_ms", 0, Long.MAX_VALUE)
        .integer("topics.history.max_topics", 1, Integer.MAX_VALUE)
        .closed("topics.history");
  }


  /** Cluster-wide: each node's sequencer receives every accepted message once. */
  static final String FANOUT = "switchboard.topics.fanout";

  private static final String SHARED_MAP = "switchboard.pubsub";
  private static final String SEQUENCER_KEY = "sequencer";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final DeliveryOptions CLUSTER = new DeliveryOptions();

  private EventBus eventBus;
  private String source;
  private String instanceId;
  private Counter published;
  private Counter rejected;

  // sequencer state, used only by the elected instance
  private boolean sequencer;
  private String epoch;
  private long sequence;
  private TopicHistory history;
  /** What this turn of the event loop ordered, not yet handed to the gateways (null: nothing). */
  private List<TopicEvent> ordered;

  @Override
  public Future<?> start() {
    TopicEvent.registerCodec(vertx);
    TopicPublication.registerCodec(vertx);
    TopicDeliveries.registerCodec(vertx);
    TopicPublications.registerCodecs(vertx);
    Envelope.registerCodec(vertx);
    eventBus = vertx.eventBus();
    JsonObject conf = config();
    source = Envelope.nodeSource(conf);
    instanceId = deploymentID() + "/" + System.identityHashCode(this);
    published = Counter.builder("switchboard.topics.published").description("Topic messages accepted on this node")
        .register(Metrics.registry());
    rejected = Metrics.topicsRejected();

    List<Future<?>> registrations = new ArrayList<>();
    registrations.add(eventBus.localConsumer(Addresses.TOPICS_PUBLISH, this::publish).completion());
    registrations.add(eventBus.localConsumer(Addresses.ready("topics"),
        m -> m.reply(new JsonObject().put("status", "UP"))).completion());

    registrations.add(eventBus.<JsonObject>localConsumer(Addresses.TOPICS_ANNOUNCE, this::announce).completion());
    if (electSequencer()) {
      JsonObject historyConf = conf.getJsonObject("topics", new JsonObject()).getJsonObject("history", new JsonObject());
      history = new TopicHistory(historyConf.getInteger("max_count", 1000), historyConf.getLong("max_age_ms", 300_000L),
          historyConf.getInteger("max_topics", 10_000));
      epoch = Long.toString(System.currentTimeMillis(), 36);
      registrations.add(eventBus.<TopicEvent>consumer(FANOUT, m -> order(m.body())).completion());
      registrations.add(eventBus.<JsonObject>localConsumer(Addresses.TOPICS_HISTORY, this::replay).completion());
      registrations.add(eventBus.<JsonObject>consumer(Addresses.TOPICS_ERASE, this::erase).completion());
    }
    return Future.all(registrations);
  }

  @Override
  public Future<?> stop() {
    if (sequencer) {
      sharedMap().removeIfPresent(SEQUENCER_KEY, instanceId);
    }
    return Future.succeededFuture();
  }

  /**
   * {@code switchboard.messages.in{transport}}: accepted topic messages by where they came from.
   * The tag is the origin header, which only hub code sets; anything unexpected counts as "other"
   * so the number of series stays bounded.
   */
  private Counter messagesIn(String origin) {
    String transport = origin != null && IN_TRANSPORTS.contains(origin) ? origin : "other";
    return inCounters.computeIfAbsent(transport, t -> Counter.builder("switchboard.messages.in")
        .description("Topic messages accepted, by the transport or source they came from")
        .tag("transport", t).register(Metrics.registry()));
  }

  private static final java.util.Set<String> IN_TRANSPORTS =
      java.util.Set.of("http", "websocket", "sockjs", "tcp", "redis", "amqp", "store", "webhook", "eventbus");

  private final java.util.Map<String, Counter> inCounters = new java.util.HashMap<>();

  private boolean electSequencer() {
    sequencer = sharedMap().putIfAbsent(SEQUENCER_KEY, instanceId) == null;
    return sequencer;
  }

  private LocalMap<String, String> sharedMap() {
    return vertx.sharedData().getLocalMap(SHARED_MAP);
  }

  private void publish(Message<Object> message) {
    if (message.body() instanceof TopicPublications batch) {
      publishAll(message, batch.publications());
      return;
    }
    try {
      Publish how = new Publish(message);
      TopicEvent accepted;
      if (message.body() instanceof TopicPublication publication) {
        accepted = accept(publication.topic(), publication.event(), how);
        message.reply(accepted.id());
      } else if (message.body() instanceof JsonObject body) {
        String topic = TopicName.validate(body.getValue("topic") instanceof String s ? s : null);
        if (!(body.getValue("event") instanceof JsonObject event)) {
          throw Problem.invalid("invalid-event", "\"event\" must be a CloudEvent JSON object");
        }
        accepted = accept(topic, Envelope.of(event, source), how);
        message.reply(new JsonObject().put("id", accepted.id()).put("topic", accepted.topic()));
      } else {
        throw Problem.badRequest("malformed-request", "expected {\"topic\": name, \"event\": CloudEvent}");
      }
      if (how.orderHere) {
        order(accepted); // after the reply: a publisher that also subscribes gets its ack before the message
      }
    } catch (Problem problem) {
      rejected.increment();
      problem.failReply(message);
    }
  }

  /** Several publishes in one request, each checked where it came in: one reply with their ids in order. */
  private void publishAll(Message<Object> message, List<TopicPublication> publications) {
    Publish how = new Publish(message);
    List<String> ids = new ArrayList<>(publications.size());
    List<TopicEvent> toOrder = new ArrayList<>(publications.size());
    for (TopicPublication publication : publications) {
      TopicEvent accepted = accept(publication.topic(), publication.event(), how);
      ids.add(accepted.id());
      toOrder.add(accepted);
    }
    message.reply(new TopicPublications.Accepted(ids));
    if (how.orderHere) {
      toOrder.forEach(this::order); // after the reply, as for one publish
    }
  }

  /** What a publish request's headers say about its messages. */
  private final class Publish {
    final String origin;
    final Counter in;
    final DeliveryOptions scope;
    final boolean effects;
    /** This instance orders this node's messages and no other node needs these: no hop to itself. */
    final boolean orderHere;

    Publish(Message<?> message) {
      String from = message.headers().get(Addresses.ORIGIN_HEADER);
      origin = from == null ? "eventbus" : from;
      in = messagesIn(origin);
      boolean nodeScope = Addresses.SCOPE_NODE.equals(message.headers().get(Addresses.SCOPE_HEADER));
      scope = nodeScope ? LOCAL : CLUSTER;
      effects = !Addresses.EFFECTS_NONE.equals(message.headers().get(Addresses.EFFECTS_HEADER));
      orderHere = sequencer && (nodeScope || !vertx.isClustered());
    }
  }

  /** Publishes one validated message; the caller orders it (orderHere) after replying. */
  private TopicEvent accept(String topic, Envelope envelope, Publish how) {
    TopicEvent accepted = TopicEvent.of(topic, envelope, how.origin);
    if (!how.orderHere) {
      eventBus.publish(FANOUT, accepted, how.scope);
    }
    // The envelope's codec reads it into JSON for each consumer there is, and only then.
    eventBus.publish(Addresses.topic(topic), envelope, how.scope);
    if (how.effects) {
      eventBus.publish(Addresses.TOPICS_PUBLISHED, accepted, LOCAL);
    }
    published.increment();
    how.in.increment();
    return accepted;
  }

  /**
   * The store's announcement of the events of an append it committed: built by the store as
   * complete CloudEvents in the envelope's attribute order, so each is passed on as it is,
   * cluster-wide (issue 20: the checks and the reply of a publish per event were a tenth of the
   * hub's time per REST append).
   */
  private void announce(Message<JsonObject> message) {
    JsonObject body = message.body();
    String topic = body.getString("topic");
    JsonArray events = body.getJsonArray("events");
    Counter in = messagesIn("store");
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.getJsonObject(i);
      TopicEvent accepted = new TopicEvent(topic, event.getString("type"), event.getString("id"), event.encode(), "store", null);
      if (sequencer && !vertx.isClustered()) {
        order(accepted);   // this instance orders the node's messages and no other node needs them: no hop
      } else {
        eventBus.publish(FANOUT, accepted, CLUSTER);
      }
      eventBus.publish(Addresses.topic(topic), event, CLUSTER);
      eventBus.publish(Addresses.TOPICS_PUBLISHED, accepted, LOCAL);
    }
    published.increment(events.size());
    in.increment(events.size());
  }

  /**
   * Sequencer: one node-wide order, so every connection here can resume from one cursor. The
   * messages ordered in one turn of the event loop go to the gateways together, in that order, by a
   * task queued behind the work already waiting (issue 20: a publish per message to every gateway
   * cost a bus delivery and a task on each gateway's loop per message).
   */
  private void order(TopicEvent event) {
    long next = ++sequence;
    TopicEvent cursored = event.withCursor(epoch + "-" + next);
    history.add(next, System.currentTimeMillis(), cursored);
    if (ordered == null) {
      ordered = new ArrayList<>();
      context.runOnContext(v -> deliverOrdered());
    }
    ordered.add(cursored);
  }

  private void deliverOrdered() {
    List<TopicEvent> events = ordered;
    ordered = null;
    eventBus.publish(Addresses.TOPICS_DELIVER, new TopicDeliveries(events), LOCAL);
  }

  /** An erasure reaches every node's history (published); each tells the coordinator what it removed. */
  private void erase(Message<JsonObject> message) {
    JsonObject body = message.body();
    java.util.Set<String> ids = new java.util.HashSet<>();
    java.util.Set<String> streams = new java.util.HashSet<>();
    body.getJsonArray("event_ids", new JsonArray()).forEach(id -> ids.add(String.valueOf(id)));
    body.getJsonArray("streams", new JsonArray()).forEach(s -> streams.add(String.valueOf(s)));
    int removed = history.erase(ids, streams);
    if (body.getValue("reply_to") instanceof String replyTo) {
      eventBus.send(replyTo, new JsonObject().put("node", source.substring("/switchboard/".length())).put("removed", removed));
    }
  }

  private void replay(Message<JsonObject> message) {
    try {
      JsonObject body = message.body();
      List<TopicPattern> patterns = new ArrayList<>();
      for (Object p : body.getJsonArray("topics", new JsonArray())) {
        patterns.add(TopicPattern.parse(String.valueOf(p)));
      }
      String cursor = body.getString("after");
      long after = cursor != null && cursor.startsWith(epoch + "-") ? TopicEvent.sequenceOf(cursor) : -1;
      // A cursor from another node or an earlier run of this one: replay all we have, and say so.
      boolean foreign = after < 0;
      TopicHistory.Replay replay = history.after(Math.max(after, 0), patterns, System.currentTimeMillis(), sequence);
      JsonArray events = new JsonArray();
      replay.events().forEach(e -> events.add(e.toJson()));
      message.reply(new JsonObject()
          .put("gap", foreign || replay.gap())
          .put("last", sequence)
          .put("events", events));
    } catch (Problem problem) {
      problem.failReply(message);
    }
  }
}
