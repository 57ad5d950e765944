package io.switchboard.gateway;

/** Event-bus addresses of WebSocket clients and rooms (cluster-wide, published). */
final class RealtimeAddresses {

  private RealtimeAddresses() {}

  /** Every gateway instance: write {@code frame} to all its WebSocket clients. */
  static final String BROADCAST = "switchboard.ws.broadcast";

  /** {@code {"frame"}} for one client id's connection, or {@code {"replaced_by"}} to close an older one. */
  static String client(String clientId) {
    return "switchboard.ws.client." + clientId;
  }

  /** {@code {"frame", "exclude"?}} for the members of a room, on whatever instance they are. */
  static String room(String room) {
    return "switchboard.ws.room." + room;
  }
}
