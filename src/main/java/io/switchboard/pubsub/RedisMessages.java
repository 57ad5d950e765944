package io.switchboard.pubsub;

import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicName;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How Redis channels and payloads map to hub topics and CloudEvents, both ways.
 *
 * <p>In: {@code {prefix}{topic}} is topic {@code topic}; a CloudEvent payload enters as it is; any
 * other JSON becomes {@code data} of an envelope with the configured type; text that is not JSON
 * becomes a {@code text/plain} string, bytes that are not UTF-8 {@code data_base64}.
 *
 * <p>Out: the envelope JSON, marked with the {@value #RELAY_ATTRIBUTE} extension attribute naming
 * this relay, so that when Redis hands the message back to this relay's own subscription it is
 * recognised and not delivered twice.
 *
 * <p>Not thread-safe (one decoder): each relay instance has its own.
 */
final class RedisMessages {

  /** CloudEvents extension attribute naming the relay that wrote an event to Redis. */
  static final String RELAY_ATTRIBUTE = "switchboardrelay";

  private final String prefix;
  private final String wrapType;
  private final String source;
  /** The source of an event that names none, the same as for any other publish on this node. */
  private final String defaultSource;
  private final String relayId;
  private final int maxBytes;
  /** A payload that is JSON but not a CloudEvent becomes the data of an event with these attributes. */
  private final Envelope.Wrapping jsonWrapping;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  RedisMessages(RedisRelaySettings settings, String relayId, String source, String defaultSource) {
    this.defaultSource = defaultSource;
    this.prefix = settings.channelPrefix();
    this.wrapType = settings.wrapType();
    this.maxBytes = settings.maxMessageBytes();
    this.relayId = relayId;
    this.source = source;
    this.jsonWrapping = Envelope.wrapping(wrap("application/json"), defaultSource);
  }

  /** The hub topic a channel stands for; a 400 problem when the channel is not one. */
  String topicOf(String channel) {
    if (!channel.startsWith(prefix)) {
      throw Problem.badRequest("invalid-topic", "channel does not start with the prefix '" + prefix + "'");
    }
    return TopicName.validate(channel.substring(prefix.length()));
  }

  String channelOf(String topic) {
    return prefix + topic;
  }

  /**
   * The event for a Redis payload, validated and completed, or null when the payload is an event
   * this relay wrote itself.
   *
   * @throws Problem when the payload is too large or an invalid CloudEvent
   */
  Envelope eventOf(Buffer payload) {
    if (payload.length() > maxBytes) {
      throw Problem.tooLarge("the message is " + payload.length() + " bytes, the limit is " + maxBytes);
    }
    // ASCII is UTF-8 as it is: parsed from the bytes, without decoding them to a String first.
    boolean ascii = isAscii(payload);
    String text = null;
    if (!ascii) {
      byte[] bytes = payload.getBytes();
      try {
        text = utf8.reset().decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException notText) {
        return Envelope.of(wrap("application/octet-stream").put("data_base64", Base64.getEncoder().encodeToString(bytes)), defaultSource);
      }
    }
    int first = ascii ? firstNonBlank(payload) : firstNonBlank(text);
    if (first == '{' || first == '[') {
      Envelope event = Envelope.read(payload, jsonWrapping);
      if (event != null) {
        return relayId.equals(event.extension(RELAY_ATTRIBUTE)) ? null : event;
      }
    }
    Object json = looksLikeJson(first) ? (ascii ? parse(payload) : parse(text)) : NOT_JSON;
    if (json == NOT_JSON) {
      return Envelope.of(wrap("text/plain; charset=utf-8").put("data", text != null ? text : payload.toString(StandardCharsets.US_ASCII)),
          defaultSource);
    }
    return Envelope.of(wrap("application/json").put("data", json), defaultSource);
  }

  /** One pass over Netty's buffer: a {@code getByte} per byte checked the buffer's bounds and reference count each time. */
  private static boolean isAscii(Buffer payload) {
    return ((BufferInternal) payload).getByteBuf().forEachByte(b -> b >= 0) < 0;
  }

  /** The payload PUBLISHed for a hub message: its envelope, marked as written by this relay. */
  String payloadOf(TopicEvent event) {
    return new JsonObject(event.event()).put(RELAY_ATTRIBUTE, relayId).encode();
  }

  private JsonObject wrap(String contentType) {
    return new JsonObject().put("type", wrapType).put("source", source).put("datacontenttype", contentType);
  }

  private static final Object NOT_JSON = new Object();

  private static Object parse(String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return NOT_JSON;
    }
  }

  private static Object parse(Buffer bytes) {
    try {
      return Json.decodeValue(bytes);
    } catch (DecodeException e) {
      return NOT_JSON;
    }
  }

  private static boolean isBlank(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static int firstNonBlank(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (!isBlank(text.charAt(i))) {
        return text.charAt(i);
      }
    }
    return -1;
  }

  private static int firstNonBlank(Buffer ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (!isBlank(ascii.getByte(i))) {
        return ascii.getByte(i);
      }
    }
    return -1;
  }

  /** Spares plain text the cost of a failed parse. */
  private static boolean looksLikeJson(int c) {
    return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
  }
}
