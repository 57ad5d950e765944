package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Several publishes handed to this node's topic router in one request on
 * {@link Addresses#TOPICS_PUBLISH}, in the order they were taken in (what a gateway instance
 * received in one turn of its event loop): one request and one reply for all of them instead of one
 * each. The router answers with {@link Accepted}, one id per publish in the same order.
 *
 * @param publications the publishes, handed over with the request (the sender does not touch them again)
 */
public record TopicPublications(List<TopicPublication> publications) {

  /**
   * The router's answer: the accepted events' ids, one per publish in the same order (each event was
   * checked where it came in, so the router refuses none of them; a request fails only as a whole).
   */
  public record Accepted(List<String> ids) {

    JsonObject toJson() {
      return new JsonObject().put("ids", new JsonArray(new ArrayList<Object>(ids)));
    }

    static Accepted fromJson(JsonObject json) {
      List<String> ids = new ArrayList<>();
      json.getJsonArray("ids").forEach(id -> ids.add((String) id));
      return new Accepted(ids);
    }
  }

  /** Registers both codecs on this Vert.x instance; safe to call from every verticle. */
  public static void registerCodecs(Vertx vertx) {
    HandedOverCodec.registerDefault(vertx, TopicPublications.class, new HandedOverCodec<>("switchboard.topic-publications",
        TopicPublications::toJson, TopicPublications::fromJson));
    HandedOverCodec.registerDefault(vertx, Accepted.class, new HandedOverCodec<>("switchboard.topic-publications-accepted",
        Accepted::toJson, Accepted::fromJson));
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
