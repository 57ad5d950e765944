package io.switchboard.queue;

import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import com.rabbitmq.client.ConnectionFactory;
import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RabbitMQ bridge: hub queues (topology from conf, confirmed publishes, consumers with retries
 * and dead letters, delay, RPC), hub topics out to the AMQP topic exchange and AMQP queues into hub
 * topics. Each instance has two connections, one to publish and one to consume, so a broker that
 * throttles publishers never holds up the acks that would relieve it.
 */
public final class QueueBridgeVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().parsedBy(BridgeSettings::from);
  }


  private static final Logger log = LoggerFactory.getLogger(QueueBridgeVerticle.class);

  private BridgeSettings settings;
  private String source;
  private RabbitLink publishLink;
  private RabbitLink consumeLink;
  private ConfirmPublisher publisher;
  private DeadLetters deadLetters;
  private TopicForwarder forwarder;
  private final Map<String, QueueMeters> meters = new HashMap<>();
  private volatile Boolean delayPlugin;
  private boolean stopping;
  private DedupeWindow dedupe;

  @Override
  public Future<?> start() {
    try {
      settings = BridgeSettings.from(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e.getMessage());
    }
    source = "/switchboard/" + settings.nodeId();
    dedupe = new DedupeWindow(vertx, settings.dedupeWindowMs(), settings.dedupeMaxIds());
    settings.queues().keySet().forEach(name -> meters.put(name, new QueueMeters(name)));
    ConnectionFactory probeFactory = RabbitLink.factory(settings, "probe");

    publishLink = new RabbitLink(vertx, "publish", settings, connection -> {
      boolean plugin = detectDelayPlugin(probeFactory);
      Map<String, String> broken = Topology.declare(connection, settings, plugin);
      publisher.open(connection, plugin, broken);
    });
    publisher = new ConfirmPublisher(vertx, publishLink, settings);
    deadLetters = new DeadLetters(vertx, publishLink, settings.confirmTimeoutMs());

    List<QueueConsumer> consumers = new ArrayList<>();
    if (settings.queues().values().stream().anyMatch(QueueSpec::consumed)) {
      consumeLink = new RabbitLink(vertx, "consume", settings, connection -> {
        Map<String, String> broken = Topology.declare(connection, settings, Boolean.TRUE.equals(delayPlugin));
        for (QueueConsumer consumer : consumers) {
          if (!broken.containsKey(consumer.queue())) {
            consumer.open(connection);
          }
        }
      });
      for (QueueSpec spec : settings.queues().values()) {
        if (spec.consumed()) {
          consumers.add(new QueueConsumer(vertx, spec, consumeLink, publisher, meters.get(spec.name()), source,
              () -> Boolean.TRUE.equals(delayPlugin)));
        }
      }
    }
    forwarder = new TopicForwarder(vertx, publisher, settings, deploymentID() + "/" + System.identityHashCode(this));

    EventBus eb = vertx.eventBus();
    List<Future<?>> ready = new ArrayList<>();
    ready.add(eb.<JsonObject>localConsumer(Addresses.QUEUE_PUBLISH, this::publish).completion());
    ready.add(eb.<JsonObject>localConsumer(Addresses.QUEUE_LIST, m -> deadLetters.inspectAll(settings.queues().values())
        .onSuccess(m::reply)
        .onFailure(e -> Problem.from(e, Addresses.QUEUE_LIST).failReply(m))).completion());
    ready.add(eb.<JsonObject>localConsumer(Addresses.QUEUE_INSPECT,
        m -> answer(m, spec -> deadLetters.inspect(spec))).completion());
    ready.add(eb.<JsonObject>localConsumer(Addresses.QUEUE_REQUEUE,
        m -> answer(m, spec -> deadLetters.requeue(spec))).completion());
    // Not node-local: the dead-letter queues are shared, any node's bridge can erase from them.
    ready.add(eb.<JsonObject>consumer(Addresses.QUEUE_ERASE, this::erase).completion());
    ready.add(eb.localConsumer(Addresses.ready("rabbitmq"), this::readiness).completion());
    ready.add(forwarder.start());
    // The publish link first: it declares the topology the consumers then find in place.
    Future<?> published = Future.all(ready).compose(v -> publishLink.start());
    if (consumeLink == null) {
      return published;
    }
    if (!config().getBoolean(Addresses.AWAIT_HUB_STARTED, false)) {
      return published.compose(v -> consumeLink.start());
    }
    // Launched with the rest of the node: consume only once the gateway and the bridges listen, so
    // a delivery due at start does not find its handler (a TCP or SockJS client) not yet connected.
    MessageConsumer<JsonObject> started = eb.localConsumer(Addresses.HUB_STARTED);
    started.handler(m -> {
      started.unregister();
      if (!stopping) {
        consumeLink.start();
      }
    });
    return published.compose(v -> started.completion());
  }

  private synchronized boolean detectDelayPlugin(ConnectionFactory probeFactory) {
    boolean plugin = Topology.detectDelayPlugin(probeFactory);
    if (delayPlugin == null || delayPlugin != plugin) {
      log.info(plugin
          ? "delayed delivery: the broker's rabbitmq_delayed_message_exchange plugin (exchange {})"
          : "delayed delivery: per-delay TTL queues that dead-letter back ({queue}.delay.{ms}); the broker has no delayed-message plugin",
          Delays.PLUGIN_EXCHANGE);
    }
    delayPlugin = plugin;
    return plugin;
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (forwarder != null) {
      forwarder.stop();
    }
    if (publisher != null) {
      publisher.close();
    }
    List<Future<?>> closing = new ArrayList<>();
    if (consumeLink != null) {
      closing.add(consumeLink.stop());
    }
    if (publishLink != null) {
      closing.add(publishLink.stop());
    }
    return Future.join(closing);
  }

  private void publish(Message<JsonObject> message) {
    try {
      JsonObject body = message.body();
      if (body == null) {
        throw Problem.badRequest("malformed-request", "expected {\"queue\": name, \"event\": CloudEvent}");
      }
      QueueSpec spec = settings.queue(body.getValue("queue") instanceof String s ? s : null);
      String broken = publisher.brokenReason(spec.name());
      if (broken != null) {
        throw Problem.unavailable(broken);
      }
      if (!(body.getValue("event") instanceof JsonObject event)) {
        throw Problem.invalid("invalid-event", "\"event\" must be a CloudEvent JSON object");
      }
      // Only an id the publisher chose can come again; a generated one is new by construction.
      boolean givenId = event.getValue("id") instanceof String given && !given.isEmpty() && dedupe.enabled();
      Envelope envelope = Envelope.of(event, source);
      PublishOptions options = PublishOptions.from(body, spec, settings.maxDelayMs());
      ConfirmPublisher.Outgoing outgoing = new ConfirmPublisher.Outgoing("", spec.name(), true,
          AmqpMessages.properties(envelope, options.replyTo(), options.priority(), options.ttlMs(), options.headers()),
          AmqpMessages.body(envelope), spec.name(), options.delayMs(), meters.get(spec.name()));
      JsonObject accepted = new JsonObject().put("id", envelope.id()).put("queue", spec.name());
      Future<Boolean> repeated = givenId ? dedupe.seen(spec.name(), envelope.id()) : Future.succeededFuture(false);
      repeated.compose(seen -> {
        if (seen) {
          return Future.succeededFuture(accepted.copy().put("repeated", true));
        }
        return publisher.publish(outgoing).map(v -> {
          if (givenId) {
            dedupe.confirmed(spec.name(), envelope.id());
          }
          return accepted;
        });
      }).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          Problem.from(ar.cause(), Addresses.QUEUE_PUBLISH).failReply(message);
        }
      });
    } catch (Problem problem) {
      problem.failReply(message);
    }
  }

  private interface QueueWork {
    Future<JsonObject> run(QueueSpec spec);
  }

  private void answer(Message<JsonObject> message, QueueWork work) {
    try {
      JsonObject body = message.body() == null ? new JsonObject() : message.body();
      QueueSpec spec = settings.queue(body.getValue("queue") instanceof String s ? s : null);
      work.run(spec).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          Problem.from(ar.cause(), message.address()).failReply(message);
        }
      });
    } catch (Problem problem) {
      problem.failReply(message);
    }
  }

  private void erase(Message<JsonObject> message) {
    ErasedMessages erased = new ErasedMessages(message.body() == null ? new JsonObject() : message.body());
    if (erased.isEmpty()) {
      message.reply(new JsonObject().put("queues", new JsonObject()));
      return;
    }
    deadLetters.erase(settings.queues().values(), erased).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        Problem.from(ar.cause(), Addresses.QUEUE_ERASE).failReply(message);
      }
    });
  }

  private void readiness(Message<Object> message) {
    if (!publishLink.isUp()) {
      message.fail(503, publishLink.downReason());
    } else if (consumeLink != null && !consumeLink.isUp()) {
      message.fail(503, consumeLink.downReason());
    } else {
      message.reply(new JsonObject().put("status", "UP"));
    }
  }
}
