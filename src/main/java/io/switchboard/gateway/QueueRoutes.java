package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Hub queues over REST: publish (202 only once RabbitMQ confirmed), the queues' numbers, and moving
 * dead letters back. Translates HTTP to requests on the RabbitMQ bridge and back, nothing more.
 */
final class QueueRoutes {

  /** Per-message options, read from the query string or else from a header of the same name. */
  private static final String[] OPTIONS = {"priority", "delay_ms", "ttl_ms", "reply_to"};

  private final Vertx vertx;

  QueueRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.get("/api/v1/queues").handler(ctx -> send(ctx, Addresses.QUEUE_LIST, new JsonObject(), 200));
    router.post("/api/v1/queues/:queue/messages").handler(this::publish);
    router.get("/api/v1/queues/:queue").handler(ctx -> ask(ctx, Addresses.QUEUE_INSPECT));
    router.post("/api/v1/queues/:queue/dead-letters/requeue").handler(ctx -> ask(ctx, Addresses.QUEUE_REQUEUE));
  }

  private void publish(RoutingContext ctx) {
    // The bridge validates and completes the event, as the topic router does for topics.
    JsonObject request = new JsonObject()
        .put("queue", ctx.pathParam("queue"))
        .put("event", Envelope.candidateFromHttp(ctx.body().buffer(), ctx.request().headers()));
    for (String option : OPTIONS) {
      String value = ctx.request().getParam(option);
      if (value == null) {
        value = ctx.request().getHeader(option);
      }
      if (value != null) {
        request.put(option, value);
      }
    }
    send(ctx, Addresses.QUEUE_PUBLISH, request, 202);
  }

  private void ask(RoutingContext ctx, String address) {
    send(ctx, address, new JsonObject().put("queue", ctx.pathParam("queue")), 200);
  }

  private void send(RoutingContext ctx, String address, JsonObject request, int status) {
    Security.authorize(ctx, address, request);
    vertx.eventBus().<JsonObject>request(address, request)
        .onSuccess(reply -> ctx.response().setStatusCode(status)
            .putHeader("Content-Type", "application/json")
            .end(reply.body().encode()))
        .onFailure(e -> HttpProblems.send(ctx, e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? Problem.unavailable("queues need RabbitMQ, and the RabbitMQ bridge is not running on this node:"
                + " set rabbitmq.uri (or SWITCHBOARD_RABBITMQ_URI)")
            : timedOutPublish(e, address) ? Problem.from(e, address).outcomeUnknown("It may have been stored: publish "
                + "again with the same id (a message confirmed within rabbitmq.dedupe_window_ms is answered 202 with "
                + "\"repeated\": true and not sent again)")
            : Problem.from(e, address)));
  }

  private static boolean timedOutPublish(Throwable e, String address) {
    return address.equals(Addresses.QUEUE_PUBLISH) && e instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT;
  }
}
