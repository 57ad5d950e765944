package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Projections over HTTP (admin): their status and lag, and rebuild / retry / skip, each a request
 * to the projector ({@code switchboard.projections.list} / {@code .admin}).
 */
final class ProjectionRoutes {

  private static final String BASE = "/api/v1/projections";

  private final CqrsHttp http;

  ProjectionRoutes(Vertx vertx) {
    this.http = new CqrsHttp(vertx);
  }

  void mount(Router router) {
    router.get(BASE).handler(ctx -> http.request(ctx, Addresses.PROJECTIONS_LIST, new JsonObject(), 200, null));
    router.post(BASE + "/:name/rebuild").handler(ctx -> admin(ctx, "rebuild", 202));
    router.post(BASE + "/:name/retry").handler(ctx -> admin(ctx, "retry", 200));
    router.post(BASE + "/:name/skip").handler(ctx -> admin(ctx, "skip", 200));
  }

  private void admin(RoutingContext ctx, String action, int status) {
    JsonObject request = new JsonObject().put("name", ctx.pathParam("name")).put("action", action);
    if (action.equals("skip")) {
      // The event the admin means to skip, so a different failure is not skipped by mistake.
      Long position = HttpInput.integer(ctx, "position");
      Object fromBody = CqrsHttp.optionalObject(ctx).getValue("position");
      request.put("position", position != null ? position : fromBody);
    }
    http.request(ctx, Addresses.PROJECTIONS_ADMIN, request, status, null);
  }
}
