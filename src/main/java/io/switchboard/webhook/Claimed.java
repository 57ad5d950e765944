package io.switchboard.webhook;

/**
 * A delivery a sender claimed: its row is leased to the claim until {@code leaseUntil}.
 *
 * @param attempts     attempts made before this one
 * @param scheduleStep how far along the retry schedule it is
 */
record Claimed(String id, String endpointId, String eventId, String eventType, String body, int attempts, int scheduleStep,
               String claim, long leaseUntil) {}
