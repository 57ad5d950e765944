package io.switchboard.queue;

import java.util.Map;

/**
 * Delayed delivery (publishes with {@code delay_ms}, retry back-off) without a broker plugin: a
 * message waits in {@code {queue}.delay.{ms}}, a queue whose every message has the same TTL, and
 * dead-letters back into {@code {queue}} when it expires. One TTL per queue keeps expiry in order
 * (a per-message TTL would wait behind the head). Delays are rounded up to a step, so the number
 * of such queues stays small and a message never arrives early; unused ones expire by themselves.
 *
 * <p>When the broker has the rabbitmq_delayed_message_exchange plugin, messages go instead through
 * the {@code x-delayed-message} exchange {@link #PLUGIN_EXCHANGE} with an {@code x-delay} header.
 */
final class Delays {

  static final String PLUGIN_EXCHANGE = "switchboard.delayed";

  private Delays() {}

  /** The delay actually applied: rounded up to 100 ms below 10 s, to 1 s below 10 min, else to 1 min. */
  static long round(long delayMs) {
    if (delayMs <= 0) {
      return 0;
    }
    long step = delayMs < 10_000 ? 100 : delayMs < 600_000 ? 1000 : 60_000;
    return (delayMs + step - 1) / step * step;
  }

  static String queueName(String queue, long roundedMs) {
    return queue + ".delay." + roundedMs;
  }

  /**
   * The waiting queue's arguments. It expires after {@link #expiresMs} without use; the publisher
   * re-declares it at least every half of that, so it always outlives the messages in it.
   */
  static Map<String, Object> queueArguments(String queue, long roundedMs) {
    return Map.of(
        "x-queue-type", "classic",
        "x-message-ttl", roundedMs,
        "x-dead-letter-exchange", "",
        "x-dead-letter-routing-key", queue,
        "x-expires", expiresMs(roundedMs));
  }

  static long expiresMs(long roundedMs) {
    return 2 * roundedMs + 600_000;
  }
}
