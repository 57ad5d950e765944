package io.switchboard.launch;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the event loops of verticles deployed with {@code own_event_loop} to themselves.
 *
 * <p>Vert.x hands each new verticle instance the next event loop of its pool, round robin. Before a
 * later deployment this moves that round robin just past a reserved loop, so that deployment's
 * instances take the loops after it, none of them reserved, as long as there are enough loops. Why
 * (issue 20): the topic router, the node's one sequencer that every publish and delivery passes,
 * shared its loop with one of the two gateway instances while two other loops idled, so every
 * publish waited behind that instance's HTTP work. When the pool is too small, or something else
 * took a loop meanwhile, instances simply land where Vert.x puts them: placement, never correctness.
 */
final class EventLoopReservations {

  private static final Logger log = LoggerFactory.getLogger(EventLoopReservations.class);

  private final VertxInternal vertx;
  private final Set<EventLoop> reserved = new HashSet<>();

  EventLoopReservations(Vertx vertx) {
    this.vertx = (VertxInternal) vertx;
  }

  /** Reserves the loops the instances of that deployment run on. */
  void reserve(String deploymentId) {
    DeploymentContext deployment = vertx.deploymentManager().deployment(deploymentId);
    if (deployment == null) {
      return;
    }
    for (Context context : deployment.deployment().contexts()) {
      if (context.isEventLoopContext()) {
        reserved.add(((ContextInternal) context).nettyEventLoop());
      }
    }
  }

  /** Moves the round robin so that the next {@code instances} loops handed out are not reserved, when it can. */
  void keepOffReserved(int instances) {
    if (reserved.isEmpty()) {
      return;
    }
    List<EventLoop> loops = new ArrayList<>();
    for (EventExecutor executor : vertx.nettyEventLoopGroup()) {
      loops.add((EventLoop) executor);
    }
    // A reserved loop followed (in round-robin order) by enough free ones: hand that one out last.
    EventLoop before = null;
    for (int i = 0; i < loops.size() && before == null; i++) {
      if (reserved.contains(loops.get(i)) && instances < loops.size() && freeAfter(loops, i, instances)) {
        before = loops.get(i);
      }
    }
    if (before == null) {
      log.debug("{} event loops, {} reserved: {} instances share one", loops.size(), reserved.size(), instances);
      return;
    }
    for (int i = 0; i < loops.size(); i++) {
      if (vertx.nettyEventLoopGroup().next() == before) {
        return;
      }
    }
  }

  private boolean freeAfter(List<EventLoop> loops, int index, int count) {
    for (int k = 1; k <= count; k++) {
      if (reserved.contains(loops.get((index + k) % loops.size()))) {
        return false;
      }
    }
    return true;
  }
}
