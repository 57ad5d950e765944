package io.switchboard.gateway.security;

import io.switchboard.core.Addresses;
import io.switchboard.core.StreamNames;
import io.switchboard.core.TopicPattern;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a caller may ask of the hub, in one place: which scope each HTTP route needs (routes not
 * listed need {@code admin}: a route added without a rule here is closed, not open), and which
 * grant each request on the event bus needs, whichever transport carried it
 * ({@link #requireRequest}, {@link #requireListen}).
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
    rule(HttpMethod.GET, "/api/v1/whoami", Need.CREDENTIAL); // the console: what its token may do
    rule(HttpMethod.GET, "/api/v1/stream|/api/v1/rooms/[^/]+|/api/v1/streams(/.*)?|/api/v1/orders(/[^/]+)?", Need.SUBSCRIBE);
    rule(HttpMethod.POST, "/api/v1/topics/[^/]+|/api/v1/clients/[^/]+/messages|/api/v1/rooms/[^/]+/messages"
        + "|/api/v1/queues/[^/]+/messages|/api/v1/streams/[^/]+/events|/api/v1/orders|/api/v1/orders/[^/]+/ship", Need.PUBLISH);
    rule(HttpMethod.PUT, "/api/v1/streams/[^/]+/snapshot", Need.PUBLISH);
    // Consuming a group: any credential with the subscribe scope; the route checks the read rules
    // on the group's source. Creating, changing and inspecting groups needs admin (the default).
    rule(HttpMethod.POST, "/api/v1/subscriptions/[^/]+/(fetch|ack|nack)", Need.SUBSCRIBE);
  }

  private void open(HttpMethod method, String path) {
    rule(method, path, Need.PUBLIC);
  }

  private void rule(HttpMethod method, String path, Need need) {
    rules.add(new Rule(method, Pattern.compile(path), need));
  }

  /**
   * The check of one request a client makes on the event bus, the same whichever transport carries
   * it: the REST routes call it with the request they are about to send, the SockJS and TCP bridges
   * with what the client sent. Store appends and reads, queue publishes, commands and queries are
   * checked against the principal's {@link Grants}; topic publishes and watches against its topics;
   * the hub's other addresses ({@code switchboard.*}) need admin; an address of the operator's own
   * (a queue handler, say) needs the publish scope. Throws a 403 problem.
   */
  public static void requireRequest(Principal principal, String address, Object body) {
    JsonObject request = body instanceof JsonObject object ? object : new JsonObject();
    switch (address) {
      case Addresses.EVENTSTORE_APPEND, Addresses.EVENTSTORE_SNAPSHOT_PUT -> principal.requireAppend(text(request, "stream"));
      case Addresses.EVENTSTORE_READ, Addresses.EVENTSTORE_SUBSCRIBE ->
          principal.requireRead(text(request, "stream"), request.getValue("category") instanceof String c ? c : null);
      case Addresses.EVENTSTORE_SNAPSHOT_GET, Addresses.EVENTSTORE_METADATA_GET -> principal.requireRead(text(request, "stream"), null);
      case Addresses.EVENTSTORE_STREAMS ->
          principal.requireRead(StreamNames.ALL, request.getValue("category") instanceof String c ? c : null);
      case Addresses.QUEUE_PUBLISH -> principal.requireQueue(text(request, "queue"));
      // the read rules on the group's source are checked by the bridge once it knows the source
      case Addresses.GROUPS_CONSUME, Addresses.GROUPS_ACK, Addresses.GROUPS_NACK -> principal.require(Scope.SUBSCRIBE);
      case Addresses.TOPICS_PUBLISH -> principal.requirePublish(text(request, "topic"));
      case Addresses.TOPICS_WATCH -> {
        if (request.getValue("topics") instanceof JsonArray topics) {
          for (Object topic : topics) {
            principal.requireSubscribe(TopicPattern.parse(String.valueOf(topic)));
          }
        }
      }
      default -> {
        if (address.startsWith(Addresses.TOPIC_PREFIX)) {
          principal.requirePublish(address.substring(Addresses.TOPIC_PREFIX.length()));
        } else if (address.startsWith(Addresses.COMMAND_PREFIX)) {
          principal.requireCommand(address.substring(Addresses.COMMAND_PREFIX.length()));
        } else if (address.startsWith(Addresses.QUERY_PREFIX)) {
          principal.requireQuery(address.substring(Addresses.QUERY_PREFIX.length()));
        } else if (address.startsWith(HUB_PREFIX)) {
          principal.require(Scope.ADMIN);
        } else {
          principal.require(Scope.PUBLISH);
        }
      }
    }
  }

  /**
   * The check of a bridge client registering for an address: a topic address is a subscription to
   * that topic; the store's append announcements are a read of {@code $all}; anything else needs
   * the subscribe scope. Throws a 403 problem.
   */
  public static void requireListen(Principal principal, String address) {
    if (address.startsWith(Addresses.TOPIC_PREFIX)) {
      principal.requireSubscribe(TopicPattern.parse(address.substring(Addresses.TOPIC_PREFIX.length())));
    } else if (address.equals(Addresses.EVENTSTORE_APPENDED)) {
      principal.requireRead(StreamNames.ALL, null);
    } else {
      principal.require(Scope.SUBSCRIBE);
    }
  }

  private static final String HUB_PREFIX = "switchboard.";

  private static String text(JsonObject request, String field) {
    return request.getValue(field) instanceof String s ? s : "";
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
