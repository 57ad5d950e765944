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
  private String websocket;
  private long sequence = -1;

  OutboundFrames(TopicEvent event) {
    this.event = event;
  }

  TopicEvent event() {
    return event;
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

  /** {@code {"type":"event","topic":…,"event":{envelope}}}; topic names need no JSON escaping. */
  String websocket() {
    if (websocket == null) {
      websocket = "{\"type\":\"event\",\"topic\":\"" + event.topic() + "\",\"event\":" + event.event() + "}";
    }
    return websocket;
  }
}
