package io.switchboard.queue;

import com.rabbitmq.client.AMQP;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which RabbitMQ messages carry erased data: the event ids the store erased, the erased streams
 * (as the CloudEvent's {@code subject} or {@code stream} attribute, or as any string in its data)
 * and, for an erasure by a metadata field, that field as a CloudEvent attribute or the value
 * anywhere in the data. A body that is not JSON is matched on its text (erasure errs on the side
 * of removing).
 */
final class ErasedMessages {

  private final Set<String> ids = new HashSet<>();
  private final Set<String> streams = new HashSet<>();
  private final Set<String> values = new HashSet<>();
  private final JsonObject metadata;

  /** {@code {"event_ids"?, "streams"?, "metadata"?: {"field": value}}}, as the gateway sends it. */
  ErasedMessages(JsonObject request) {
    request.getJsonArray("event_ids", new JsonArray()).forEach(id -> ids.add(String.valueOf(id)));
    request.getJsonArray("streams", new JsonArray()).forEach(s -> streams.add(String.valueOf(s)));
    metadata = request.getValue("metadata") instanceof JsonObject m ? m : new JsonObject();
    metadata.forEach(field -> {
      if (field.getValue() != null) {
        values.add(String.valueOf(field.getValue()));
      }
    });
  }

  boolean isEmpty() {
    return ids.isEmpty() && streams.isEmpty() && values.isEmpty();
  }

  boolean matches(AMQP.BasicProperties properties, byte[] body) {
    if (properties != null && properties.getMessageId() != null && ids.contains(properties.getMessageId())) {
      return true;
    }
    Object value;
    try {
      value = Json.decodeValue(Buffer.buffer(body));
    } catch (DecodeException e) {
      String text = new String(body, StandardCharsets.UTF_8);
      return streams.stream().anyMatch(text::contains) || values.stream().anyMatch(text::contains);
    }
    if (value instanceof JsonObject event && event.containsKey("specversion")) {
      if (event.getValue("id") instanceof String id && ids.contains(id)) {
        return true;
      }
      if (streams.contains(event.getValue("subject")) || streams.contains(event.getValue("stream"))) {
        return true;
      }
      for (Map.Entry<String, Object> field : metadata) {
        if (field.getValue() != null && field.getValue().equals(event.getValue(field.getKey()))) {
          return true;
        }
      }
      return carries(event.getValue("data"));
    }
    // An outside client's message: its whole body is the data.
    return carries(value);
  }

  /** Whether a JSON value holds an erased stream id or metadata value anywhere in it. */
  private boolean carries(Object value) {
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> field : object) {
        if (carries(field.getValue())) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (carries(item)) {
          return true;
        }
      }
      return false;
    }
    if (value == null) {
      return false;
    }
    String text = String.valueOf(value);
    return streams.contains(text) || values.contains(text);
  }
}
