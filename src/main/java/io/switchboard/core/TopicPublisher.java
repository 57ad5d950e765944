package io.switchboard.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands one verticle instance's publishes to the node's topic router (a gateway's REST publishes,
 * the Redis relay's messages): those taken in during one turn of the instance's event loop go in
 * one request, in the order they came, by a task queued behind the work already waiting (issue 20:
 * not a request, a reply and a task on each verticle's loop per message). A lone publish goes as a
 * plain {@link TopicPublication}. Each publish gets its own outcome: a request that fails as a whole
 * (no router, no answer in time) fails each of its publishes.
 */
public final class TopicPublisher {

  private final EventBus eventBus;
  private final Context context;
  private final DeliveryOptions options;
  private List<TopicPublication> publications;
  private List<Promise<String>> outcomes;

  /** Created on the event loop of the instance that uses it; {@code options} go with every request. */
  public TopicPublisher(Vertx vertx, DeliveryOptions options) {
    this.eventBus = vertx.eventBus();
    this.context = vertx.getOrCreateContext();
    this.options = options;
  }

  /** The accepted event's id, or the failure that refused the publish (a Problem, or the request's). */
  public Future<String> publish(TopicPublication publication) {
    if (publications == null) {
      publications = new ArrayList<>();
      outcomes = new ArrayList<>();
      context.runOnContext(v -> send());
    }
    Promise<String> outcome = Promise.promise();
    publications.add(publication);
    outcomes.add(outcome);
    return outcome.future();
  }

  /** Sends what this turn gathered now, ahead of any later publish (the queued task then finds nothing). */
  public void flush() {
    send();
  }

  private void send() {
    if (publications == null) {
      return;
    }
    List<TopicPublication> batch = publications;
    List<Promise<String>> waiting = outcomes;
    publications = null;
    outcomes = null;
    try {
      request(batch, waiting);
    } catch (RuntimeException e) {
      waiting.forEach(outcome -> outcome.tryFail(e)); // never leave a client without an answer
    }
  }

  private void request(List<TopicPublication> batch, List<Promise<String>> waiting) {
    if (batch.size() == 1) {
      eventBus.<String>request(Addresses.TOPICS_PUBLISH, batch.get(0), options)
          .onComplete(reply -> {
            if (reply.succeeded()) {
              waiting.get(0).complete(reply.result().body());
            } else {
              waiting.get(0).fail(reply.cause());
            }
          });
      return;
    }
    eventBus.<TopicPublications.Accepted>request(Addresses.TOPICS_PUBLISH, new TopicPublications(batch), options)
        .onComplete(reply -> {
          for (int i = 0; i < waiting.size(); i++) {
            if (reply.failed()) {
              waiting.get(i).fail(reply.cause());
            } else {
              waiting.get(i).complete(reply.result().body().ids().get(i));
            }
          }
        });
  }
}
