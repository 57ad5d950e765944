package io.switchboard.gateway;

import io.switchboard.gateway.security.RateLimiter;
import io.vertx.core.Vertx;

/** What the WebSocket connections of one gateway instance share. */
record WsContext(Vertx vertx, WsSettings settings, LocalSubscriptions subscriptions, Rooms rooms, Presence presence,
                 ConnectionMetrics metrics, RateLimiter rates,
                 LocalClients byClientId, GroupClient groups) {}
