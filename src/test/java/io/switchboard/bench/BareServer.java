package io.switchboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The baseline for topic benchmarks: a bare Vert.x HTTP server that reads the body and answers
 * 202 with a small JSON, using as many event loops as the hub's gateway instances.
 */
public final class BareServer {

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Vertx vertx = Vertx.vertx();
    for (int i = 0; i < instances; i++) {
      vertx.createHttpServer()
          .requestHandler(req -> req.body().onSuccess(body -> req.response().setStatusCode(202)
              .putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("id", "x").put("topic", "bench").encode())))
          .listen(port, "127.0.0.1")
          .onFailure(e -> {
            e.printStackTrace();
            System.exit(1);
          });
    }
  }
}
