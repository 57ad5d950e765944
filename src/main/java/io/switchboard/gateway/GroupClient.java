package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * What every transport does to consume a group, the same way: learn the group's source and check
 * that the caller may read it (the store's read rules), then talk to the group's coordinator
 * (fetch, ack, nack, leave), wherever in the cluster it runs. Consumer ids are qualified by the
 * transport and the credential, so no one can settle another credential's deliveries.
 */
final class GroupClient {

  static final Pattern CONSUMER = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  /** Beyond a fetch's wait: how long its answer may take to come back over the bus. */
  private static final long ANSWER_MARGIN_MS = 10_000;

  private final Vertx vertx;

  GroupClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The consumer id the coordinator sees: {@code transport:credential:name}. */
  static String consumerId(String transport, Principal principal, String name) {
    if (name == null || !CONSUMER.matcher(name).matches()) {
      throw Problem.badRequest("invalid-consumer", "a consumer name is 1-128 characters of A-Z a-z 0-9 _ . : -");
    }
    return transport + ":" + principal.name() + ":" + name;
  }

  /** The group's definition, once the principal is allowed to read its source (else a 403 problem; 404 for no such group). */
  Future<JsonObject> authorize(Principal principal, String group) {
    return vertx.eventBus().<JsonObject>request(Addresses.GROUPS_ADMIN, new JsonObject().put("action", "spec").put("group", group),
            new DeliveryOptions().setSendTimeout(CqrsHttp.REQUEST_TIMEOUT_MS))
        .recover(e -> Future.failedFuture(Problem.from(e, Addresses.GROUPS_ADMIN)))
        .map(reply -> {
          JsonObject spec = reply.body();
          principal.requireRead(spec.getString("stream"), spec.getString("category"));
          return spec;
        });
  }

  /** A request to the group's coordinator ({@code action} fetch, ack, nack or leave). */
  Future<JsonObject> call(String group, JsonObject request, long waitMs) {
    String address = Addresses.groupCoordinator(group);
    return vertx.eventBus().<JsonObject>request(address, request,
            new DeliveryOptions().setSendTimeout(waitMs + ANSWER_MARGIN_MS))
        .map(Message::body)
        .recover(e -> Future.failedFuture(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new Problem(503, "no-coordinator", "Service unavailable", "group " + group
                + " has no coordinator right now (one takes it within seconds); try again", new JsonObject().put("retry_after", 1))
            : Problem.from(e, address)));
  }
}
