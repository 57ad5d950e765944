package io.switchboard.testing;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A WebSocket client on the JDK's HttpClient: JSON frames in, a queue of JSON frames out. */
public final class WsClient implements AutoCloseable {

  private final WebSocket socket;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final java.util.concurrent.CompletableFuture<Integer> closeCode = new java.util.concurrent.CompletableFuture<>();

  private WsClient(URI uri, String... headers) {
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    StringBuilder partial = new StringBuilder();
    this.socket = builder.buildAsync(uri, new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          frames.add(new JsonObject(partial.toString()));
          partial.setLength(0);
        }
        ws.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
      }
    }).join();
  }

  public static WsClient connect(URI uri, String... headers) {
    return new WsClient(uri, headers);
  }

  public void send(JsonObject frame) {
    socket.sendText(frame.encode(), true).join();
  }

  /** The next frame that matches (others are dropped); fails after the timeout. */
  public JsonObject next(Predicate<JsonObject> wanted, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject frame = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
        if (frame == null) {
          throw new AssertionError("no matching frame within " + timeout);
        }
        if (wanted.test(frame)) {
          return frame;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public JsonObject next(String type, Duration timeout) {
    return next(f -> type.equals(f.getString("type")), timeout);
  }

  /** The close code the server sent; fails when the socket is still open after the timeout. */
  public int awaitClose(Duration timeout) {
    try {
      return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("not closed within " + timeout);
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops the connection without a close handshake, as a crashed process would. */
  public void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    socket.abort();
  }
}
