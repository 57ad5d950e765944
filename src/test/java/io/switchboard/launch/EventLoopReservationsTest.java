package io.switchboard.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A reserved event loop stays its verticle's: later deployments take the others while there are enough. */
class EventLoopReservationsTest {

  public static final class Idle extends VerticleBase {
  }

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private String deploy(EventLoopReservations loops, int instances) throws Exception {
    loops.keepOffReserved(instances);
    return vertx.deployVerticle(Idle.class, new DeploymentOptions().setInstances(instances)).await(10, TimeUnit.SECONDS);
  }

  private List<EventLoop> loopsOf(String deploymentId) {
    List<EventLoop> loops = new ArrayList<>();
    for (Context context : ((VertxInternal) vertx).deploymentManager().deployment(deploymentId).deployment().contexts()) {
      loops.add(((ContextInternal) context).nettyEventLoop());
    }
    return loops;
  }

  @Test
  void laterDeploymentsKeepOffTheReservedLoop() throws Exception {
    EventLoopReservations loops = new EventLoopReservations(vertx);
    String sequencer = deploy(loops, 1);
    loops.reserve(sequencer);
    EventLoop reserved = loopsOf(sequencer).get(0);
    // Without the reservation, round robin would come back to it within every four instances.
    for (int round = 0; round < 6; round++) {
      assertThat(loopsOf(deploy(loops, 1 + round % 3))).doesNotContain(reserved);
    }
    assertThat(loopsOf(deploy(loops, 3))).doesNotContain(reserved).doesNotHaveDuplicates();
  }

  @Test
  void moreInstancesThanFreeLoopsLandWhereVertxPutsThem() throws Exception {
    EventLoopReservations loops = new EventLoopReservations(vertx);
    String sequencer = deploy(loops, 1);
    loops.reserve(sequencer);
    assertThat(loopsOf(deploy(loops, 4))).hasSize(4).doesNotHaveDuplicates();
  }
}
