package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Several publishes handed to this node's topic router in one request on
 * {@link Addresses#TOPICS_PUBLISH}, in the order they were taken in (what a gateway instance
 * received in one turn of its event loop): one request and one reply for all of them instead of one
 * each. The router answers with {@link Outcomes}, one per publish in the same order.
 *
 * @param publications the publishes, handed over with the request (the sender does not touch them again)
 */
public record TopicPublications(List<TopicPublication> publications) {

  /**
   * The router's answer: for each publish, in order, the accepted event's id (a String) or the
   * {@link Problem} that refused it.
   */
  public record Outcomes(List<Object> outcomes) {

    JsonObject toJson() {
      JsonArray list = new JsonArray();
      for (Object outcome : outcomes) {
        list.add(outcome instanceof Problem problem
            ? new JsonObject().put("problem", problem.toJson()) : new JsonObject().put("id", outcome));
      }
      return new JsonObject().put("outcomes", list);
    }

    static Outcomes fromJson(JsonObject json) {
      List<Object> outcomes = new ArrayList<>();
      for (Object entry : json.getJsonArray("outcomes")) {
        JsonObject outcome = (JsonObject) entry;
        JsonObject problem = outcome.getJsonObject("problem");
        outcomes.add(problem == null ? outcome.getString("id") : Problem.from(
            new ReplyException(ReplyFailure.RECIPIENT_FAILURE, problem.getInteger("status", 500), problem.encode()),
            Addresses.TOPICS_PUBLISH));
      }
      return new Outcomes(outcomes);
    }
  }

  /** Registers both codecs on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodecs(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicPublications.class, new HandedOverCodec<>("switchboard.topic-publications",
        TopicPublications::toJson, TopicPublications::fromJson));
    HandedOverCodec.registerDefault(vertx, Outcomes.class, new HandedOverCodec<>("switchboard.topic-publication-outcomes",
        Outcomes::toJson, Outcomes::fromJson));
  }

  JsonObject toJson() {
    JsonArray list = new JsonArray();
    publications.forEach(p -> list.add(p.toJson()));
    return new JsonObject().put("publications", list);
  }

  static TopicPublications fromJson(JsonObject json) {
    List<TopicPublication> list = new ArrayList<>();
    for (Object entry : json.getJsonArray("publications")) {
      JsonObject p = (JsonObject) entry;
      list.add(new TopicPublication(p.getString("topic"), Envelope.of(p.getJsonObject("event"), "/")));
    }
    return new TopicPublications(list);
  }
}
