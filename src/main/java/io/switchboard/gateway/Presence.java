package io.switchboard.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;

/**
 * Who is connected and who is in which room, cluster-wide, in Vert.x shared data (Hazelcast maps
 * when clustered, local maps otherwise). Entries carry a TTL that live connections keep refreshing,
 * so the members of a node that died without saying goodbye disappear on their own.
 *
 * <p>Each entry's value is the id of the connection that wrote it, and removal only removes that
 * value: a client that reconnected elsewhere is not removed by its old connection's goodbye.
 */
final class Presence {

  private static final String CLIENTS = "switchboard.ws.clients";
  private static final String ROOM_PREFIX = "switchboard.ws.room.";

  private final Vertx vertx;
  private final long ttlMs;

  Presence(Vertx vertx, long ttlMs) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
  }

  Future<String> connectionOf(String clientId) {
    return clients().compose(map -> map.get(clientId));
  }

  Future<Void> connected(String clientId, String connectionId) {
    return clients().compose(map -> map.put(clientId, connectionId, ttlMs));
  }

  Future<Void> disconnected(String clientId, String connectionId) {
    return clients().compose(map -> map.removeIfPresent(clientId, connectionId)).mapEmpty();
  }

  Future<Void> joined(String room, String clientId, String connectionId) {
    return room(room).compose(map -> map.put(clientId, connectionId, ttlMs));
  }

  Future<Void> left(String room, String clientId, String connectionId) {
    return room(room).compose(map -> map.removeIfPresent(clientId, connectionId)).mapEmpty();
  }

  Future<List<String>> members(String room) {
    return room(room).compose(AsyncMap::keys).map(keys -> keys.stream().sorted().toList());
  }

  private Future<AsyncMap<String, String>> clients() {
    return vertx.sharedData().getAsyncMap(CLIENTS);
  }

  private Future<AsyncMap<String, String>> room(String room) {
    return vertx.sharedData().getAsyncMap(ROOM_PREFIX + room);
  }
}
