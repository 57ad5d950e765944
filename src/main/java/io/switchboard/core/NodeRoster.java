package io.switchboard.core;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

/**
 * Which live node comes first (lowest id) in the cluster's node list, refreshed every few seconds:
 * a cheap way to pick one node for work every node could do, where a short overlap or gap while
 * nodes come and go is acceptable (best-effort topic side effects). Not clustered: always first.
 */
public final class NodeRoster {

  private static final long REFRESH_MS = 2_000;

  private final Vertx vertx;
  private final String nodeId;
  private volatile boolean first;
  private long timer = -1;

  public NodeRoster(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.first = !vertx.isClustered();
    if (vertx.isClustered()) {
      refresh();
      timer = vertx.setPeriodic(REFRESH_MS, id -> refresh());
    }
  }

  public boolean isFirst() {
    return first;
  }

  private void refresh() {
    vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.NODES_MAP)
        .compose(AsyncMap::keys)
        .onSuccess(ids -> first = ids.stream().min(String::compareTo).map(nodeId::equals).orElse(true));
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
