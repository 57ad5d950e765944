package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/** What the command, query and projection routes share: JSON in, an event-bus request, JSON or a problem out. */
final class CqrsHttp {

  /**
   * How long a client waits for an answer. Below the event bus's 30 s default so that a request
   * routed to a cluster node that died without a word (until Hazelcast notices, 10 s) ends as a 503
   * with Retry-After before the client's own timeout.
   */
  static final long REQUEST_TIMEOUT_MS = 10_000;

  private final Vertx vertx;

  CqrsHttp(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Sends {@code body} to {@code address} and answers with the reply (and its {@code correlation_id}
   * as {@code X-Correlation-Id}). {@code noHandler} names the problem when nothing listens there.
   */
  void request(RoutingContext ctx, String address, JsonObject body, int status, Function<String, Problem> noHandler) {
    request(ctx, address, body, status, noHandler, null);
  }

  /** As above, with a {@code Location} header made from the reply. */
  void request(RoutingContext ctx, String address, JsonObject body, int status, Function<String, Problem> noHandler,
               Function<JsonObject, String> location) {
    Security.authorize(ctx, address, body);
    // The body was parsed for this request alone: handed over, not copied on the way.
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MS).setCodecName(SharedJson.NAME);
    String correlation = ctx.request().getHeader(Envelope.CORRELATION_HEADER);
    if (correlation != null && !correlation.isBlank()) {
      options.addHeader(Addresses.CORRELATION_ID_HEADER, correlation);
    }
    vertx.eventBus().<JsonObject>request(address, body, options)
        .onSuccess(reply -> {
          JsonObject answer = reply.body();
          if (answer.getValue("correlation_id") instanceof String id) {
            ctx.response().putHeader(Envelope.CORRELATION_HEADER, id);
          }
          if (location != null) {
            ctx.response().putHeader("Location", location.apply(answer));
          }
          ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(answer.toBuffer());
        })
        .onFailure(e -> HttpProblems.send(ctx, e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            && noHandler != null ? noHandler.apply(address) : Problem.from(e, address)));
  }

  /** The body as a JSON object: 400 when empty or not JSON, 422 when JSON but not an object. */
  static JsonObject object(RoutingContext ctx) {
    return object(HttpInput.json(ctx, true));
  }

  /** The body as a JSON object, or an empty one when there is none. */
  static JsonObject optionalObject(RoutingContext ctx) {
    Object body = HttpInput.json(ctx, false);
    return body == null ? new JsonObject() : object(body);
  }

  private static JsonObject object(Object value) {
    if (!(value instanceof JsonObject object)) {
      throw Problem.invalid("not-an-object", "the body must be a JSON object");
    }
    return object;
  }
}
