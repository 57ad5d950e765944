package io.switchboard.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.switchboard.core.TopicEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * The wire forms of one message, built at most once per gateway instance however many
 * connections receive it.
 */
final class OutboundFrames {

  private final TopicEvent event;
  private byte[] envelopeBytes;
  private Buffer sse;
  private Buffer websocket;
  private ByteBuf websocketWire;
  private java.nio.ByteBuffer websocketWireBytes;
  private boolean released;
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
      byte[] head = ("id: " + event.cursor() + "\nevent: " + event.type() + "\ndata: ").getBytes(StandardCharsets.UTF_8);
      byte[] envelope = envelopeBytes();
      byte[] text = new byte[head.length + envelope.length + 2];
      System.arraycopy(head, 0, text, 0, head.length);
      System.arraycopy(envelope, 0, text, head.length, envelope.length);
      text[text.length - 2] = '\n';
      text[text.length - 1] = '\n';
      sse = BufferInternal.buffer(Unpooled.wrappedBuffer(text));
    }
    return sse;
  }

  /** The envelope's UTF-8 bytes, encoded once for every transport that carries it. */
  private byte[] envelopeBytes() {
    if (envelopeBytes == null) {
      envelopeBytes = event.event().getBytes(StandardCharsets.UTF_8);
    }
    return envelopeBytes;
  }

  /**
   * {@code {"type":"event","topic":…,"cursor":…,"event":{envelope}}} as UTF-8, the same buffer
   * for every socket; topic names and cursors need no JSON escaping.
   */
  Buffer websocket() {
    if (websocket == null) {
      websocket = SharedFrame.of(websocketText(event, envelopeBytes())); // compressed at most once, for sockets with permessage-deflate
    }
    return websocket;
  }

  /**
   * The message's UTF-8 bytes in one array of exactly their size: the envelope is encoded once and
   * copied once (appending to a growing buffer and then copying it out cost a second copy of every
   * message, 11 MB in a 23 s fan-out window). Topic names and cursors are ASCII.
   */
  static byte[] websocketText(TopicEvent event, byte[] envelope) {
    String head = event.cursor() == null
        ? "{\"type\":\"event\",\"topic\":\"" + event.topic() + "\",\"event\":"
        : "{\"type\":\"event\",\"topic\":\"" + event.topic() + "\",\"cursor\":\"" + event.cursor() + "\",\"event\":";
    int headLength = head.length();
    byte[] text = new byte[headLength + envelope.length + 1];
    head.getBytes(0, headLength, text, 0); // ASCII: one byte per char
    System.arraycopy(envelope, 0, text, headLength, envelope.length);
    text[text.length - 1] = '}';
    return text;
  }

  /**
   * The {@link #websocket()} message as a whole WebSocket text frame, header included, in direct
   * memory: server frames are not masked, so these bytes are right for every socket that did not
   * negotiate an extension, and each socket writes a view of them instead of encoding and copying
   * its own. Null once {@link #release released} (a frame held for later goes the usual way).
   */
  ByteBuf websocketWire() {
    if (websocketWire == null && !released) {
      ByteBuf payload = ((BufferInternal) websocket()).getByteBuf();
      int length = payload.readableBytes();
      ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(length + 10);
      frame.writeByte(0x81); // FIN, text
      if (length < 126) {
        frame.writeByte(length);
      } else if (length <= 0xFFFF) {
        frame.writeByte(126).writeShort(length);
      } else {
        frame.writeByte(127).writeLong(length);
      }
      frame.writeBytes(payload, payload.readerIndex(), length);
      websocketWire = frame;
    }
    return websocketWire;
  }

  /**
   * The {@link #websocketWire} frame's bytes as one NIO buffer, rewound, for a socket's system call
   * ({@link SocketWrites}): made once per message, used by one socket at a time on this instance's
   * event loop, and only until {@link #release}. Only after {@code websocketWire()} returned a frame.
   */
  java.nio.ByteBuffer websocketWireBytes() {
    if (websocketWireBytes == null) {
      websocketWireBytes = websocketWire.nioBuffer();
    }
    return websocketWireBytes.rewind();
  }

  /** The delivery to this instance's connections is over: the shared wire frame goes back to the pool. */
  void release() {
    released = true;
    websocketWireBytes = null;
    if (websocketWire != null) {
      websocketWire.release();
      websocketWire = null;
    }
  }
}
