package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicPublication;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Takes topic messages that bridge clients published on {@code switchboard.topic.{topic}} off the
 * event bus before delivery and publishes them through the topic router instead. Only messages
 * the bridge hook has checked and marked are touched; the router's own publishes pass untouched.
 */
final class TopicIngress implements Handler<DeliveryContext<Object>> {

  /** Header the bridge hook sets (to the transport's name) on a checked topic publish. */
  static final String MARKER = "switchboard-bridge-publish";

  private final Vertx vertx;
  private final String source;

  TopicIngress(Vertx vertx, String source) {
    this.vertx = vertx;
    this.source = source;
  }

  void install() {
    vertx.eventBus().addOutboundInterceptor(this);
  }

  void uninstall() {
    vertx.eventBus().removeOutboundInterceptor(this);
  }

  @Override
  public void handle(DeliveryContext<Object> context) {
    // Headers last: asking a message without headers for them allocates a map, on every message.
    String address = context.message().address();
    if (context.send() || !address.startsWith(Addresses.TOPIC_PREFIX)) {
      context.next();
      return;
    }
    String transport = context.message().headers().get(MARKER);
    if (transport == null || !(context.body() instanceof JsonObject event)) {
      context.next();
      return;
    }
    // The bridge hook checked the topic and the event; completed here, on the sender's loop, the
    // router orders them as they are (a publish on the bridge has no answer to carry a refusal).
    TopicPublication publication;
    try {
      publication = new TopicPublication(address.substring(Addresses.TOPIC_PREFIX.length()), Envelope.of(event, source));
    } catch (Problem refused) {
      return; // cannot fail after the hook's check of the same event (which counted a refusal): never published unchecked
    }
    vertx.eventBus().request(Addresses.TOPICS_PUBLISH, publication, new DeliveryOptions().addHeader(Addresses.ORIGIN_HEADER, transport));
  }
}
