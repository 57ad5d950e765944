package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Scope;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the console asks beyond the documented routes.
 *
 * <p>{@code GET /api/v1/whoami} (any valid credential): the caller's name and scopes, so a page
 * can hide what its token may not do (the hub still checks every request).
 *
 * <p>{@code GET /api/v1/metrics/summary[?since=ms]} (admin): every live node's metric samples, asked
 * of each node's sampler over the event bus; a node that does not answer in time is listed under
 * {@code missing} instead of holding the answer up.
 */
final class ConsoleRoutes {

  private static final long NODE_TIMEOUT_MS = 1_500;

  private final Vertx vertx;
  private final String nodeId;

  ConsoleRoutes(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    this.nodeId = conf.getJsonObject("node").getString("id");
  }

  void mount(Router router) {
    router.get("/api/v1/metrics/summary").handler(this::summary);
    router.get("/api/v1/whoami").handler(this::whoami);
  }

  private void whoami(RoutingContext ctx) {
    Principal principal = Security.principal(ctx);
    JsonArray scopes = new JsonArray();
    for (Scope scope : Scope.values()) {
      if (principal.has(scope)) {
        scopes.add(scope.toString());
      }
    }
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("name", principal.name()).put("anonymous", principal.anonymous())
            .put("scopes", scopes)
            .put("expires_at", principal.expiresAt() == null ? null : principal.expiresAt().toString()).encode());
  }

  private void summary(RoutingContext ctx) {
    Long since = HttpInput.integer(ctx, "since");
    JsonObject request = since == null ? new JsonObject() : new JsonObject().put("since", since);
    vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP)
        .compose(AsyncMap::keys)
        .otherwise(e -> Set.of())
        .onSuccess(ids -> {
          Set<String> nodes = new TreeSet<>(ids);
          nodes.add(nodeId);
          List<String> order = new ArrayList<>(nodes);
          List<Future<JsonObject>> answers = new ArrayList<>();
          for (String node : order) {
            answers.add(vertx.eventBus().<JsonObject>request(Addresses.metricsSummary(node), request,
                new DeliveryOptions().setSendTimeout(NODE_TIMEOUT_MS)).map(r -> r.body()));
          }
          Future.join(answers).onComplete(done -> {
            JsonArray found = new JsonArray();
            JsonArray missing = new JsonArray();
            for (int i = 0; i < order.size(); i++) {
              Future<JsonObject> answer = answers.get(i);
              if (answer.succeeded()) {
                found.add(answer.result());
              } else {
                missing.add(new JsonObject().put("node", order.get(i)).put("reason", reason(answer.cause())));
              }
            }
            if (found.isEmpty()) {
              HttpProblems.send(ctx, Problem.unavailable("no metric samples: the metrics-summary verticle is not"
                  + " running on this node (" + nodeId + ")"));
              return;
            }
            ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(new JsonObject().put("node", nodeId).put("time", System.currentTimeMillis())
                    .put("nodes", found).put("missing", missing).encode());
          });
        });
  }

  private static String reason(Throwable e) {
    if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return "no metrics sampler runs there";
    }
    if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return "no answer within " + NODE_TIMEOUT_MS + " ms";
    }
    return String.valueOf(e.getMessage());
  }
}
