package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A verticle that opens server sockets. The launcher asks it, before deploying anything, which
 * sockets it would open with the configuration it would receive (the global one merged with its
 * descriptor's), and holds each to the public-bind rule ({@link PublicBind}); the verticle holds
 * itself to it again when it starts, and records the address it really bound for the node's
 * "up" line.
 */
public interface Listening {

  /**
   * One server socket.
   *
   * @param name      what it is, for people: "HTTP", "TCP bridge"
   * @param hostField the configuration field its host comes from, for messages: "tcp_bridge.host"
   * @param host      the address it binds
   * @param port      the port it binds (0: any free one)
   * @param scheme    how to reach it: "http", "https", "tcp"
   */
  record Listener(String name, String hostField, String host, int port, String scheme) {}

  /** The sockets this verticle opens with {@code config}; must not need the verticle to be started. */
  List<Listener> listeners(JsonObject config);

  /** Records where a listener really is (the port a port 0 got), for the node's "up" line. */
  static void bound(Vertx vertx, Listener listener, int actualPort) {
    String host = listener.host().contains(":") ? "[" + listener.host() + "]" : listener.host();
    boundMap(vertx).put(listener.name(), listener.scheme() + "://" + host + ":" + actualPort);
  }

  /** What this node's verticles have bound, by listener name. */
  static Map<String, String> bound(Vertx vertx) {
    return new TreeMap<>(boundMap(vertx));
  }

  private static LocalMap<String, String> boundMap(Vertx vertx) {
    return vertx.sharedData().getLocalMap("switchboard.listeners");
  }
}
