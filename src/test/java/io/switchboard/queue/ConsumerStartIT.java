package io.switchboard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Addresses;
import io.switchboard.launch.HubSettings;
import io.switchboard.testing.AmqpClient;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, item 4: deployed by the launcher, the RabbitMQ bridge consumes only once the whole node
 * is up ({@code switchboard.hub.started}), so a delivery due at start does not find its TCP or SockJS
 * handler not yet connected. (The bridge publishes, and answers for its queues, from the start.)
 */
class ConsumerStartIT {

  @Test
  void queueConsumersStartOnlyOnceTheLauncherSaysTheNodeIsUp() throws Exception {
    Services.require(Services.Service.RABBITMQ);
    String queue = Services.unique("sbq") + ".start";
    JsonObject conf = HubSettings.defaultConf(new JsonObject().put("rabbitmq", new JsonObject()
        .put("uri", Services.RABBITMQ_URI)
        .put("queues", new JsonArray().add(new JsonObject().put("name", queue).put("handler", "test.start." + queue)))))
        .put(Addresses.AWAIT_HUB_STARTED, true);
    Vertx vertx = Vertx.vertx();
    try {
      TestHub.await(vertx.deployVerticle(QueueBridgeVerticle.class, new DeploymentOptions().setConfig(conf)));
      assertThat(consumers(vertx, queue)).as("consumers before the node is up").isZero();
      Thread.sleep(500);
      assertThat(consumers(vertx, queue)).as("consumers before the node is up").isZero();

      vertx.eventBus().publish(Addresses.HUB_STARTED, new JsonObject(), new DeliveryOptions().setLocalOnly(true));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (consumers(vertx, queue) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(consumers(vertx, queue)).as("consumers once the node is up").isEqualTo(1);
    } finally {
      TestHub.await(vertx.close());
      AmqpClient amqp = AmqpClient.connect();
      amqp.delete(queue, queue + ".dlq");
      amqp.close();
    }
  }

  private static int consumers(Vertx vertx, String queue) {
    return TestHub.await(vertx.eventBus().<JsonObject>request(Addresses.QUEUE_INSPECT, new JsonObject().put("queue", queue)))
        .body().getInteger("consumers");
  }
}
