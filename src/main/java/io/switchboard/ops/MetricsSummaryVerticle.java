package io.switchboard.ops;

import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Samples this node's own meters every second into a short window (what the console charts) and
 * answers {@code switchboard.metrics.summary.{node}} with the samples after a given time, so
 * {@code GET /api/v1/metrics/summary} can gather every node's over the event bus.
 *
 * <p>Queue depth is not a meter of the hub but a question to RabbitMQ: it is asked only while
 * someone has read the summary in the last minute, so an idle hub does not poll the broker.
 */
public final class MetricsSummaryVerticle extends VerticleBase {

  static final long INTERVAL_MS = 1_000;
  static final long WINDOW_MS = 15 * 60_000;
  private static final long WATCHED_FOR_MS = 60_000;
  private static final long DEPTH_EVERY_MS = 2_000;

  private final Deque<JsonObject> samples = new ArrayDeque<>();
  private MeterSampler sampler;
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;
  private long watchedUntil;
  private long depthAskedAt;
  private JsonObject depths = new JsonObject();
  private String node;

  @Override
  public Future<?> start() {
    node = config().getJsonObject("node").getString("id");
    sampler = new MeterSampler(Metrics.registry());
    sampler.sample(System.currentTimeMillis());
    timer = vertx.setPeriodic(INTERVAL_MS, t -> tick());
    consumer = vertx.eventBus().consumer(Addresses.metricsSummary(node), this::answer);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void tick() {
    long now = System.currentTimeMillis();
    JsonObject sample = sampler.sample(now);
    mergeDepths(sample.getJsonObject("queues"));
    samples.addLast(sample);
    while (samples.size() > WINDOW_MS / INTERVAL_MS) {
      samples.removeFirst();
    }
    if (now < watchedUntil && now - depthAskedAt >= DEPTH_EVERY_MS) {
      depthAskedAt = now;
      askDepths();
    }
  }

  private void mergeDepths(JsonObject queues) {
    for (String queue : depths.fieldNames()) {
      JsonObject entry = queues.getJsonObject(queue);
      if (entry == null) {
        entry = new JsonObject();
        queues.put(queue, entry);
      }
      entry.mergeIn(depths.getJsonObject(queue));
    }
  }

  private void askDepths() {
    vertx.eventBus().<JsonObject>request(Addresses.QUEUE_LIST, new JsonObject(), new DeliveryOptions().setSendTimeout(1_500))
        .onSuccess(reply -> {
          JsonObject next = new JsonObject();
          for (Object item : reply.body().getJsonArray("queues", new JsonArray())) {
            if (item instanceof JsonObject q && q.getString("name") != null) {
              next.put(q.getString("name"), new JsonObject()
                  .put("depth", q.getValue("messages")).put("dead_letters", q.getValue("dead_letters")));
            }
          }
          depths = next;
        })
        // No bridge on this node, or RabbitMQ down: depth unknown rather than stale.
        .onFailure(e -> depths = new JsonObject());
  }

  /** {@code {"since"?: ms}} → {@code {"node", "interval_ms", "samples": [...]}}: the latest only without since. */
  private void answer(Message<JsonObject> message) {
    long now = System.currentTimeMillis();
    if (now >= watchedUntil) {
      depthAskedAt = 0; // first look after a quiet spell: fetch depth at the next tick
    }
    watchedUntil = now + WATCHED_FOR_MS;
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    JsonArray out = new JsonArray();
    if (body.getValue("since") instanceof Number since) {
      for (JsonObject sample : samples) {
        if (sample.getLong("time") > since.longValue()) {
          out.add(sample);
        }
      }
    } else if (!samples.isEmpty()) {
      out.add(samples.getLast());
    }
    message.reply(new JsonObject().put("node", node).put("interval_ms", INTERVAL_MS).put("window_ms", WINDOW_MS)
        .put("samples", out));
  }
}
