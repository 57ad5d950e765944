package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicName;
import io.switchboard.gateway.security.AccessPolicy;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.RateLimiter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BaseBridgeEvent;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What event-bus bridge clients may do, the same for every bridge transport (SockJS, TCP): the
 * permitted addresses from conf, and the checks of each REGISTER, SEND and PUBLISH against the
 * client's credential.
 *
 * <p>A client publishing to {@code switchboard.topic.x} must not reach the bus as it is (exact
 * listeners would get it raw and pattern subscribers not at all): the hook validates it as a
 * CloudEvent and marks it, and {@link TopicIngress} hands it to the topic router, so it reaches SSE,
 * WebSocket and bridge subscribers like any other topic message. A client may also {@code request}
 * {@code switchboard.topics.publish} to get the id, or the reason for a refusal.
 */
final class BridgeRules {

  private static final Logger log = LoggerFactory.getLogger(BridgeRules.class);

  /** Vert.x reply addresses, standalone and clustered. */
  private static final String REPLY_PREFIX = "__vertx.reply.";

  private final JsonObject conf;
  private final String source;
  private final String defaultType;
  private final java.util.List<java.util.function.Predicate<String>> inboundRules = new java.util.ArrayList<>();
  private final java.util.List<java.util.function.Predicate<String>> outboundRules = new java.util.ArrayList<>();

  BridgeRules(JsonObject conf) {
    this.conf = conf.getJsonObject("bridge", new JsonObject());
    compile(this.conf.getJsonArray("inbound", new JsonArray()), inboundRules);
    compile(this.conf.getJsonArray("outbound", new JsonArray()), outboundRules);
    this.source = Envelope.nodeSource(conf);
    this.defaultType = conf.getJsonObject("topics", new JsonObject()).getString("default_type", "switchboard.message");
  }

  /** The permitted addresses from conf. */
  <T extends BridgeOptions> T options(T options) {
    permitted(conf.getJsonArray("inbound", new JsonArray())).forEach(options::addInboundPermitted);
    permitted(conf.getJsonArray("outbound", new JsonArray())).forEach(options::addOutboundPermitted);
    return options;
  }

  private static void compile(JsonArray rules, java.util.List<java.util.function.Predicate<String>> into) {
    for (PermittedOptions rule : permitted(rules)) {
      into.add(rule.getAddress() != null ? rule.getAddress()::equals
          : rule.getAddressRegex() != null ? java.util.regex.Pattern.compile(rule.getAddressRegex()).asMatchPredicate()
          : address -> true);
    }
  }

  /** Whether a client may send or publish to {@code address} (before the credential's checks). */
  boolean inboundPermitted(String address) {
    return inboundRules.stream().anyMatch(rule -> rule.test(address));
  }

  /** Whether a client may register for {@code address} (before the credential's checks). */
  boolean outboundPermitted(String address) {
    return outboundRules.stream().anyMatch(rule -> rule.test(address));
  }

  private static java.util.List<PermittedOptions> permitted(JsonArray rules) {
    java.util.List<PermittedOptions> out = new java.util.ArrayList<>();
    for (Object rule : rules) {
      JsonObject r = (JsonObject) rule;
      PermittedOptions p = new PermittedOptions();
      if (r.getString("address") != null) {
        p.setAddress(r.getString("address"));
      }
      if (r.getString("address_regex") != null) {
        p.setAddressRegex(r.getString("address_regex"));
      }
      out.add(p);
    }
    return out;
  }

  /** Decides an inbound SEND or PUBLISH (marking topic publishes); returns whether it may proceed. */
  boolean inbound(BaseBridgeEvent event, String transport, Principal principal, RateLimiter rates) {
    return inbound(event.type() == BridgeEventType.PUBLISH, event.getRawMessage(), transport, principal, rates);
  }

  /** The same for a raw frame: {@code publish} or send, the frame rewritten in place where needed. */
  boolean inbound(boolean publish, JsonObject raw, String transport, Principal principal, RateLimiter rates) {
    String address = raw == null ? null : raw.getString("address");
    if (address == null) {
      return true; // the bridge itself answers missing_address
    }
    if (address.startsWith(REPLY_PREFIX)) {
      return true; // a reply: the bridge lets it through only if it delivered the request
    }
    if (!inboundPermitted(address)) {
      log.debug("refused a {} message to {}: no inbound rule permits it", transport, address);
      return false;
    }
    try {
      if (address.startsWith(Addresses.TOPIC_PREFIX) && !publish) {
        return false; // topics are publish-only; request switchboard.topics.publish for an answer
      }
      AccessPolicy.requireRequest(principal, address, raw.getValue("body"));
      if (address.startsWith(Addresses.TOPIC_PREFIX)) {
        TopicName.validate(address.substring(Addresses.TOPIC_PREFIX.length()));
        rates.acquire(principal);
        JsonObject candidate = candidate(raw.getValue("body"), raw.getJsonObject("headers"));
        try {
          Envelope.of(candidate, source); // refuse invalid events here: a publish gets no answer later
        } catch (Problem invalid) {
          throw Metrics.countedIfInvalid(invalid); // as for a refused publish on any other way in
        }
        // The bridge publishes it as it is; TopicIngress takes it off the bus before delivery and
        // hands it to the router. The marker is set here, after the checks, whatever the client sent.
        raw.put("body", candidate);
        raw.put("headers", raw.getJsonObject("headers", new JsonObject()).put(TopicIngress.MARKER, transport));
      } else if (address.equals(Addresses.TOPICS_PUBLISH)) {
        rates.acquire(principal);
      }
      if (address.equals(Addresses.TOPICS_PUBLISH) || address.startsWith(Addresses.TOPIC_PREFIX)) {
        // Whatever a client claims, its messages come from this bridge: relays rely on the origin.
        JsonObject headers = raw.getJsonObject("headers", new JsonObject());
        raw.put("headers", headers.put(Addresses.ORIGIN_HEADER, transport));
      }
      return true;
    } catch (Problem problem) {
      log.debug("refused a {} message to {}: {}", transport, address, problem.detail());
      return false;
    }
  }

  /** Decides a REGISTER: a topic address needs the topic's subscribe permission, others the scope. */
  boolean register(BaseBridgeEvent event, Principal principal) {
    return register(event.getRawMessage(), principal);
  }

  boolean register(JsonObject raw, Principal principal) {
    String address = raw == null ? null : raw.getString("address");
    if (address == null) {
      return true;
    }
    try {
      AccessPolicy.requireListen(principal, address);
      return true;
    } catch (Problem problem) {
      log.debug("refused a registration for {}: {}", address, problem.detail());
      return false;
    }
  }

  /** A structured event as it is, else the body as data, typed by a ce-type header or the default. */
  private JsonObject candidate(Object body, JsonObject headers) {
    if (body instanceof JsonObject object && object.containsKey("specversion")) {
      return object;
    }
    String type = headers == null ? null : headers.getString("ce-type");
    return new JsonObject().put("type", type != null ? type : defaultType).put("data", body);
  }
}
