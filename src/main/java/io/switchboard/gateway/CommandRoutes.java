package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Any registered command or query by name (admin): {@code POST /api/v1/commands/{name}} and
 * {@code POST /api/v1/queries/{name}} with the command or query as the body, for domains that have
 * no routes of their own. A name nothing handles is a 404 naming it.
 */
final class CommandRoutes {

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");

  private final CqrsHttp http;

  CommandRoutes(Vertx vertx) {
    this.http = new CqrsHttp(vertx);
  }

  void mount(Router router) {
    router.post("/api/v1/commands/:name").handler(ctx -> send(ctx, "command"));
    router.post("/api/v1/queries/:name").handler(ctx -> send(ctx, "query"));
  }

  private void send(RoutingContext ctx, String kind) {
    String name = ctx.pathParam("name");
    if (!NAME.matcher(name).matches()) {
      throw Problem.badRequest("invalid-" + kind + "-name", "a " + kind + " name is a letter then up to 99 letters, digits or '_'");
    }
    String address = kind.equals("command") ? Addresses.command(name) : Addresses.query(name);
    http.request(ctx, address, CqrsHttp.object(ctx), 200, a -> new Problem(404, "unknown-" + kind, "Not found",
        "no handler is registered for " + kind + " '" + name + "' (" + a + ")"));
  }
}
