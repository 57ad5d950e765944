package io.switchboard.gateway.security;

import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which scope each route needs, in one table. Routes not listed need {@code admin}: a route
 * added without a rule here is closed, not open.
 */
public final class AccessPolicy {

  /** What a route requires: nothing, any valid credential (checked further per message), or a scope. */
  public enum Need { PUBLIC, CREDENTIAL, SUBSCRIBE, PUBLISH, ADMIN }

  private record Rule(HttpMethod method, Pattern path, Need need) {}

  private final List<Rule> rules = new ArrayList<>();

  public AccessPolicy(boolean publicMetrics) {
    open(HttpMethod.GET, "/health|/ready|/api/v1/openapi\\.yaml|/|/console/.*");
    if (publicMetrics) {
      open(HttpMethod.GET, "/metrics");
    }
    rule(null, "/ws(/[^/]+)?|/eventbus(/.*)?", Need.CREDENTIAL);
    rule(HttpMethod.GET, "/api/v1/stream|/api/v1/rooms/[^/]+|/api/v1/streams(/.*)?|/api/v1/orders(/[^/]+)?", Need.SUBSCRIBE);
    rule(HttpMethod.POST, "/api/v1/topics/[^/]+|/api/v1/clients/[^/]+/messages|/api/v1/rooms/[^/]+/messages"
        + "|/api/v1/queues/[^/]+/messages|/api/v1/streams/[^/]+/events|/api/v1/orders|/api/v1/orders/[^/]+/ship", Need.PUBLISH);
    rule(HttpMethod.PUT, "/api/v1/streams/[^/]+/snapshot", Need.PUBLISH);
  }

  private void open(HttpMethod method, String path) {
    rule(method, path, Need.PUBLIC);
  }

  private void rule(HttpMethod method, String path, Need need) {
    rules.add(new Rule(method, Pattern.compile(path), need));
  }

  public Need need(HttpMethod method, String path) {
    for (Rule rule : rules) {
      if ((rule.method == null || rule.method.equals(method)) && rule.path.matcher(path).matches()) {
        return rule.need;
      }
    }
    return Need.ADMIN;
  }
}
