package io.switchboard.gateway;

/** Event-bus addresses of WebSocket clients and rooms (cluster-wide, published). */
final class RealtimeAddresses {

  private RealtimeAddresses() {}

  /** Every gateway instance: write {@code frame} to all its WebSocket clients. */
  static final String BROADCAST = "switchboard.ws.broadcast";

  /**
   * Personal messages, cluster-wide, to every gateway instance: {@code {"client_id", "frame"}} for
   * that client's connection, or {@code {"client_id", "replaced_by"}} to close an older one. One
   * consumer per gateway instance, looked up in its own connections, rather than one per
   * connection: a reconnect storm registers nothing on the event bus (in a cluster each
   * registration is a Hazelcast write).
   */
  static final String CLIENTS = "switchboard.ws.clients";

  /** {@code {"frame", "exclude"?}} for the members of a room, on whatever instance they are. */
  static String room(String room) {
    return "switchboard.ws.room." + room;
  }
}
