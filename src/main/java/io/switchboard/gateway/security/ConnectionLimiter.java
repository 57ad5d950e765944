package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;

/**
 * Long-lived connections (SSE, WebSocket, SockJS) per client address (IPv6: per /64), counted
 * across the node's gateway instances.
 */
public final class ConnectionLimiter {

  private final LocalMap<String, Integer> open;
  private final int perAddress;

  public ConnectionLimiter(Vertx vertx, JsonObject conf) {
    this.open = vertx.sharedData().getLocalMap("switchboard.security.connections");
    this.perAddress = conf.getJsonObject("limits", new JsonObject()).getInteger("connections_per_ip", 1000);
  }

  /** Counts a new connection from the address, or throws 429 when it already has the most allowed. */
  public void acquire(String address) {
    boolean[] admitted = {false};
    open.compute(ClientAddresses.limitKey(address), (a, count) -> {
      int current = count == null ? 0 : count;
      if (current >= perAddress) {
        return count;
      }
      admitted[0] = true;
      return current + 1;
    });
    if (!admitted[0]) {
      throw new Problem(429, "too-many-connections", "Too many connections",
          "at most " + perAddress + " open connections per client address", new JsonObject().put("retry_after", 5));
    }
  }

  public void release(String address) {
    open.computeIfPresent(ClientAddresses.limitKey(address), (a, count) -> count <= 1 ? null : count - 1);
  }
}
