package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bearer token into a {@link Principal}: an API key ({@code sbk_…}, known by its hash) or a
 * JWT (HS256 secret or RS256 / ES256 public keys, verified by vertx-auth-jwt). With neither
 * configured, auth is off and every caller is an admin (the hub then binds only to loopback).
 *
 * <p>JWT claims: {@code scope} (space-separated or an array; default publish and subscribe), the
 * topics claim (default {@code topics}) and the other {@link Grants} ({@code streams}, {@code queues},
 * {@code commands}, {@code queries}). A token may use only what its claims grant.
 *
 * <p>A refused credential gets one answer, "invalid or expired credential", whatever the reason (an
 * unknown key, a bad signature, a wrong issuer, expiry): the reason helps an attacker more than a
 * user, so it goes to the log at debug level only.
 */
public final class Authenticator {

  static final String REFUSED = "invalid or expired credential";

  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  private final ApiKeys keys;
  private final JWTAuth jwt;
  private final String topicsClaim;
  private final String scopesClaim;

  public Authenticator(Vertx vertx, JsonObject conf) {
    JsonObject auth = conf.getJsonObject("auth", new JsonObject());
    this.keys = new ApiKeys(auth.getJsonArray("api_keys", new JsonArray()));
    JsonObject jwtConf = auth.getJsonObject("jwt");
    this.jwt = hasJwtKeys(jwtConf) ? JWTAuth.create(vertx, jwtOptions(jwtConf)) : null;
    this.topicsClaim = jwtConf == null ? "topics" : jwtConf.getString("topics_claim", "topics");
    this.scopesClaim = jwtConf == null ? "scope" : jwtConf.getString("scopes_claim", "scope");
  }

  private static boolean hasJwtKeys(JsonObject jwt) {
    return jwt != null && (jwt.getString("hs256_secret") != null || !jwt.getJsonArray("public_keys", new JsonArray()).isEmpty());
  }

  private static JWTAuthOptions jwtOptions(JsonObject conf) {
    JWTAuthOptions options = new JWTAuthOptions();
    String secret = conf.getString("hs256_secret");
    if (secret != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
    }
    for (Object key : conf.getJsonArray("public_keys", new JsonArray())) {
      JsonObject k = (JsonObject) key;
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(k.getString("algorithm", "RS256")).setBuffer(k.getString("pem")));
    }
    JWTOptions checks = new JWTOptions().setLeeway(conf.getInteger("leeway_s", 5));
    if (conf.getString("issuer") != null) {
      checks.setIssuer(conf.getString("issuer"));
    }
    if (conf.getString("audience") != null) {
      checks.setAudience(List.of(conf.getString("audience")));
    }
    return options.setJWTOptions(checks);
  }

  public boolean enabled() {
    return jwt != null || !keys.isEmpty();
  }

  /** The bearer token of a request: the Authorization header, else a {@code token} query parameter. */
  public static String token(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return request.getParam("token");
  }

  public Future<Principal> authenticate(String token, String remoteAddress) {
    if (!enabled()) {
      return Future.succeededFuture(Principal.open(remoteAddress));
    }
    if (token == null || token.isBlank()) {
      return Future.failedFuture(unauthorized("no credentials: send Authorization: Bearer <API key or JWT> "
          + "(or ?token= for SSE, WebSocket and the SockJS bridge)"));
    }
    if (token.startsWith(ApiKeys.PREFIX)) {
      Principal principal = keys.find(token);
      return principal != null ? Future.succeededFuture(principal) : refused(remoteAddress, "unknown API key");
    }
    if (jwt == null) {
      return refused(remoteAddress, "not an API key, and JWTs are not configured");
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> refused(remoteAddress, "JWT refused: " + e.getMessage()))
        .compose(user -> {
          try {
            return Future.succeededFuture(fromJwt(user));
          } catch (IllegalArgumentException | ClassCastException badClaim) {
            return refused(remoteAddress, "JWT of " + user.principal().getString("sub") + " has an invalid claim: "
                + badClaim.getMessage());
          }
        });
  }

  private static <T> Future<T> refused(String remoteAddress, String reason) {
    log.debug("credential from {} refused: {}", remoteAddress, reason);
    return Future.failedFuture(unauthorized(REFUSED));
  }

  private Principal fromJwt(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    Object scopeClaim = claims.getValue(scopesClaim);
    if (scopeClaim == null) {
      scopes.add(Scope.PUBLISH);
      scopes.add(Scope.SUBSCRIBE);
    } else {
      Iterable<?> names = scopeClaim instanceof JsonArray array ? array : List.of(String.valueOf(scopeClaim).split(" "));
      for (Object name : names) {
        try {
          scopes.add(Scope.of(String.valueOf(name)));
        } catch (IllegalArgumentException ignored) {
          // scopes of other services share the claim
        }
      }
    }
    Long exp = claims.getLong("exp");
    return new Principal("jwt:" + claims.getString("sub", "anonymous"), scopes,
        Grants.from(claims, topicsClaim, Grants.Holder.TOKEN, "claims"), exp == null ? null : Instant.ofEpochSecond(exp));
  }

  static Problem unauthorized(String detail) {
    return new Problem(401, "unauthorized", "Unauthorized", detail);
  }
}
