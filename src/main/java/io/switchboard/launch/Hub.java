package io.switchboard.launch;

import io.switchboard.core.SharedJson;
import io.switchboard.core.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running verticles of one node: deployed in descriptor order, undeployed in reverse. */
public final class Hub {

  private static final Logger log = LoggerFactory.getLogger(Hub.class);

  private final Vertx vertx;
  private final Deque<Deployment> deployed = new ArrayDeque<>();
  private final EventLoopReservations eventLoops;
  private NodeDirectory directory;

  private record Deployment(String name, String id) {}

  private Hub(Vertx vertx) {
    this.vertx = vertx;
    this.eventLoops = new EventLoopReservations(vertx);
  }

  /** Deploys every enabled verticle; if one fails, undeploys the others and fails naming it. */
  public static Future<Hub> start(Vertx vertx, HubSettings settings) {
    Hub hub = new Hub(vertx);
    // Before any verticle: a node must decode what another node hands over with it.
    SharedJson.register(vertx);
    JsonObject conf = settings.conf();
    List<VerticleDescriptor> enabled = settings.verticles().stream().filter(d -> d.enabledWith(conf)).toList();
    JsonArray readyChecks = readyChecks(enabled);
    Future<Void> chain = Future.succeededFuture();
    for (VerticleDescriptor descriptor : enabled) {
      chain = chain.compose(v -> hub.deploy(descriptor, conf, readyChecks));
    }
    settings.verticles().stream().filter(d -> !d.enabledWith(conf)).forEach(d ->
        log.info("skipped {}: {}", d.name(), d.enabled() == VerticleDescriptor.Enabled.FALSE
            ? "disabled in " + d.source()
            : (d.backend().isConfigured(conf) ? d.requires() : d.backend().checkName()) + " is not configured"));
    JsonArray names = new JsonArray(enabled.stream().map(VerticleDescriptor::name).toList());
    return chain
        .compose(v -> {
          hub.directory = new NodeDirectory(vertx, conf, names);
          return hub.directory.start();
        })
        // Everything listens now: what waited for the whole node (queue consumers) starts.
        .onSuccess(v -> vertx.eventBus().publish(Addresses.HUB_STARTED, new JsonObject(), new DeliveryOptions().setLocalOnly(true)))
        .map(hub)
        .recover(failure -> hub.stop().transform(ignored -> Future.failedFuture(failure)));
  }

  private Future<Void> deploy(VerticleDescriptor d, JsonObject conf, JsonArray readyChecks) {
    JsonObject config = d.configFor(conf).put("ready_checks", readyChecks.copy()).put(Addresses.AWAIT_HUB_STARTED, true);
    long started = System.nanoTime();
    eventLoops.keepOffReserved(d.instances());
    return vertx.deployVerticle(d.mainClass(), new DeploymentOptions().setInstances(d.instances()).setConfig(config))
        .map(id -> {
          deployed.push(new Deployment(d.name(), id));
          if (d.ownEventLoop()) {
            eventLoops.reserve(id);
          }
          log.info("deployed {}: {} instance{}, backend {} ({} ms)", d.name(), d.instances(),
              d.instances() == 1 ? "" : "s", d.backend().describe(conf), (System.nanoTime() - started) / 1_000_000);
          return (Void) null;
        })
        .recover(e -> Future.failedFuture(new LaunchException(
            "cannot deploy " + d.name() + " (" + d.source() + "): " + e.getMessage())));
  }

  /** The backends this node's gateway reports on at GET /ready. */
  private static JsonArray readyChecks(List<VerticleDescriptor> enabled) {
    Set<String> checks = new LinkedHashSet<>();
    for (VerticleDescriptor d : enabled) {
      switch (d.backend()) {
        case NONE -> { }
        case STORE, POSTGRES -> checks.add("store");
        default -> checks.add(d.backend().checkName());
      }
    }
    return new JsonArray(List.copyOf(checks));
  }

  /** Undeploys in reverse order, so the gateway stops taking requests before what it calls goes. */
  public Future<Void> stop() {
    Future<Void> chain = directory == null ? Future.succeededFuture()
        : directory.stop().otherwiseEmpty();
    while (!deployed.isEmpty()) {
      Deployment d = deployed.pop();
      chain = chain.compose(v -> vertx.undeploy(d.id())
          .onSuccess(x -> log.info("undeployed {}", d.name()))
          .recover(e -> {
            log.warn("undeploying {} failed: {}", d.name(), e.toString());
            return Future.succeededFuture();
          }));
    }
    return chain;
  }
}
