package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

/** The CloudEvent ⇄ AMQP message mapping, the one place that knows which property carries what. */
final class AmqpMessages {

  static final String RETRY_COUNT = "x-retry-count";
  static final String LAST_ERROR = "x-last-error";
  static final String FAILED_AT = "x-failed-at";
  static final String APP_ID = "switchboard";
  private static final int MAX_ERROR_LENGTH = 1000;

  private AmqpMessages() {}

  /** Thrown for a delivery the hub cannot read: it goes straight to the dead-letter queue. */
  static final class Poison extends Exception {
    Poison(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Properties of a hub message: persistent, the envelope's id and correlation id, readable by any client. */
  static AMQP.BasicProperties properties(Envelope envelope, String replyTo, Integer priority, Long ttlMs,
                                         Map<String, Object> headers) {
    return new AMQP.BasicProperties.Builder()
        .contentType(Envelope.MEDIA_TYPE)
        .contentEncoding("utf-8")
        .deliveryMode(2)
        .messageId(envelope.id())
        .correlationId(envelope.correlationId())
        .replyTo(replyTo)
        .priority(priority)
        .expiration(ttlMs == null ? null : Long.toString(ttlMs))
        .type(envelope.type())
        .timestamp(new Date())
        .appId(APP_ID)
        .headers(headers == null || headers.isEmpty() ? null : headers)
        .build();
  }

  static byte[] body(Envelope envelope) {
    return envelope.encode().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The event a delivery carries, as JSON. A message the hub published (its {@code app_id} and
   * content type say so) was validated then and is only checked for its required attributes here;
   * anything else goes through {@link #envelope}.
   */
  static JsonObject event(byte[] body, AMQP.BasicProperties properties, String defaultSource) throws Poison {
    if (APP_ID.equals(properties.getAppId()) && Envelope.MEDIA_TYPE.equals(properties.getContentType())) {
      Object value;
      try {
        value = Json.decodeValue(Buffer.buffer(body));
      } catch (DecodeException e) {
        throw new Poison("the body is not JSON (" + body.length + " bytes" + contentType(properties) + ")");
      }
      if (value instanceof JsonObject event && isString(event, "id") && isString(event, "type")
          && isString(event, "source") && Envelope.SPEC_VERSION.equals(event.getValue("specversion"))) {
        return event;
      }
    }
    return envelope(body, properties, defaultSource).toJson();
  }

  private static boolean isString(JsonObject json, String field) {
    return json.getValue(field) instanceof String s && !s.isEmpty();
  }

  /**
   * Reads a delivery as a CloudEvent: a structured event as it is; any other JSON value (an outside
   * AMQP client's message) becomes {@code data}, with type, id and correlation id from its properties.
   */
  static Envelope envelope(byte[] body, AMQP.BasicProperties properties, String defaultSource) throws Poison {
    Object value;
    try {
      value = Json.decodeValue(Buffer.buffer(body));
    } catch (DecodeException e) {
      throw new Poison("the body is not JSON (" + body.length + " bytes" + contentType(properties) + ")");
    }
    try {
      if (value instanceof JsonObject object && object.containsKey("specversion")) {
        return Envelope.of(object, defaultSource);
      }
      JsonObject candidate = new JsonObject()
          .put("type", properties.getType() != null && !properties.getType().isBlank() ? properties.getType() : "amqp.message")
          .put("datacontenttype", "application/json")
          .put("data", value);
      if (properties.getMessageId() != null && !properties.getMessageId().isBlank()) {
        candidate.put("id", properties.getMessageId());
      }
      if (properties.getCorrelationId() != null && !properties.getCorrelationId().isBlank()) {
        candidate.put("correlationid", properties.getCorrelationId());
      }
      return Envelope.of(candidate, defaultSource);
    } catch (Problem e) {
      throw new Poison("not a valid CloudEvent: " + e.detail());
    }
  }

  private static String contentType(AMQP.BasicProperties properties) {
    return properties.getContentType() == null ? "" : ", content type " + properties.getContentType();
  }

  static int retryCount(AMQP.BasicProperties properties) {
    Object count = properties.getHeaders() == null ? null : properties.getHeaders().get(RETRY_COUNT);
    if (count instanceof Number n) {
      return Math.max(0, n.intValue());
    }
    if (count != null) {
      try {
        return Math.max(0, Integer.parseInt(count.toString()));
      } catch (NumberFormatException ignored) {
        // a header some other client set: count from zero
      }
    }
    return 0;
  }

  /** The same message with failure headers: {@code x-retry-count}, {@code x-last-error}, {@code x-failed-at}. */
  static AMQP.BasicProperties failed(AMQP.BasicProperties properties, int retryCount, String error) {
    Map<String, Object> headers = new HashMap<>(properties.getHeaders() == null ? Map.of() : properties.getHeaders());
    headers.put(RETRY_COUNT, retryCount);
    headers.put(LAST_ERROR, error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) + "…" : error);
    headers.put(FAILED_AT, java.time.Instant.now().toString());
    // Persistent whoever sent it first: a message the hub moves must survive a broker restart.
    return properties.builder().headers(headers).deliveryMode(2).build();
  }

  /** A dead letter sent back for another round of attempts. */
  static AMQP.BasicProperties requeued(AMQP.BasicProperties properties) {
    Map<String, Object> headers = new HashMap<>(properties.getHeaders() == null ? Map.of() : properties.getHeaders());
    headers.remove(RETRY_COUNT);
    headers.remove("x-death");
    headers.put("x-requeued-at", java.time.Instant.now().toString());
    return properties.builder().headers(headers).deliveryMode(2).build();
  }

  /** An RPC answer to {@code reply_to}, carrying the request's correlation id. */
  static AMQP.BasicProperties reply(AMQP.BasicProperties request, Object body) {
    String correlation = request.getCorrelationId() != null ? request.getCorrelationId() : request.getMessageId();
    boolean event = body instanceof JsonObject json && json.containsKey("specversion");
    return new AMQP.BasicProperties.Builder()
        .contentType(event ? Envelope.MEDIA_TYPE : "application/json")
        .contentEncoding("utf-8")
        .deliveryMode(2)
        .correlationId(correlation)
        .messageId(java.util.UUID.randomUUID().toString())
        .timestamp(new Date())
        .appId(APP_ID)
        .build();
  }

  static byte[] replyBody(Object body) {
    if (body instanceof Buffer buffer) {
      return buffer.getBytes();
    }
    return Json.encode(body).getBytes(StandardCharsets.UTF_8);
  }
}
