package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashSet;
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
 * a change is published with a reply address, and the caller waits until every listed instance has
 * read the endpoints again, at most {@link #WAIT_MS} (a killed node's entry lingers until its TTL).
 */
final class EndpointChanges {

  private static final Logger log = LoggerFactory.getLogger(EndpointChanges.class);
  private static final String INSTANCES_MAP = "switchboard.webhooks.outbox-instances";
  private static final long TTL_MS = 15_000;
  private static final long WAIT_MS = 2_000;

  private final Vertx vertx;
  private final String instance;
  private long timer = -1;

  EndpointChanges(Vertx vertx, String instance) {
    this.vertx = vertx;
    this.instance = instance;
  }

  /** Lists this instance (refreshed before its TTL runs out) and answers changes once {@code reread} is done. */
  Future<Void> start(Supplier<Future<Void>> reread) {
    timer = vertx.setPeriodic(TTL_MS / 3, t -> list());
    MessageConsumer<JsonObject> changes = vertx.eventBus().consumer(WebhookAddresses.CHANGED, m -> {
      String replyTo = m.body() == null ? null : m.body().getString("reply_to");
      reread.get().onSuccess(v -> {
        if (replyTo != null) {
          vertx.eventBus().send(replyTo, instance);
        }
      });
    });
    return changes.completion().compose(v -> list().otherwiseEmpty());
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return map().compose(m -> m.remove(instance)).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Publishes the change; completes when every listed instance (this one included) has read it, or after the bound. */
  Future<Void> publish(Endpoint e) {
    String replyTo = "switchboard.webhooks.changed." + UUID.randomUUID();
    Promise<Void> done = Promise.promise();
    return map().compose(AsyncMap::keys).otherwise(Set.of()).compose(listed -> {
      Set<String> waiting = new HashSet<>(listed);
      waiting.add(instance);
      MessageConsumer<String> acks = vertx.eventBus().consumer(replyTo, m -> {
        if (waiting.remove(m.body()) && waiting.isEmpty()) {
          done.tryComplete();
        }
      });
      long bound = vertx.setTimer(WAIT_MS, t -> {
        log.warn("webhook endpoint {} changed; {} outbox instance(s) did not confirm within {} ms: {}", e.id(),
            waiting.size(), WAIT_MS, waiting);
        done.tryComplete();
      });
      return acks.completion()
          .compose(v -> {
            vertx.eventBus().publish(WebhookAddresses.CHANGED,
                new JsonObject().put("id", e.id()).put("partition", e.partition()).put("reply_to", replyTo));
            return done.future();
          })
          .eventually(() -> {
            vertx.cancelTimer(bound);
            return acks.unregister();
          });
    });
  }

  private Future<Void> list() {
    return map().compose(m -> m.put(instance, System.currentTimeMillis(), TTL_MS))
        .onFailure(e -> log.debug("webhook outbox instance not listed: {}", e.toString()));
  }

  private Future<AsyncMap<String, Long>> map() {
    return vertx.sharedData().getAsyncMap(INSTANCES_MAP);
  }
}
