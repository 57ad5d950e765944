package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every HTTP error leaves as RFC 9457 problem+json, unknown routes and framework errors too. */
final class HttpProblems {

  static final String MEDIA_TYPE = "application/problem+json";

  private static final Logger log = LoggerFactory.getLogger(HttpProblems.class);

  private HttpProblems() {}

  static void send(RoutingContext ctx, Problem problem) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      // Too late for a status (a stream was already open): end it rather than corrupt it.
      response.reset();
      return;
    }
    JsonObject body = problem.toJson();
    if (problem.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer realm=\"switchboard\"");
    }
    if (body.getValue("retry_after") instanceof Number seconds) {
      response.putHeader("Retry-After", String.valueOf(seconds.longValue()));
    }
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", MEDIA_TYPE)
        .end(body.encode());
  }

  /** Failure handler: turns whatever failed the route into a problem. */
  static void onFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    Problem problem;
    if (failure instanceof Problem p) {
      problem = p;
    } else if (failure instanceof HttpException http) {
      problem = forStatus(http.getStatusCode(), http.getPayload());
    } else if (failure != null && failure.getClass().getName().startsWith("io.netty.handler.codec.http.multipart.")) {
      // The server's form decoder refused the body (too many fields, a broken encoding).
      problem = Problem.badRequest("malformed-form", "the form-encoded body cannot be decoded ("
          + (failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName()) + "); the API takes JSON");
    } else if (failure != null) {
      log.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      problem = Problem.internal("the request failed inside the hub; the log has the details");
    } else {
      problem = forStatus(ctx.statusCode(), null);
    }
    send(ctx, problem);
  }

  static Problem forStatus(int status, String detail) {
    return switch (status) {
      case 404 -> new Problem(404, "no-route", "Not found", detail != null ? detail : "no such route");
      case 405 -> new Problem(405, "method-not-allowed", "Method not allowed",
          detail != null ? detail : "this route does not take that method");
      case 413 -> Problem.tooLarge(detail != null ? detail : "the body is larger than the configured limit");
      case 400 -> Problem.badRequest("bad-request", detail != null ? detail : "malformed request");
      default -> new Problem(status >= 400 && status < 600 ? status : 500, "error", "Error",
          detail != null ? detail : "request failed with status " + status);
    };
  }
}
