package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.ArrayList;
import java.util.List;

/** {@code /health}, {@code /ready}, {@code /metrics} and the OpenAPI description. */
final class OperationsRoutes {

  private static final long READY_TIMEOUT_MS = 2000;

  private final Vertx vertx;
  private final String nodeId;
  private final List<String> checks = new ArrayList<>();
  private final Buffer openApi;

  OperationsRoutes(Vertx vertx, JsonObject conf, Buffer openApi) {
    this.vertx = vertx;
    this.nodeId = conf.getJsonObject("node").getString("id");
    this.openApi = openApi;
    checks.add("topics");
    conf.getJsonArray("ready_checks", new io.vertx.core.json.JsonArray()).forEach(c -> checks.add(String.valueOf(c)));
  }

  void mount(Router router) {
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP").put("node", nodeId)));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(BackendRegistries.getDefaultNow() != null
        ? PrometheusScrapingHandler.create()
        : ctx -> HttpProblems.send(ctx, Problem.unavailable("metrics are disabled on this node")));
    router.get("/api/v1/cluster").handler(this::nodes);
    router.get("/api/v1/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml").end(openApi));
  }

  /** Asks each backend's verticle on this node whether it can reach its service. */
  private void ready(RoutingContext ctx) {
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String check : checks) {
      String address = Addresses.ready(check);
      answers.add(vertx.eventBus().<JsonObject>request(address, null, new DeliveryOptions().setSendTimeout(READY_TIMEOUT_MS))
          .map(reply -> reply.body() == null ? new JsonObject().put("status", "UP") : reply.body())
          .otherwise(e -> new JsonObject().put("status", "DOWN").put("detail", downReason(e))));
    }
    Future.join(answers).onComplete(all -> {
      JsonObject results = new JsonObject();
      List<String> down = new ArrayList<>();
      for (int i = 0; i < checks.size(); i++) {
        JsonObject result = answers.get(i).result();
        results.put(checks.get(i), result);
        if (!"UP".equals(result.getString("status"))) {
          down.add(checks.get(i) + ": " + result.getString("detail", "down"));
        }
      }
      if (down.isEmpty()) {
        json(ctx, 200, new JsonObject().put("ready", true).put("node", nodeId).put("checks", results));
      } else {
        HttpProblems.send(ctx, new Problem(503, "not-ready", "Not ready", String.join("; ", down),
            new JsonObject().put("ready", false).put("node", nodeId).put("checks", results)));
      }
    });
  }

  /** The live nodes (one when not clustered), from the shared node list. */
  private void nodes(RoutingContext ctx) {
    vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP)
        .compose(io.vertx.core.shareddata.AsyncMap::values)
        .onSuccess(nodes -> json(ctx, 200, new JsonObject().put("node", nodeId).put("nodes", new io.vertx.core.json.JsonArray(
            nodes.stream().sorted(java.util.Comparator.comparing(n -> n.getString("id"))).toList()))))
        .onFailure(e -> HttpProblems.send(ctx, Problem.unavailable("the node list is unavailable: " + e.getMessage())));
  }

  private static String downReason(Throwable e) {
    if (e instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return "its verticle is not running on this node";
      }
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return "no answer within " + READY_TIMEOUT_MS + " ms";
      }
    }
    return e.getMessage();
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
