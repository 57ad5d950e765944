package io.switchboard.webhook;

/** What a sender has to write down: an attempt and where it leaves its delivery, or a change of an endpoint. */
sealed interface Outcome {

  /**
   * An attempt was made. {@code status} is where the delivery goes: delivered, failed (the schedule
   * is over), or pending again until {@code nextAttemptAt}.
   */
  record Attempted(Claimed delivery, String status, int scheduleStep, long nextAttemptAt, long attemptedAt,
                   Integer httpStatus, int latencyMs, String excerpt, String error) implements Outcome {}

  /** Given back unattempted (its circuit opened, its endpoint went away): due again at {@code dueAt}. */
  record Released(Claimed delivery, long dueAt) implements Outcome {}

  /** The endpoint's failure streak and circuit, kept so another sender (or a restart) sees them. */
  record EndpointState(String endpointId, Long failingSince, String circuit) implements Outcome {}

  /** The endpoint failed for too long and is switched off. */
  record Disabled(String endpointId, String reason) implements Outcome {}
}
