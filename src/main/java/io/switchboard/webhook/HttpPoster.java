package io.switchboard.webhook;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSTs one signed delivery with vertx-web-client: to the address the guard checked, redirects not
 * followed, within the configured timeouts, keeping the first kilobyte of the answer.
 */
final class HttpPoster {

  /** What an attempt came to. {@code retryAfterMs} is the receiver's Retry-After (0 when none). */
  record Result(boolean success, Integer status, int latencyMs, String excerpt, String error, long retryAfterMs) {

    static Result failed(int latencyMs, String error) {
      return new Result(false, null, latencyMs, null, error, 0);
    }
  }

  static final String CONTENT_TYPE = "application/cloudevents+json; charset=utf-8";
  static final String USER_AGENT = "Switchboard-Webhooks/1.0";
  private static final int EXCERPT_BYTES = 1024;
  private static final long MAX_RESPONSE_BYTES = 1024 * 1024;

  private final WebClient client;
  private final int connectTimeoutMs;
  private final int requestTimeoutMs;

  HttpPoster(Vertx vertx, WebhookSettings settings) {
    this.connectTimeoutMs = settings.connectTimeoutMs();
    this.requestTimeoutMs = settings.requestTimeoutMs();
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout(connectTimeoutMs)
        .setFollowRedirects(false)
        .setKeepAlive(true)
        .setUserAgent(USER_AGENT)
        .setIdleTimeout(60)
        .setVerifyHost(true);
    // The senders cap requests per endpoint themselves; the pool must not be the tighter limit.
    this.client = WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(EndpointInput.MAX_IN_FLIGHT));
  }

  Future<Result> post(AddressGuard.Target target, InetAddress address, String webhookId, List<byte[]> keys, Buffer body) {
    long started = System.nanoTime();
    long timestamp = System.currentTimeMillis() / 1000;
    String signature = Signer.signature(keys, webhookId, timestamp, body.getBytes());
    long deadline = started + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMs + (long) requestTimeoutMs);
    return client.requestAbs(HttpMethod.POST, SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()),
            target.uri().toString())
        .timeout(requestTimeoutMs)
        .connectTimeout(connectTimeoutMs)
        .followRedirects(false)
        .putHeader("content-type", CONTENT_TYPE)
        .putHeader("webhook-id", webhookId)
        .putHeader("webhook-timestamp", String.valueOf(timestamp))
        .putHeader("webhook-signature", signature)
        .as(excerpt(deadline))
        .sendBuffer(body)
        // The request's own timeout restarts with every byte; this bounds the whole attempt.
        .timeout(connectTimeoutMs + (long) requestTimeoutMs, TimeUnit.MILLISECONDS)
        .map(response -> result(response, started))
        .otherwise(e -> Result.failed(millisSince(started), describe(e, millisSince(started))));
  }

  private Result result(HttpResponse<String> response, long started) {
    int status = response.statusCode();
    boolean success = status >= 200 && status < 300;
    long retryAfter = status == 429 || status == 503 ? retryAfterMs(response.getHeader("Retry-After"), System.currentTimeMillis()) : 0;
    return new Result(success, status, millisSince(started), response.body(), success ? null : "HTTP " + status, retryAfter);
  }

  /**
   * A Retry-After (RFC 9110 10.2.3) in milliseconds from {@code nowMs}: delay-seconds or an
   * HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime forms); 0 when absent, past or unreadable.
   */
  static long retryAfterMs(String header, long nowMs) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    String value = header.trim();
    if (value.matches("\\d{1,9}")) {
      return Long.parseLong(value) * 1000;
    }
    for (DateTimeFormatter format : HTTP_DATES) {
      try {
        return Math.max(0, ZonedDateTime.parse(value, format).toInstant().toEpochMilli() - nowMs);
      } catch (DateTimeParseException ignored) {
        // the next form
      }
    }
    return 0;
  }

  private static final List<DateTimeFormatter> HTTP_DATES = List.of(DateTimeFormatter.RFC_1123_DATE_TIME,
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss zzz", Locale.US),
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC));

  private String describe(Throwable e, int elapsedMs) {
    if (e instanceof io.netty.channel.ConnectTimeoutException) {
      return "no connection within " + connectTimeoutMs + " ms";
    }
    if (e instanceof TimeoutException || e instanceof io.netty.handler.timeout.TimeoutException) {
      // The request's own timeout (silence for request_timeout_ms) ends most; the whole-attempt bound the rest.
      return elapsedMs < connectTimeoutMs + requestTimeoutMs
          ? "no answer within " + requestTimeoutMs + " ms"
          : "no complete answer within " + (connectTimeoutMs + requestTimeoutMs) + " ms";
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
  }

  private static int millisSince(long started) {
    return (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  void close() {
    client.close();
  }

  /**
   * The response body as its first kilobyte (UTF-8, what a person reading the attempt needs); the
   * rest is read and dropped. A body over 1 MiB, or still arriving at the deadline, ends the attempt.
   */
  private static BodyCodec<String> excerpt(long deadlineNanos) {
    return () -> new BodyStream<>() {
      private final Promise<String> result = Promise.promise();
      private final Buffer kept = Buffer.buffer();
      private long received;

      @Override
      public Future<String> result() {
        return result.future();
      }

      @Override
      public void handle(Throwable failure) {
        result.tryFail(failure);
      }

      @Override
      public Future<Void> write(Buffer data) {
        received += data.length();
        if (received > MAX_RESPONSE_BYTES) {
          return Future.failedFuture("the response body is larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
        if (System.nanoTime() > deadlineNanos) {
          return Future.failedFuture(new TimeoutException("the response was still arriving at the deadline"));
        }
        if (kept.length() < EXCERPT_BYTES) {
          kept.appendBuffer(data, 0, Math.min(data.length(), EXCERPT_BYTES - kept.length()));
        }
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> end() {
        result.tryComplete(kept.length() == 0 ? null : new String(kept.getBytes(), StandardCharsets.UTF_8));
        return Future.succeededFuture();
      }

      @Override
      public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        return this;
      }

      @Override
      public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }

      @Override
      public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        return this;
      }
    };
  }
}
