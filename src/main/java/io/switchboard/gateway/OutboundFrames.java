package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;
import io.vertx.core.buffer.Buffer;

/**
 * The wire forms of one message, built at most once per gateway instance however many
 * connections receive it.
 */
final class OutboundFrames {

  private final TopicEvent event;
  private Buffer sse;
  private Buffer websocket;
  private io.vertx.core.json.JsonObject envelope;
  private long sequence = -1;

  OutboundFrames(TopicEvent event) {
    this.event = event;
  }

  TopicEvent event() {
    return event;
  }

  /** The envelope parsed once, for bridge watches (the event bus copies it per send). */
  io.vertx.core.json.JsonObject envelope() {
    if (envelope == null) {
      envelope = event.eventJson();
    }
    return envelope;
  }

  /** The event's place in this node's delivery order, parsed from its cursor once. */
  long sequence() {
    if (sequence < 0) {
      sequence = event.sequence();
    }
    return sequence;
  }

  /** {@code id: cursor / event: type / data: envelope}; the envelope is one line of JSON. */
  Buffer sse() {
    if (sse == null) {
      sse = Buffer.buffer(event.event().length() + event.type().length() + 48)
          .appendString("id: ").appendString(event.cursor())
          .appendString("\nevent: ").appendString(event.type())
          .appendString("\ndata: ").appendString(event.event())
          .appendString("\n\n");
    }
    return sse;
  }

  /**
   * {@code {"type":"event","topic":…,"cursor":…,"event":{envelope}}} as UTF-8, the same buffer
   * for every socket; topic names and cursors need no JSON escaping.
   */
  Buffer websocket() {
    if (websocket == null) {
      websocket = Buffer.buffer(event.event().length() + event.topic().length() + 64)
          .appendString("{\"type\":\"event\",\"topic\":\"").appendString(event.topic());
      if (event.cursor() != null) {
        websocket.appendString("\",\"cursor\":\"").appendString(event.cursor());
      }
      websocket.appendString("\",\"event\":").appendString(event.event()).appendString("}");
      websocket = SharedFrame.of(websocket); // compressed at most once, for sockets with permessage-deflate
    }
    return websocket;
  }
}
