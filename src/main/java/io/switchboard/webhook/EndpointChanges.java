package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint changes reach every outbox instance of the cluster before the API answers: an endpoint
 * created on one node must match a topic message published on another right after the 201, and a
 * topic message missed by a node that had not yet read the endpoint would be lost (topic messages
 * are not followed later, as store events are). Each instance lists itself in a cluster-wide map;
 * a change is published with the id of the change and the instance's ack address, and the caller
 * waits until every listed instance has read the endpoints again, at most {@link #WAIT_MS} (a killed node's entry lingers until its TTL).
 */
final class EndpointChanges {

  private static final Logger log = LoggerFactory.getLogger(EndpointChanges.class);
  private static final String INSTANCES_MAP = "switchboard.webhooks.outbox-instances";
  private static final long TTL_MS = 15_000;
  private static final long WAIT_MS = 2_000;

  private final Vertx vertx;
  private final String instance;
  private long timer = -1;
  /** Changes this instance published and still waits for, by change id. */
  private final Map<String, Waiting> pending = new HashMap<>();

  /** The instances yet to confirm a change, and the answer that waits for them. */
  private record Waiting(Set<String> instances, Promise<Void> confirmed) {}

  EndpointChanges(Vertx vertx, String instance) {
    this.vertx = vertx;
    this.instance = instance;
  }

  /** Lists this instance (refreshed before its TTL runs out) and answers changes once {@code reread} is done. */
  Future<Void> start(Supplier<Future<Void>> reread) {
    timer = vertx.setPeriodic(TTL_MS / 3, t -> list());
    MessageConsumer<JsonObject> changes = vertx.eventBus().consumer(WebhookAddresses.CHANGED, m -> {
      String replyTo = m.body() == null ? null : m.body().getString("reply_to");
      String change = m.body() == null ? null : m.body().getString("change");
      reread.get().onSuccess(v -> {
        if (replyTo != null) {
          vertx.eventBus().send(replyTo, new JsonObject().put("change", change).put("instance", instance));
        }
      });
    });
    // Acks come to an address this instance registered at start, known cluster-wide long before a
    // change: one registered per change might not have reached every node when they answer.
    MessageConsumer<JsonObject> acks = vertx.eventBus().consumer(ackAddress(), m -> {
      Waiting waiting = pending.get(m.body().getString("change"));
      if (waiting != null && waiting.instances().remove(m.body().getString("instance")) && waiting.instances().isEmpty()) {
        waiting.confirmed().tryComplete();
      }
    });
    return Future.all(changes.completion(), acks.completion()).compose(v -> list().otherwiseEmpty());
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return map().compose(m -> m.remove(instance)).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Publishes the change; completes when every listed instance (this one included) has read it, or after the bound. */
  Future<Void> publish(Endpoint e) {
    String change = UUID.randomUUID().toString();
    return map().compose(AsyncMap::keys).otherwise(Set.of()).compose(listed -> {
      Set<String> waiting = new HashSet<>(listed);
      waiting.add(instance);
      Promise<Void> confirmed = Promise.promise();
      pending.put(change, new Waiting(waiting, confirmed));
      long bound = vertx.setTimer(WAIT_MS, t -> {
        log.warn("webhook endpoint {} changed; {} outbox instance(s) did not confirm within {} ms: {}", e.id(),
            waiting.size(), WAIT_MS, waiting);
        confirmed.tryComplete();
      });
      vertx.eventBus().publish(WebhookAddresses.CHANGED, new JsonObject().put("id", e.id()).put("partition", e.partition())
          .put("change", change).put("reply_to", ackAddress()));
      return confirmed.future().onComplete(v -> {
        vertx.cancelTimer(bound);
        pending.remove(change);
      });
    });
  }

  private String ackAddress() {
    return WebhookAddresses.CHANGED + ".ack." + instance;
  }

  private Future<Void> list() {
    return map().compose(m -> m.put(instance, System.currentTimeMillis(), TTL_MS))
        .onFailure(e -> log.debug("webhook outbox instance not listed: {}", e.toString()));
  }

  private Future<AsyncMap<String, Long>> map() {
    return vertx.sharedData().getAsyncMap(INSTANCES_MAP);
  }
}
