package io.switchboard.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline for topic benchmarks: a bare Vert.x HTTP server that reads the body and answers
 * 202 with a small JSON, using as many event loops as the hub's gateway instances. It also serves
 * the least an SSE fan-out needs, so a run can give the baseline the same readers as the hub:
 * {@code GET /api/v1/stream} opens a stream, and with {@code sse} as third argument every POST body
 * is published on the event bus and written by each instance to its streams of that topic
 * ({@code ?topics=} one exact name; the topic is the last path segment) as
 * {@code data: {"data": body}} (what the hub's readers parse).
 *
 * <p>usage: BareServer PORT [INSTANCES=2] [sse]
 */
public final class BareServer extends VerticleBase {

  private static final String FANOUT = "bare.sse";
  private record Stream(String topic, HttpServerResponse response) {}

  private final List<Stream> streams = new ArrayList<>();

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    boolean sse = args.length > 2 && args[2].equals("sse");
    Vertx.vertx().deployVerticle(BareServer::new, new DeploymentOptions().setInstances(instances)
            .setConfig(new JsonObject().put("port", port).put("sse", sse)))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    boolean sse = config().getBoolean("sse", false);
    vertx.eventBus().<Buffer>localConsumer(FANOUT, m -> {
      String topic = m.headers().get("topic");
      Buffer frame = Buffer.buffer("data: {\"data\":").appendBuffer(m.body()).appendString("}\n\n");
      streams.stream().filter(s -> s.topic().equals(topic)).forEach(s -> s.response().write(frame));
    });
    return vertx.createHttpServer()
        .requestHandler(req -> {
          if (req.method() == HttpMethod.GET && req.path().equals("/api/v1/stream")) {
            // One exact topic per stream (what the benchmark subscribes to), no patterns.
            Stream stream = new Stream(String.valueOf(req.getParam("topics")),
                req.response().setChunked(true).putHeader("Content-Type", "text/event-stream"));
            streams.add(stream);
            stream.response().closeHandler(v -> streams.remove(stream));
            stream.response().write("retry: 3000\n\n");
            return;
          }
          req.body().onSuccess(body -> {
            req.response().setStatusCode(202)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("id", "x").put("topic", "bench").encode());
            if (sse) {
              String topic = req.path().substring(req.path().lastIndexOf('/') + 1);
              vertx.eventBus().publish(FANOUT, body, new io.vertx.core.eventbus.DeliveryOptions().addHeader("topic", topic));
            }
          });
        })
        .listen(config().getInteger("port"), "127.0.0.1");
  }
}
