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

  /**
   * One gateway instance's own address (request and reply), for the connections whose id the server
   * assigned and which therefore name it ({@link AssignedClientIds}): {@code {"client_id", "frame",
   * "as"?}} delivers a personal message, {@code {"client_id", "replaced_by", "as"?}} closes the
   * instance's connections with that id for a newer one. {@code as} is the sender's principal when
   * the holder's must match it. Fails with a 404 problem when the instance holds no such client, a
   * 403 one when its holder is another principal's.
   */
  static String instance(String token) {
    return "switchboard.ws.instance." + token;
  }

  /** {@code {"frame", "exclude"?}} for the members of a room, on whatever instance they are. */
  static String room(String room) {
    return "switchboard.ws.room." + room;
  }
}
