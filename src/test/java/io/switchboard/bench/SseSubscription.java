package io.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.util.function.Consumer;

/** A benchmark's SSE stream of the hub: each event frame handed on, whole, as soon as it is complete. */
final class SseSubscription {

  private SseSubscription() {}

  /** Opens {@code /api/v1/stream?topics=…} on {@code client}; succeeds once the response has begun. */
  static Future<Void> open(HttpClient client, String topics, Consumer<String> onFrame) {
    return client.request(HttpMethod.GET, "/api/v1/stream?topics=" + topics).compose(req -> req.send()).map(resp -> {
      StringBuilder pending = new StringBuilder();
      resp.handler(chunk -> {
        pending.append(chunk.toString());
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          String frame = pending.substring(0, end);
          pending.delete(0, end + 2);
          onFrame.accept(frame);
        }
      });
      return null;
    });
  }

  /** The JSON after {@code data: } in a frame, or null for a frame without data (a comment). */
  static String data(String frame) {
    int data = frame.indexOf("data: ");
    return data < 0 ? null : frame.substring(data + 6);
  }
}
