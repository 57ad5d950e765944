package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The Order example over HTTP: commands to {@code switchboard.command.CreateOrder} / {@code ShipOrder},
 * queries to {@code switchboard.query.GetOrderById} / {@code GetOrdersByCustomer}. A command's
 * answer carries {@code position}; a query's {@code ?min_position=} waits for the read model to
 * have it (read your writes).
 */
final class OrderRoutes {

  private final CqrsHttp http;

  OrderRoutes(Vertx vertx) {
    this.http = new CqrsHttp(vertx);
  }

  void mount(Router router) {
    router.post("/api/v1/orders").handler(this::create);
    router.post("/api/v1/orders/:id/ship").handler(this::ship);
    router.get("/api/v1/orders/:id").handler(this::byId);
    router.get("/api/v1/orders").handler(this::byCustomer);
  }

  private void create(RoutingContext ctx) {
    http.request(ctx, Addresses.command("CreateOrder"), CqrsHttp.object(ctx), 201, null,
        created -> "/api/v1/orders/" + created.getString("order_id"));
  }

  private void ship(RoutingContext ctx) {
    JsonObject command = CqrsHttp.optionalObject(ctx).copy().put("order_id", ctx.pathParam("id"));
    http.request(ctx, Addresses.command("ShipOrder"), command, 200, null);
  }

  private void byId(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("order_id", ctx.pathParam("id"));
    putIfPresent(query, "min_position", HttpInput.integer(ctx, "min_position"));
    http.request(ctx, Addresses.query("GetOrderById"), query, 200, null);
  }

  private void byCustomer(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("customer_id", ctx.request().getParam("customer_id"));
    putIfPresent(query, "status", ctx.request().getParam("status"));
    putIfPresent(query, "limit", HttpInput.integer(ctx, "limit"));
    putIfPresent(query, "min_position", HttpInput.integer(ctx, "min_position"));
    http.request(ctx, Addresses.query("GetOrdersByCustomer"), query, 200, null);
  }

  private static void putIfPresent(JsonObject json, String field, Object value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
