package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Scope;
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
 *
 * <p>On a hub that is not clustered, connection and room entries do not expire: they live and die
 * with their connection (and the node), and a TTL would cost a timer per connection, rescheduled
 * at every heartbeat. Client id claims keep their TTL everywhere (they outlive the connection).
 *
 * <p>With credentials configured, a client id also has an owner: the principal ({@code key:NAME},
 * {@code jwt:SUB}) that took it, held while it is connected and for the TTL after. Another
 * principal cannot take it meanwhile, nor send it personal messages (admins may); its owner may
 * replace its own older connection. Ids of the form {@code key:NAME:…} and {@code jwt:SUB:…} belong
 * to that principal alone, connected or not.
 *
 * <p>Connection entries and claims are for ids clients choose. An id the server assigns names the
 * gateway instance holding its connection ({@link AssignedClientIds}) and is kept there alone: no
 * entry to write before the welcome or to refresh at every heartbeat (in a cluster, a Hazelcast
 * write each). {@link InstanceMailbox} applies the same ownership rule at that instance, from the
 * principal that opened the connection, for as long as it is open.
 */
final class Presence {

  private static final String CLIENTS = "switchboard.ws.clients";
  private static final String OWNERS = "switchboard.ws.owners";
  private static final String ROOM_PREFIX = "switchboard.ws.room.";

  private final Vertx vertx;
  private final long ttlMs;
  /** Whether connection and room entries expire (only a cluster's: a node may die without a goodbye). */
  private final boolean expiring;

  Presence(Vertx vertx, long ttlMs) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
    this.expiring = vertx.isClustered();
  }

  /** Whether live connections must keep refreshing their connection and room entries. */
  boolean expires() {
    return expiring;
  }

  /**
   * Takes {@code clientId} for {@code principal}, or fails with a 403 problem ({@code client-id-taken})
   * when it belongs to another. A hub without credentials has one principal: nothing to take.
   */
  Future<Void> claim(String clientId, Principal principal) {
    if (principal.anonymous()) {
      return Future.succeededFuture();
    }
    if (!namespaceAllows(clientId, principal)) {
      return Future.failedFuture(taken(clientId));
    }
    return owners().compose(map -> map.putIfAbsent(clientId, principal.name(), ttlMs)
        .compose(previous -> previous == null || previous.equals(principal.name())
            ? map.put(clientId, principal.name(), ttlMs) : Future.failedFuture(taken(clientId))));
  }

  /** Keeps a live client's claim from running out. */
  Future<Void> keepClaim(String clientId, Principal principal) {
    return principal.anonymous() ? Future.succeededFuture()
        : owners().compose(map -> map.put(clientId, principal.name(), ttlMs));
  }

  /**
   * Whether {@code principal} may send {@code clientId} personal messages: its owner, an admin, or
   * anyone on a hub without credentials.
   */
  Future<Boolean> mayMessage(String clientId, Principal principal) {
    if (principal.anonymous() || principal.has(Scope.ADMIN)) {
      return Future.succeededFuture(true);
    }
    if (!namespaceAllows(clientId, principal)) {
      return Future.succeededFuture(false);
    }
    return owners().compose(map -> map.get(clientId)).map(owner -> owner == null || owner.equals(principal.name()));
  }

  /** An id in a principal's namespace ({@code key:NAME:…}, {@code jwt:SUB:…}) is that principal's alone. */
  private static boolean namespaceAllows(String clientId, Principal principal) {
    boolean namespaced = clientId.startsWith("key:") || clientId.startsWith("jwt:");
    return !namespaced || clientId.startsWith(principal.name() + ":");
  }

  private static Problem taken(String clientId) {
    return new Problem(403, "client-id-taken", "Forbidden", "the client id " + clientId + " belongs to another credential");
  }

  Future<String> connectionOf(String clientId) {
    return clients().compose(map -> map.get(clientId));
  }

  Future<Void> connected(String clientId, String connectionId) {
    return clients().compose(map -> put(map, clientId, connectionId));
  }

  Future<Void> disconnected(String clientId, String connectionId) {
    return clients().compose(map -> map.removeIfPresent(clientId, connectionId)).mapEmpty();
  }

  Future<Void> joined(String room, String clientId, String connectionId) {
    return room(room).compose(map -> put(map, clientId, connectionId));
  }

  private Future<Void> put(AsyncMap<String, String> map, String clientId, String connectionId) {
    return expiring ? map.put(clientId, connectionId, ttlMs) : map.put(clientId, connectionId);
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

  private Future<AsyncMap<String, String>> owners() {
    return vertx.sharedData().getAsyncMap(OWNERS);
  }

  private Future<AsyncMap<String, String>> room(String room) {
    return vertx.sharedData().getAsyncMap(ROOM_PREFIX + room);
  }
}
