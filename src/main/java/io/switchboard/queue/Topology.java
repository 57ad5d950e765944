package io.switchboard.queue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares what the configuration describes, idempotently, on every (re)connection: the topic
 * exchange, each queue with its dead-letter queue, and the delayed-message exchange when the broker
 * has the plugin. A queue RabbitMQ refuses (it exists with other arguments, say) is reported and
 * left out; the others work.
 */
final class Topology {

  private static final Logger log = LoggerFactory.getLogger(Topology.class);

  private Topology() {}

  /** Link thread. Returns the queues that could not be declared, each with the broker's reason. */
  static Map<String, String> declare(Connection connection, BridgeSettings settings, boolean delayPlugin) throws Exception {
    Map<String, String> broken = new LinkedHashMap<>();
    Channel channel = connection.createChannel();
    try {
      channel.exchangeDeclare(settings.topicExchange(), "topic", true);
      for (QueueSpec spec : settings.queues().values()) {
        try {
          declareQueue(channel, spec, delayPlugin);
        } catch (Exception e) {
          String reason = RabbitLink.describe(e);
          if (broken.put(spec.name(), "RabbitMQ refused to declare queue '" + spec.name() + "': " + reason) == null) {
            log.error("queue {} is unusable: RabbitMQ refused its declaration: {}", spec.name(), reason);
          }
          // A refused declaration closes the channel: carry on with a new one.
          channel = reopen(connection, channel);
        }
      }
    } finally {
      if (channel.isOpen()) {
        channel.close();
      }
    }
    return broken;
  }

  /** One queue with its dead-letter queue (and its delayed-message binding). */
  static void declareQueue(Channel channel, QueueSpec spec, boolean delayPlugin) throws java.io.IOException {
    channel.queueDeclare(spec.deadLetterQueue(), true, false, false, spec.deadLetterArguments());
    channel.queueDeclare(spec.name(), true, false, false, spec.arguments());
    if (delayPlugin) {
      channel.queueBind(spec.name(), Delays.PLUGIN_EXCHANGE, spec.name());
    }
  }

  private static Channel reopen(Connection connection, Channel channel) throws Exception {
    if (channel.isOpen()) {
      channel.abort();
    }
    return connection.createChannel();
  }

  /**
   * Whether the broker has the delayed-message exchange type. Asked on a connection of its own:
   * RabbitMQ answers an unknown exchange type by closing the whole connection.
   */
  static boolean detectDelayPlugin(ConnectionFactory factory) {
    try (Connection probe = factory.newConnection()) {
      Channel channel = probe.createChannel();
      channel.exchangeDeclare(Delays.PLUGIN_EXCHANGE, "x-delayed-message", true, false, Map.of("x-delayed-type", "direct"));
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
