package io.switchboard.core;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem: what went wrong, in the shape HTTP clients and event-bus callers both see.
 *
 * <p>On the event bus a problem travels as {@code message.fail(status, problemJson)}, so the gateway
 * turns a failed request back into the same problem without guessing.
 */
public final class Problem extends RuntimeException {

  private static final String TYPE_PREFIX = "urn:switchboard:problem:";

  private final int status;
  private final String code;
  private final String title;
  private final JsonObject extensions;

  public Problem(int status, String code, String title, String detail, JsonObject extensions) {
    // No stack trace: a problem is an answer to a client, not a bug report.
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = extensions == null ? new JsonObject() : extensions;
  }

  public Problem(int status, String code, String title, String detail) {
    this(status, code, title, detail, null);
  }

  public static Problem badRequest(String code, String detail) {
    return new Problem(400, code, "Malformed request", detail);
  }

  public static Problem invalid(String code, String detail) {
    return new Problem(422, code, "Invalid content", detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(404, "not-found", "Not found", detail);
  }

  public static Problem conflict(String code, String detail, JsonObject extensions) {
    return new Problem(409, code, "Conflict", detail, extensions);
  }

  public static Problem tooLarge(String detail) {
    return new Problem(413, "too-large", "Payload too large", detail);
  }

  public static Problem unavailable(String detail) {
    return new Problem(503, "unavailable", "Service unavailable", detail);
  }

  public static Problem internal(String detail) {
    return new Problem(500, "internal", "Internal error", detail);
  }

  /**
   * The same problem for a request that may have taken effect before it failed (a write whose
   * commit or confirm was cut off): {@code "outcome": "unknown"} and how to retry safely.
   */
  public static final String RETRY_APPEND = "It may have been stored: append again with the same event ids "
      + "(answered 201 with \"repeated\": true if it was)";

  public Problem outcomeUnknown(String howToRetry) {
    return new Problem(status, code, title, getMessage() + ". " + howToRetry, extensions.copy().put("outcome", "unknown"));
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", TYPE_PREFIX + code)
        .put("title", title)
        .put("status", status)
        .put("detail", getMessage());
    // RFC 9457's own members always win: an extension may not rename the problem or change its status
    extensions.forEach(e -> json.getMap().putIfAbsent(e.getKey(), e.getValue()));
    return json;
  }

  /** Answers an event-bus request with this problem. */
  public void failReply(Message<?> message) {
    message.fail(status, toJson().encode());
  }

  /** The problem a failed event-bus request or any other failure stands for. */
  public static Problem from(Throwable failure, String address) {
    if (failure instanceof Problem problem) {
      return problem;
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return unavailable("nothing handles " + address + " on this node: is its verticle deployed?");
      }
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        // No answer says nothing of the outcome (a node may have died holding the request): try again shortly.
        return new Problem(503, "unavailable", "Service unavailable", "no answer from " + address + " in time",
            new JsonObject().put("retry_after", 1));
      }
      return fromJson(reply.failureCode(), reply.getMessage());
    }
    return internal(failure.getClass().getSimpleName() + ": " + failure.getMessage());
  }

  private static Problem fromJson(int status, String message) {
    if (message != null && message.startsWith("{")) {
      try {
        JsonObject json = new JsonObject(message);
        String type = json.getString("type", "");
        String code = type.startsWith(TYPE_PREFIX) ? type.substring(TYPE_PREFIX.length()) : "error";
        JsonObject extensions = json.copy();
        extensions.remove("type");
        extensions.remove("title");
        extensions.remove("status");
        extensions.remove("detail");
        return new Problem(json.getInteger("status", status), code, json.getString("title", "Error"),
            json.getString("detail"), extensions);
      } catch (DecodeException | ClassCastException notAProblem) {
        // fall through: a plain failure message
      }
    }
    int httpStatus = status >= 400 && status < 600 ? status : 500;
    return new Problem(httpStatus, "error", "Error", message);
  }
}
