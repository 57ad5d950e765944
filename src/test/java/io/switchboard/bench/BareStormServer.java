package io.switchboard.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The reconnect storm's baseline: the least a Vert.x server does to speak the part of the hub's
 * WebSocket protocol that ws-storm.mjs uses. /ws sends a welcome; a {"type":"subscribe"} frame is
 * answered "subscribed"; POST /api/v1/topics/{topic} answers 202 and every instance writes the
 * body as an event frame to its sockets on that topic. Two instances, like the hub's gateway. No
 * security, limits, ids, history or metrics: what the hub adds to a connection is the difference.
 */
public final class BareStormServer extends VerticleBase {

  private final Map<String, Set<ServerWebSocket>> sockets = new HashMap<>();

  public static void main(String[] args) {
    Vertx.vertx().deployVerticle(BareStormServer::new, new DeploymentOptions().setInstances(2)
            .setConfig(new JsonObject().put("port", Integer.parseInt(args[0]))))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer("bare.storm", m -> {
      String frame = new JsonObject().put("type", "event").put("data", m.body()).encode();
      for (ServerWebSocket s : sockets.getOrDefault(m.headers().get("topic"), Set.of())) {
        s.writeTextMessage(frame);
      }
    });
    return vertx.createHttpServer()
        .webSocketHandler(ws -> {
          ws.writeTextMessage("{\"type\":\"welcome\"}");
          Set<String> topics = new HashSet<>();
          ws.textMessageHandler(text -> {
            JsonObject frame = new JsonObject(text);
            if ("subscribe".equals(frame.getString("type"))) {
              for (Object t : frame.getJsonArray("topics")) {
                topics.add((String) t);
                sockets.computeIfAbsent((String) t, k -> new HashSet<>()).add(ws);
              }
              ws.writeTextMessage("{\"type\":\"subscribed\"}");
            }
          });
          ws.closeHandler(v -> topics.forEach(t -> sockets.get(t).remove(ws)));
        })
        .requestHandler(req -> req.body().onSuccess(body -> {
          String topic = req.path().substring("/api/v1/topics/".length());
          vertx.eventBus().publish("bare.storm", body.toJsonObject(),
              new io.vertx.core.eventbus.DeliveryOptions().addHeader("topic", topic));
          req.response().setStatusCode(202).putHeader("Content-Type", "application/json").end("{}");
        }))
        .listen(config().getInteger("port"), "127.0.0.1");
  }
}
