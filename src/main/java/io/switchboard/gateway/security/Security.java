package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The gateway's security in one place: the route handler that authenticates and checks the
 * route's scope, and what connections need later (topic checks, rate and connection limits,
 * closing a connection when its credential expires).
 */
public final class Security {

  private static final String PRINCIPAL = "switchboard.principal";
  private static final String CLIENT = "switchboard.client";

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final AccessPolicy policy;
  private final RateLimiter rates;
  private final ConnectionLimiter connections;
  private final ClientAddresses clients;

  public Security(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    this.authenticator = new Authenticator(vertx, conf);
    this.policy = new AccessPolicy(conf.getJsonObject("auth", new JsonObject()).getBoolean("public_metrics", true));
    this.rates = new RateLimiter(vertx, conf);
    this.connections = new ConnectionLimiter(vertx, conf);
    this.clients = new ClientAddresses(conf);
  }

  /** Route handler: 401 without a valid credential, 403 without the route's scope. */
  public void handle(RoutingContext ctx) {
    String client = clients.of(ctx.request());
    ctx.put(CLIENT, client);
    AccessPolicy.Need need = policy.need(ctx.request().method(), ctx.request().path());
    if (need == AccessPolicy.Need.PUBLIC) {
      ctx.next();
      return;
    }
    authenticator.authenticate(Authenticator.token(ctx.request()), client)
        .onSuccess(principal -> {
          switch (need) {
            case SUBSCRIBE -> principal.require(Scope.SUBSCRIBE);
            case PUBLISH -> principal.require(Scope.PUBLISH);
            case ADMIN -> principal.require(Scope.ADMIN);
            default -> { }
          }
          ctx.put(PRINCIPAL, principal);
          ctx.next();
        })
        .onFailure(ctx::fail);
  }

  /** The caller of a request that passed {@link #handle}. */
  public static Principal principal(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    if (principal == null) {
      throw Authenticator.unauthorized("no credentials");
    }
    return principal;
  }

  /**
   * The client's address (behind trusted proxies, the forwarded one) for limits, logs and
   * metrics; see {@link ClientAddresses}.
   */
  public static String clientAddress(RoutingContext ctx) {
    String client = ctx.get(CLIENT);
    return client != null ? client : ctx.request().remoteAddress().hostAddress();
  }

  /**
   * Checks the event-bus request a route is about to make for its caller ({@link AccessPolicy#requireRequest}):
   * a 403 problem when the caller's grants do not cover it.
   */
  public static void authorize(RoutingContext ctx, String address, Object request) {
    AccessPolicy.requireRequest(principal(ctx), address, request);
  }

  public Future<Principal> authenticate(String token, String remoteAddress) {
    return authenticator.authenticate(token, remoteAddress);
  }

  public RateLimiter rates() {
    return rates;
  }

  public ConnectionLimiter connections() {
    return connections;
  }

  /** Runs {@code close} when the principal's credential expires; returns the timer id, or -1. */
  public long closeOnExpiry(Principal principal, Runnable close) {
    long left = principal.millisLeft();
    if (left < 0) {
      return -1;
    }
    return vertx.setTimer(Math.max(1, left), id -> close.run());
  }

  public void cancel(long timer) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * For the launcher, before anything is deployed: the API keys and their grants, the allowed hosts
   * and origins are well formed.
   * Throws IllegalArgumentException naming the field at fault.
   */
  public static void validate(JsonObject conf) {
    Object auth = conf.getValue("auth");
    Object keys = auth instanceof JsonObject a ? a.getValue("api_keys") : null;
    if (keys != null && !(keys instanceof io.vertx.core.json.JsonArray)) {
      throw new IllegalArgumentException("auth.api_keys: must be a list");
    }
    new ApiKeys(keys == null ? new io.vertx.core.json.JsonArray() : (io.vertx.core.json.JsonArray) keys);
    BrowserSettings.from(conf);
    new ClientAddresses(conf);
  }

  public static Problem forbidden(String detail) {
    return new Problem(403, "forbidden", "Forbidden", detail);
  }
}
