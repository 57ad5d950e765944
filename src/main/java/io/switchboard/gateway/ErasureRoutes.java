package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /api/v1/erasure} (admin): erases events everywhere the hub copied them, each part by
 * the package that owns it, over the event bus: the store (events, snapshots, stream metadata,
 * deletion markers), then the webhook outbox (deliveries and attempts that carried those events,
 * dead-lettered ones included), every node's topic history, the dead letters in RabbitMQ and the
 * consumer groups' parked copies. Answers what went where, and
 * which nodes did not answer in time (run it again: erasing is idempotent).
 */
final class ErasureRoutes {

  private static final long STORE_TIMEOUT_MS = 120_000;
  private static final long NODES_WAIT_MS = 3_000;

  private final Vertx vertx;

  ErasureRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.post("/api/v1/erasure").handler(this::erase);
  }

  private void erase(RoutingContext ctx) {
    if (!(HttpInput.json(ctx, true) instanceof JsonObject body)) {
      throw Problem.invalid("invalid-erasure", "expected {\"streams\": [..]} and/or {\"metadata\": {\"subject\": \"…\"}}");
    }
    Security.authorize(ctx, Addresses.EVENTSTORE_ERASE, body);
    JsonObject answer = new JsonObject();
    vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_ERASE, body, new DeliveryOptions().setSendTimeout(STORE_TIMEOUT_MS))
        .recover(e -> Future.failedFuture(Problem.from(e, Addresses.EVENTSTORE_ERASE)))
        .compose(stored -> {
          JsonObject store = stored.body().copy();
          JsonArray ids = (JsonArray) store.remove("event_ids");
          answer.put("eventstore", store);
          JsonObject copies = new JsonObject().put("event_ids", ids)
              .put("streams", body.getJsonArray("streams", new JsonArray()));
          JsonObject letters = copies.copy();
          if (body.getValue("metadata") instanceof JsonObject metadata) {
            letters.put("metadata", metadata);
          }
          return Future.all(webhooks(copies), topicHistories(copies), deadLetters(letters), consumerGroups(copies)).map(all -> answer
              .put("webhooks", all.<JsonObject>resultAt(0)).put("topic_history", all.<JsonObject>resultAt(1))
              .put("dead_letters", all.<JsonObject>resultAt(2)).put("consumer_groups", all.<JsonObject>resultAt(3)));
        })
        .onSuccess(result -> ctx.response().putHeader("Content-Type", "application/json").end(result.toBuffer()))
        .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.EVENTSTORE_ERASE)));
  }

  /** The webhook outbox shares the hub's database: its verticle on this node erases for all. */
  private Future<JsonObject> webhooks(JsonObject copies) {
    return vertx.eventBus().<JsonObject>request(Addresses.WEBHOOKS_ERASE, copies, new DeliveryOptions().setSendTimeout(STORE_TIMEOUT_MS))
        .map(reply -> reply.body())
        .recover(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? Future.succeededFuture(new JsonObject().put("skipped", "webhooks do not run on this node"))
            : Future.failedFuture(Problem.from(e, Addresses.WEBHOOKS_ERASE)));
  }

  /**
   * The dead letters in RabbitMQ: one RabbitMQ bridge (any node; the queues are shared) drains each
   * dead-letter queue and keeps what does not match. Never fails the erasure: a bridge that is not
   * deployed or does not answer is said in the answer (run the erasure again later).
   */
  private Future<JsonObject> deadLetters(JsonObject copies) {
    return vertx.eventBus().<JsonObject>request(Addresses.QUEUE_ERASE, copies, new DeliveryOptions().setSendTimeout(STORE_TIMEOUT_MS))
        .map(reply -> reply.body())
        .otherwise(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new JsonObject().put("skipped", "the RabbitMQ bridge is not deployed")
            : new JsonObject().put("not_answering", "the RabbitMQ bridge: " + Problem.from(e, Addresses.QUEUE_ERASE).detail()));
  }

  /**
   * The consumer groups' parked copies: one groups verticle (any node; the groups' tables are shared)
   * has each group's coordinator remove them. Never fails the erasure (said in the answer instead).
   */
  private Future<JsonObject> consumerGroups(JsonObject copies) {
    return vertx.eventBus().<JsonObject>request(Addresses.GROUPS_ERASE, copies, new DeliveryOptions().setSendTimeout(STORE_TIMEOUT_MS))
        .map(reply -> reply.body())
        .otherwise(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new JsonObject().put("skipped", "consumer groups are not deployed")
            : new JsonObject().put("not_answering", "consumer groups: " + Problem.from(e, Addresses.GROUPS_ERASE).detail()));
  }

  /** Every node's topic history: published; each node answers; the live nodes are awaited (bounded). */
  private Future<JsonObject> topicHistories(JsonObject copies) {
    String replyTo = "switchboard.gateway.erasure." + UUID.randomUUID();
    JsonObject nodes = new JsonObject();
    Promise<JsonObject> done = Promise.promise();
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP)
        .compose(map -> map.keys())
        .otherwise(Set.of())
        .compose(expected -> {
          Set<String> waiting = new HashSet<>(expected);
          MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(replyTo, m -> {
            nodes.put(m.body().getString("node"), m.body().getInteger("removed"));
            waiting.remove(m.body().getString("node"));
            if (waiting.isEmpty()) {
              done.tryComplete(nodes);
            }
          });
          long timer = vertx.setTimer(NODES_WAIT_MS, t -> done.tryComplete(nodes));
          return consumer.completion()
              .compose(v -> {
                vertx.eventBus().publish(Addresses.TOPICS_ERASE, copies.copy().put("reply_to", replyTo));
                return done.future();
              })
              .eventually(() -> {
                vertx.cancelTimer(timer);
                return consumer.unregister();
              })
              .map(answered -> {
                JsonArray notReached = new JsonArray();
                waiting.forEach(notReached::add);
                return new JsonObject().put("nodes", answered).put("not_reached", notReached);
              });
        });
  }
}
