package io.switchboard.gateway;

import io.switchboard.core.TopicPublisher;
import io.switchboard.gateway.security.RateLimiter;
import io.vertx.core.Vertx;

/**
 * What the WebSocket connections of one gateway instance share; {@code source} is the CloudEvent
 * source of a published event that names none, {@code publisher} hands their publishes to the router.
 */
record WsContext(Vertx vertx, WsSettings settings, LocalSubscriptions subscriptions, Rooms rooms, Presence presence,
                 ConnectionMetrics metrics, RateLimiter rates,
                 LocalClients byClientId, GroupClient groups, String source, TopicPublisher publisher) {}
