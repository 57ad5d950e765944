package io.switchboard.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The fan-out baseline: the least a Vert.x WebSocket broadcast server does. Clients connect to
 * /ws/{topic}; POST /pub/{topic} publishes the body on the event bus and every instance writes it
 * to its sockets on that topic. Two instances, like the hub's gateway.
 */
public final class BareBroadcastServer extends VerticleBase {

  private final Map<String, Set<ServerWebSocket>> sockets = new HashMap<>();
  private final Map<String, MessageConsumer<Buffer>> consumers = new HashMap<>();

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx.vertx().deployVerticle(BareBroadcastServer::new, new DeploymentOptions().setInstances(2)
            .setConfig(new io.vertx.core.json.JsonObject().put("port", port)))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
        .webSocketHandler(ws -> {
          String topic = ws.path().substring("/ws/".length());
          sockets.computeIfAbsent(topic, t -> new HashSet<>()).add(ws);
          consumers.computeIfAbsent(topic, t -> vertx.eventBus().<Buffer>consumer("bare." + t, m -> {
            String text = m.body().toString();
            for (ServerWebSocket s : sockets.getOrDefault(t, Set.of())) {
              if (!s.writeQueueFull()) {
                s.writeTextMessage(text);
              }
            }
          }));
          ws.closeHandler(v -> sockets.get(topic).remove(ws));
        })
        .requestHandler(req -> req.body().onSuccess(body -> {
          vertx.eventBus().publish("bare." + req.path().substring("/pub/".length()), body);
          req.response().setStatusCode(202).end();
        }))
        .listen(config().getInteger("port"), "127.0.0.1");
  }
}
