package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.webhook.WebhookAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Webhooks over HTTP ({@code /api/v1/webhooks}, admin only: see AccessPolicy), each route one
 * request on {@code switchboard.webhooks.*}.
 */
final class WebhookRoutes {

  private static final String BASE = "/api/v1/webhooks";

  private final Vertx vertx;

  WebhookRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.post(BASE).handler(ctx -> call(ctx, WebhookAddresses.CREATE, object(ctx), 201));
    router.get(BASE).handler(ctx -> call(ctx, WebhookAddresses.LIST, new JsonObject(), 200));
    router.get(BASE + "/:id").handler(ctx -> call(ctx, WebhookAddresses.GET, id(ctx), 200));
    router.patch(BASE + "/:id").handler(ctx -> call(ctx, WebhookAddresses.UPDATE, id(ctx).put("change", object(ctx)), 200));
    router.delete(BASE + "/:id").handler(ctx -> call(ctx, WebhookAddresses.DELETE, id(ctx), 204));
    router.post(BASE + "/:id/secret/rotate").handler(ctx -> {
      Object body = HttpInput.json(ctx, false);
      if (body != null && !(body instanceof JsonObject)) {
        throw Problem.badRequest("malformed-request", "the body, when given, is {\"secret\"?, \"grace_period_ms\"?}");
      }
      JsonObject request = body == null ? new JsonObject() : ((JsonObject) body).copy();
      call(ctx, WebhookAddresses.ROTATE, request.put("id", ctx.pathParam("id")), 200);
    });
    router.get(BASE + "/:id/deliveries").handler(ctx -> call(ctx, WebhookAddresses.DELIVERIES, id(ctx)
        .put("status", ctx.request().getParam("status"))
        .put("event_type", ctx.request().getParam("event_type"))
        .put("since", ctx.request().getParam("since"))
        .put("until", ctx.request().getParam("until"))
        .put("before", ctx.request().getParam("before"))
        .put("limit", ctx.request().getParam("limit")), 200));
    router.get(BASE + "/:id/deliveries/:delivery").handler(ctx -> call(ctx, WebhookAddresses.DELIVERY, delivery(ctx), 200));
    router.post(BASE + "/:id/deliveries/:delivery/retry").handler(ctx -> call(ctx, WebhookAddresses.RETRY, delivery(ctx), 202));
    router.post(BASE + "/:id/replay").handler(ctx -> call(ctx, WebhookAddresses.REPLAY, id(ctx)
        .put("since", ctx.request().getParam("since"))
        .put("status", ctx.request().getParam("status")), 202));
    router.post(BASE + "/:id/test").handler(ctx -> call(ctx, WebhookAddresses.TEST, id(ctx), 202));
  }

  private static JsonObject id(RoutingContext ctx) {
    return new JsonObject().put("id", ctx.pathParam("id"));
  }

  private static JsonObject delivery(RoutingContext ctx) {
    return id(ctx).put("delivery", ctx.pathParam("delivery"));
  }

  private void call(RoutingContext ctx, String address, Object request, int status) {
    vertx.eventBus().<JsonObject>request(address, request)
        .onSuccess(reply -> {
          if (status == 204) {
            ctx.response().setStatusCode(204).end();
            return;
          }
          if (status == 201 && reply.body().getValue("id") instanceof String id) {
            ctx.response().putHeader("Location", BASE + "/" + id);
          }
          ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(reply.body().toBuffer());
        })
        .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, address)));
  }

  private static JsonObject object(RoutingContext ctx) {
    if (!(HttpInput.json(ctx, true) instanceof JsonObject object)) {
      throw Problem.badRequest("malformed-request", "the body must be a JSON object such as "
          + "{\"url\": \"https://example.com/hook\", \"events\": [\"order.*\"]}");
    }
    return object;
  }
}
