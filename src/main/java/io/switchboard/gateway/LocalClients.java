package io.switchboard.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The connections of one gateway instance by client id, for personal messages. Almost every id
 * has one connection (a second one replaces the first), so the connection itself is the map's
 * value and a list is made only while two overlap: a set per id would cost ~200 bytes per socket.
 *
 * <p>It also remembers, for the presence TTL, who owned the authenticated connections with ids this
 * instance assigned that have closed: such ids are in no cluster map, and without this another
 * credential that learned one (from a room's member list, say) could take it over the moment its
 * owner's mobile network dropped, and receive its personal messages.
 */
final class LocalClients {

  private final Map<String, Object> byId = new HashMap<>();
  /** Id to owner and when the claim ends, in the order they closed: every entry has the same TTL. */
  private final LinkedHashMap<String, Departed> departed = new LinkedHashMap<>();
  private final long departedTtlMs;

  private record Departed(String owner, long untilMs) {}

  LocalClients(long departedTtlMs) {
    this.departedTtlMs = departedTtlMs;
  }

  void add(String clientId, WsConnection connection) {
    byId.merge(clientId, connection, (held, added) -> {
      List<WsConnection> all = held instanceof WsConnection one ? new ArrayList<>(List.of(one)) : list(held);
      if (!all.contains(connection)) {
        all.add(connection);
      }
      return all;
    });
  }

  void remove(String clientId, WsConnection connection) {
    byId.computeIfPresent(clientId, (id, held) -> {
      if (held == connection) {
        return null;
      }
      if (held instanceof WsConnection) {
        return held;
      }
      List<WsConnection> all = list(held);
      all.remove(connection);
      return all.size() == 1 ? all.get(0) : all.isEmpty() ? null : all;
    });
  }

  /** The connections with that id (a copy: a handler may close one meanwhile). */
  List<WsConnection> get(String clientId) {
    Object held = byId.get(clientId);
    if (held == null) {
      return List.of();
    }
    return held instanceof WsConnection one ? List.of(one) : List.copyOf(list(held));
  }

  @SuppressWarnings("unchecked")
  private static List<WsConnection> list(Object held) {
    return (List<WsConnection>) held;
  }

  /** The connection with an assigned id of {@code owner} closed: the id stays {@code owner}'s for the TTL. */
  void departed(String clientId, String owner, long nowMs) {
    forgetExpired(nowMs);
    departed.remove(clientId); // re-inserted at the end, keeping the order of expiry
    departed.put(clientId, new Departed(owner, nowMs + departedTtlMs));
  }

  /** Who owned the closed connection with that id while its claim lasts, else null. */
  String departedOwner(String clientId, long nowMs) {
    forgetExpired(nowMs);
    Departed left = departed.get(clientId);
    return left == null ? null : left.owner();
  }

  void forgetDeparted(String clientId) {
    departed.remove(clientId);
  }

  private void forgetExpired(long nowMs) {
    for (Iterator<Departed> oldest = departed.values().iterator(); oldest.hasNext(); ) {
      if (oldest.next().untilMs() > nowMs) {
        return;
      }
      oldest.remove();
    }
  }
}
