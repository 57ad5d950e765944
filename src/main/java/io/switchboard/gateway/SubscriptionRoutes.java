package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Consumer groups over HTTP: administration (admin scope) and pull consumption (read rights on the
 * group's source): {@code POST …/fetch?max=&wait_ms=&consumer=} then {@code …/ack} / {@code …/nack}.
 */
final class SubscriptionRoutes {

  private static final String BASE = "/api/v1/subscriptions";

  private final Vertx vertx;
  private final CqrsHttp http;
  private final GroupClient groups;

  SubscriptionRoutes(Vertx vertx) {
    this.vertx = vertx;
    this.http = new CqrsHttp(vertx);
    this.groups = new GroupClient(vertx);
  }

  void mount(Router router) {
    router.get(BASE).handler(ctx -> admin(ctx, new JsonObject().put("action", "list"), 200));
    router.put(BASE + "/:group").handler(ctx -> {
      JsonObject request = new JsonObject().put("action", "put").put("group", ctx.pathParam("group"))
          .put("spec", HttpInput.json(ctx, true));
      Security.authorize(ctx, Addresses.GROUPS_ADMIN, request);
      vertx.eventBus().<JsonObject>request(Addresses.GROUPS_ADMIN, request)
          .onSuccess(reply -> {
            JsonObject body = reply.body();
            boolean created = Boolean.TRUE.equals(body.remove("created"));
            if (created) {
              ctx.response().putHeader("Location", BASE + "/" + ctx.pathParam("group"));
            }
            ctx.response().setStatusCode(created ? 201 : 200).putHeader("Content-Type", "application/json").end(body.toBuffer());
          })
          .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.GROUPS_ADMIN)));
    });
    router.get(BASE + "/:group").handler(ctx -> admin(ctx, named(ctx, "get"), 200));
    router.delete(BASE + "/:group").handler(ctx -> {
      JsonObject request = named(ctx, "delete");
      Security.authorize(ctx, Addresses.GROUPS_ADMIN, request);
      vertx.eventBus().<JsonObject>request(Addresses.GROUPS_ADMIN, request)
          .onSuccess(reply -> ctx.response().setStatusCode(204).end())
          .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.GROUPS_ADMIN)));
    });
    router.get(BASE + "/:group/parked").handler(ctx -> {
      Long limit = HttpInput.integer(ctx, "limit");
      if (limit != null && (limit < 1 || limit > 1000)) {
        throw Problem.badRequest("limit-exceeded", "limit is 1 to 1000, not " + limit);
      }
      admin(ctx, named(ctx, "parked").put("limit", limit == null ? null : limit.intValue()), 200);
    });
    router.post(BASE + "/:group/parked/replay").handler(ctx -> admin(ctx, withIds(ctx, named(ctx, "replay")), 200));
    router.post(BASE + "/:group/parked/drop").handler(ctx -> admin(ctx, withIds(ctx, named(ctx, "drop")), 200));
    router.post(BASE + "/:group/fetch").handler(this::fetch);
    router.post(BASE + "/:group/ack").handler(ctx -> settle(ctx, false));
    router.post(BASE + "/:group/nack").handler(ctx -> settle(ctx, true));
  }

  private static JsonObject named(RoutingContext ctx, String action) {
    return new JsonObject().put("action", action).put("group", ctx.pathParam("group"));
  }

  private static JsonObject withIds(RoutingContext ctx, JsonObject request) {
    Object ids = CqrsHttp.optionalObject(ctx).getValue("ids");
    if (ids != null && !(ids instanceof JsonArray)) {
      throw Problem.badRequest("invalid-ids", "\"ids\": a list of parked event ids (none: all)");
    }
    return request.put("ids", ids);
  }

  private void admin(RoutingContext ctx, JsonObject request, int status) {
    http.request(ctx, Addresses.GROUPS_ADMIN, request, status, address -> Problem.unavailable(
        "consumer groups are not running on this node (the groups verticle needs the event store's database)"));
  }

  /** The consumer: {@code ?consumer=} or the body's {@code consumer}, else {@code default}. */
  private static String consumer(RoutingContext ctx, JsonObject body) {
    String name = ctx.request().getParam("consumer");
    if (name == null && body != null && body.getValue("consumer") instanceof String s) {
      name = s;
    }
    return GroupClient.consumerId("http", Security.principal(ctx), name == null ? "default" : name);
  }

  private void fetch(RoutingContext ctx) {
    String group = ctx.pathParam("group");
    Principal principal = Security.principal(ctx);
    JsonObject body = CqrsHttp.optionalObject(ctx);
    Long max = HttpInput.integer(ctx, "max");
    Long waitMs = HttpInput.integer(ctx, "wait_ms");
    JsonObject request = new JsonObject().put("action", "fetch").put("consumer", consumer(ctx, body)).put("transport", "http")
        .put("max", max != null ? max : body.getValue("max")).put("wait_ms", waitMs != null ? waitMs : body.getValue("wait_ms"));
    long wait = request.getValue("wait_ms") instanceof Number n ? Math.max(0, n.longValue()) : 0;
    groups.authorize(principal, group)
        .compose(spec -> groups.call(group, request, wait))
        .onSuccess(reply -> json(ctx, 200, reply))
        .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.groupCoordinator(group))));
  }

  private void settle(RoutingContext ctx, boolean nack) {
    String group = ctx.pathParam("group");
    Principal principal = Security.principal(ctx);
    JsonObject body = CqrsHttp.object(ctx);
    JsonObject request = new JsonObject().put("action", nack ? "nack" : "ack").put("consumer", consumer(ctx, body))
        .put("transport", "http").put("ids", body.getValue("ids"));
    if (nack) {
      request.put("nack_action", body.getValue("action", "retry")).put("reason", body.getValue("reason"));
    }
    groups.authorize(principal, group)
        .compose(spec -> groups.call(group, request, 0))
        .onSuccess(reply -> json(ctx, 200, reply))
        .onFailure(e -> HttpProblems.send(ctx, Problem.from(e, Addresses.groupCoordinator(group))));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
