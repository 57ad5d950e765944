package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.switchboard.core.TopicName;
import io.switchboard.core.TopicPattern;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Who is calling: a name (for rate limits and logs), scopes, the topic patterns it may subscribe
 * to and publish on (null = any topic), and when its credential expires (null = never).
 */
public record Principal(String name, Set<Scope> scopes, List<TopicPattern> subscribe, List<TopicPattern> publish,
                        Instant expiresAt) {

  /** Everyone, when no credentials are configured (the default, bound to 127.0.0.1). */
  public static Principal open(String address) {
    return new Principal(ANONYMOUS_PREFIX + address, EnumSet.of(Scope.ADMIN), null, null, null);
  }

  private static final String ANONYMOUS_PREFIX = "ip:";

  /** Whether this is the everyone-principal of a hub without credentials. */
  public boolean anonymous() {
    return name.startsWith(ANONYMOUS_PREFIX);
  }

  public boolean has(Scope scope) {
    return scopes.contains(Scope.ADMIN) || scopes.contains(scope);
  }

  public void require(Scope scope) {
    if (!has(scope)) {
      throw forbidden("this credential lacks the " + scope + " scope");
    }
  }

  /** A subscription must lie within one of the allowed patterns. */
  public void requireSubscribe(TopicPattern pattern) {
    require(Scope.SUBSCRIBE);
    if (subscribe != null && subscribe.stream().noneMatch(allowed -> allowed.covers(pattern))) {
      throw forbidden("this credential may not subscribe to " + pattern);
    }
  }

  public void requirePublish(String topic) {
    require(Scope.PUBLISH);
    if (publish != null && publish.stream().noneMatch(allowed -> allowed.matches(topic))) {
      throw forbidden("this credential may not publish on " + TopicName.printable(topic));
    }
  }

  /** Milliseconds until the credential expires, or -1 when it does not. */
  public long millisLeft() {
    return expiresAt == null ? -1 : Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis());
  }

  private static Problem forbidden(String detail) {
    return Security.forbidden(detail);
  }
}
