package io.switchboard.queue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of messages RabbitMQ confirmed within {@code rabbitmq.dedupe_window_ms}, per queue, so
 * that a publish retried with the same id (after a 503 whose outcome was unknown, say) is answered
 * {@code 202 "repeated": true} and not sent again, as SQS FIFO and Azure Service Bus duplicate
 * detection do. Cluster-wide through a Hazelcast map when clustered (entries expire with the
 * window; the map is bounded per node by eviction, see ClusterSettings), else one bounded map
 * (least recently confirmed dropped first) shared by this node's bridge instances.
 */
final class DedupeWindow {

  static final String MAP = "switchboard.queue.dedupe";

  private final Vertx vertx;
  private final long windowMs;
  private final int maxIds;

  DedupeWindow(Vertx vertx, long windowMs, int maxIds) {
    this.vertx = vertx;
    this.windowMs = windowMs;
    this.maxIds = maxIds;
  }

  boolean enabled() {
    return windowMs > 0;
  }

  /** Whether a message of {@code queue} with this id was confirmed within the window. */
  Future<Boolean> seen(String queue, String id) {
    String key = queue + "\n" + id;
    if (vertx.isClustered()) {
      return vertx.sharedData().<String, Boolean>getAsyncMap(MAP).compose(map -> map.get(key)).map(v -> v != null)
          .otherwise(false); // the map out of reach: sending again is at least once, never lost
    }
    return Future.succeededFuture(local().seen(key, System.currentTimeMillis()));
  }

  void confirmed(String queue, String id) {
    String key = queue + "\n" + id;
    if (vertx.isClustered()) {
      vertx.sharedData().<String, Boolean>getAsyncMap(MAP).compose(map -> map.put(key, true, windowMs));
    } else {
      local().add(key, System.currentTimeMillis() + windowMs);
    }
  }

  private Recent local() {
    return (Recent) vertx.sharedData().getLocalMap(MAP).computeIfAbsent("recent", k -> new Recent(maxIds));
  }

  /** Ids with their expiry, at most {@code max}, the oldest dropped first. */
  static final class Recent implements Shareable {
    private final Map<String, Long> expiries;

    Recent(int max) {
      this.expiries = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > max;
        }
      };
    }

    synchronized boolean seen(String key, long now) {
      Long expiry = expiries.get(key);
      if (expiry != null && expiry <= now) {
        expiries.remove(key);
        return false;
      }
      return expiry != null;
    }

    synchronized void add(String key, long expiry) {
      expiries.remove(key);
      expiries.put(key, expiry);
    }
  }
}
