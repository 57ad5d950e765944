package io.switchboard.launch;

import io.switchboard.core.Addresses;
import io.switchboard.core.Listening;
import io.switchboard.core.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Keeps this node's entry in the cluster-wide list of nodes (with its open connections by
 * transport), refreshed before its TTL runs out.
 */
final class NodeDirectory {

  private static final long REFRESH_MS = 5_000;
  private static final long TTL_MS = 3 * REFRESH_MS;

  private final Vertx vertx;
  private final String id;
  private final JsonObject entry;
  private long timer = -1;

  NodeDirectory(Vertx vertx, JsonObject conf, JsonArray verticles) {
    this.vertx = vertx;
    this.id = conf.getJsonObject("node").getString("id");
    JsonObject http = conf.getJsonObject("http");
    boolean tls = conf.getJsonObject("tls", new JsonObject()).getString("cert_path") != null;
    String configured = (tls ? "https://" : "http://") + http.getString("host") + ":" + http.getInteger("port");
    this.entry = new JsonObject().put("id", id)
        .put("http", Listening.bound(vertx).getOrDefault("HTTP", configured))
        .put("started", Instant.now().toString())
        .put("verticles", verticles);
  }

  Future<Void> start() {
    timer = vertx.setPeriodic(REFRESH_MS, t -> put());
    return put();
  }

  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP).compose(map -> map.remove(id)).mapEmpty();
  }

  private Future<Void> put() {
    JsonObject now = entry.copy().put("connections", Metrics.gaugeByTag(vertx, "switchboard.connections", "transport"));
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP).compose(map -> map.put(id, now, TTL_MS));
  }
}
