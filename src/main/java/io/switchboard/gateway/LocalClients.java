package io.switchboard.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The connections of one gateway instance by client id, for personal messages. Almost every id
 * has one connection (a second one replaces the first), so the connection itself is the map's
 * value and a list is made only while two overlap: a set per id would cost ~200 bytes per socket.
 */
final class LocalClients {

  private final Map<String, Object> byId = new HashMap<>();

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
}
