package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The event store over HTTP: append, read, subscribe (SSE) and snapshots, each translated to a
 * request on {@code switchboard.eventstore.*}.
 */
final class StreamRoutes {

  private static final String BASE = "/api/v1/streams/";

  private final Vertx vertx;
  private final long retryMs;
  private final long heartbeatMs;
  private final ConnectionMetrics sseMetrics;
  private final Set<StoreSse> streams = new HashSet<>();

  StreamRoutes(Vertx vertx, JsonObject conf) {
    this.vertx = vertx;
    JsonObject sse = conf.getJsonObject("sse", new JsonObject());
    this.retryMs = sse.getLong("retry_ms", 3000L);
    this.heartbeatMs = sse.getLong("heartbeat_ms", 15_000L);
    this.sseMetrics = new ConnectionMetrics(vertx, "sse");
  }

  void mount(Router router) {
    router.post(BASE + ":stream/events").handler(this::append);
    router.get(BASE + ":stream/subscribe").handler(this::subscribe);
    router.put(BASE + ":stream/snapshot").handler(this::putSnapshot);
    router.get(BASE + ":stream/snapshot").handler(this::getSnapshot);
    router.get(BASE + ":stream").handler(this::read);
    // The store's lifecycle (issue 18): metadata (PUT: admin), delete (admin).
    router.get(BASE + ":stream/metadata").handler(ctx -> call(ctx, Addresses.EVENTSTORE_METADATA_GET,
        new JsonObject().put("stream", ctx.pathParam("stream")), 200));
    router.put(BASE + ":stream/metadata").handler(ctx -> {
      if (!(HttpInput.json(ctx, true) instanceof JsonObject body)) {
        throw Problem.invalid("invalid-metadata", "stream metadata is a JSON object {\"max_age_ms\"?, \"max_count\"?, \"truncate_before\"?}");
      }
      call(ctx, Addresses.EVENTSTORE_METADATA_PUT, body.copy().put("stream", ctx.pathParam("stream")), 200);
    });
    router.delete(BASE + ":stream").handler(ctx -> call(ctx, Addresses.EVENTSTORE_DELETE, new JsonObject()
        .put("stream", ctx.pathParam("stream")).put("hard", ctx.request().getParam("hard"))
        .put("expected_version", ctx.request().getHeader("Expected-Version")), 200));
    router.get("/api/v1/streams").handler(ctx -> call(ctx, Addresses.EVENTSTORE_STREAMS,
        new JsonObject().put("category", ctx.request().getParam("category")).put("limit", HttpInput.integer(ctx, "limit")), 200));
  }

  private void append(RoutingContext ctx) {
    JsonObject request = new JsonObject()
        .put("stream", ctx.pathParam("stream"))
        .put("expected_version", ctx.request().getHeader("Expected-Version"))
        .put("events", HttpInput.json(ctx, true))
        .put("correlation_id", ctx.request().getHeader(Envelope.CORRELATION_HEADER));
    // Handed over: the store reads the request as it is, without the event bus copying it.
    call(ctx, Addresses.EVENTSTORE_APPEND, request, 201, SharedJson.HANDED_OVER);
  }

  private void read(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("stream", ctx.pathParam("stream"))
        .put("from", HttpInput.integer(ctx, "from"))
        .put("from_position", HttpInput.integer(ctx, "from_position"))
        .put("limit", HttpInput.integer(ctx, "limit"))
        .put("direction", ctx.request().getParam("direction"))
        .put("category", ctx.request().getParam("category"));
    call(ctx, Addresses.EVENTSTORE_READ, request, 200);
  }

  private void putSnapshot(RoutingContext ctx) {
    if (!(HttpInput.json(ctx, true) instanceof JsonObject body)) {
      throw Problem.invalid("invalid-snapshot", "a snapshot is a JSON object {\"version\": n, \"state\": …}");
    }
    call(ctx, Addresses.EVENTSTORE_SNAPSHOT_PUT, body.copy().put("stream", ctx.pathParam("stream")), 200);
  }

  private void getSnapshot(RoutingContext ctx) {
    call(ctx, Addresses.EVENTSTORE_SNAPSHOT_GET, new JsonObject().put("stream", ctx.pathParam("stream")), 200);
  }

  private void call(RoutingContext ctx, String address, JsonObject request, int status) {
    call(ctx, address, request, status, new DeliveryOptions());
  }

  private void call(RoutingContext ctx, String address, JsonObject request, int status, DeliveryOptions options) {
    Security.authorize(ctx, address, request);
    vertx.eventBus().<JsonObject>request(address, request, options)
        .onSuccess(reply -> ctx.response().setStatusCode(status)
            .putHeader("Content-Type", "application/json")
            .end(reply.body().toBuffer()))
        .onFailure(e -> HttpProblems.send(ctx, address.equals(Addresses.EVENTSTORE_APPEND)
            && e instanceof io.vertx.core.eventbus.ReplyException r && r.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT
            ? Problem.from(e, address).outcomeUnknown(Problem.RETRY_APPEND) : Problem.from(e, address)));
  }

  /**
   * {@code GET /api/v1/streams/{stream}/subscribe} (and {@code $all}, with {@code ?category=}):
   * an event-bus subscription to the store, written out as SSE. The store sends the next batch only
   * once this one is written (or the client drained it), so a slow client slows its subscription
   * and nothing piles up here.
   */
  private void subscribe(RoutingContext ctx) {
    String stream = ctx.pathParam("stream");
    String last = ctx.request().getHeader("Last-Event-ID");
    if (last == null) {
      last = ctx.request().getParam("lastEventId");
    }
    Long after = null;
    if (last != null && !last.isBlank()) {
      try {
        after = Long.parseLong(last.trim());
      } catch (NumberFormatException e) {
        throw Problem.badRequest("invalid-last-event-id", "Last-Event-ID must be the id of an event of this stream "
            + "(its version, or for $all its position), not '" + last + "'");
      }
    }
    JsonObject request = new JsonObject().put("stream", stream).put("category", ctx.request().getParam("category"))
        .put("after", after).put("heartbeat_ms", heartbeatMs);
    Security.authorize(ctx, Addresses.EVENTSTORE_SUBSCRIBE, request);
    StoreSse sse = new StoreSse(ctx);
    String address = "switchboard.gateway.subscription." + UUID.randomUUID();
    request.put("address", address);
    sse.consumer = vertx.eventBus().consumer(address, m -> {
      if (sse.closed) {
        m.fail(410, "the client went away");   // the store ends the subscription at once
      } else {
        sse.deliver((JsonObject) m.body(), () -> m.reply(null));
      }
    });
    sse.consumer.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_SUBSCRIBE, request))
        .onSuccess(reply -> sse.open())
        .onFailure(e -> {
          sse.consumer.unregister();
          HttpProblems.send(ctx, Problem.from(e, Addresses.EVENTSTORE_SUBSCRIBE));
        });
  }

  /** One SSE connection fed by a store subscription. */
  private final class StoreSse {
    private final RoutingContext ctx;
    private MessageConsumer<Object> consumer;
    private boolean opened;
    private boolean closed;
    private long lastHeard = System.currentTimeMillis();
    private long watchdog = -1;

    StoreSse(RoutingContext ctx) {
      this.ctx = ctx;
      ctx.response().closeHandler(v -> close(false));
    }

    void open() {
      if (opened || closed) {
        return;
      }
      opened = true;
      streams.add(this);
      sseMetrics.opened();
      ctx.response().setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no")
          .write("retry: " + retryMs + "\n\n");
      // The store sends an empty batch every heartbeat; silence for three means it went away, so
      // end the stream and let the client resume (Last-Event-ID) wherever the store runs now.
      watchdog = vertx.setPeriodic(heartbeatMs, id -> {
        if (System.currentTimeMillis() - lastHeard > 3 * heartbeatMs) {
          close(true);
        }
      });
    }

    void deliver(JsonObject batch, Runnable ack) {
      lastHeard = System.currentTimeMillis();
      open();
      if (closed) {
        return;
      }
      JsonArray events = batch.getJsonArray("events", new JsonArray());
      Buffer out = Buffer.buffer();
      if (events.isEmpty()) {
        out.appendString(": heartbeat\n\n");
      }
      boolean all = "$all".equals(ctx.pathParam("stream"));
      for (int i = 0; i < events.size(); i++) {
        JsonObject event = events.getJsonObject(i);
        out.appendString("id: ").appendString(String.valueOf(all ? event.getLong("position") : event.getLong("version")))
            .appendString("\nevent: ").appendString(event.getString("type"))
            .appendString("\ndata: ").appendString(event.encode()).appendString("\n\n");
      }
      ctx.response().write(out);
      if (!events.isEmpty()) {
        sseMetrics.sent();
      }
      if (ctx.response().writeQueueFull()) {
        ctx.response().drainHandler(v -> ack.run());
      } else {
        ack.run();
      }
    }

    void close(boolean reset) {
      if (closed) {
        return;
      }
      closed = true;
      if (consumer != null) {
        consumer.unregister();
      }
      vertx.cancelTimer(watchdog);
      if (opened && streams.remove(this)) {
        sseMetrics.closed();
      }
      if (reset) {
        ctx.response().reset();
      }
    }
  }

  /** Ends every open stream, so a stopping node does not wait on clients. */
  void closeAll() {
    List.copyOf(streams).forEach(s -> s.close(true));
  }
}
