package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;

/** What the JSON routes read from a request, with the same problems for the same mistakes. */
final class HttpInput {

  private HttpInput() {}

  /**
   * The body as a JSON value; 400 {@code malformed-json} when it is not JSON, and when it is empty
   * 400 {@code empty-body} if {@code required}, else null.
   */
  static Object json(RoutingContext ctx, boolean required) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      if (required) {
        throw Problem.badRequest("empty-body", "the body is empty: send JSON");
      }
      return null;
    }
    try {
      return Json.decodeValue(body);
    } catch (DecodeException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw Problem.badRequest("malformed-json", "the body is not valid JSON: " + message);
    }
  }

  /** A whole-number query parameter, or null when absent. */
  static Long integer(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw Problem.badRequest("invalid-parameter", name + " must be an integer, not '" + value + "'");
    }
  }
}
