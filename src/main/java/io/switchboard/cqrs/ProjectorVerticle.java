package io.switchboard.cqrs;

import io.switchboard.core.SharedJson;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.Addresses;
import io.switchboard.core.Problem;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.MigrationGate;
import io.switchboard.core.db.RunnerLocks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the projections of {@code cqrs.projections} (see {@link Projection}). Every instance, on
 * every node, tries each {@code cqrs.lock_retry_ms} to take the projections nobody runs; the one
 * holding a projection's lock runs it ({@link ProjectionRunner}), the others stand by and take
 * over when it goes. Locks: PostgreSQL session advisory locks on a dedicated connection (released
 * when the node or its connection dies); on the embedded H2 database, which one process owns,
 * node-local locks.
 *
 * <p>Any instance answers {@code switchboard.projections.list} and takes admin actions on
 * {@code switchboard.projections.admin}, passing them to the projection's runner wherever it runs.
 */
public final class ProjectorVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(Database.CONFIG_SCHEMA).parsedBy(CqrsSettings::from);
  }


  private static final Logger log = LoggerFactory.getLogger(ProjectorVerticle.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9_.-]{1,100}");

  private final Map<String, Projection> projections = new LinkedHashMap<>();
  private final Map<String, ProjectionRunner> runners = new HashMap<>();
  private final Set<String> starting = new HashSet<>();
  private final Map<String, String> sql = new ConcurrentHashMap<>();
  private CqrsSettings settings;
  private Database db;
  private RunnerLocks locks;
  private ProjectionStatus status;
  private String runnerId;
  private MigrationGate migrations;
  private boolean stopping;
  private long lockTimer = -1;
  private long lagTimer = -1;
  private long standBackUntil;

  @Override
  public Future<?> start() {
    SharedJson.register(vertx);
    JsonObject conf = config();
    try {
      settings = CqrsSettings.from(conf);
      for (String className : settings.projections()) {
        Projection projection = instantiate(className, vertx, conf);
        if (!NAME.matcher(projection.name()).matches()) {
          throw new IllegalArgumentException(className + " is named '" + projection.name() + "': a projection name is 1-100 of a-z 0-9 _ . -");
        }
        if (projections.put(projection.name(), projection) != null) {
          throw new IllegalArgumentException("cqrs.projections: two projections are named '" + projection.name() + "'");
        }
      }
      for (String named : settings.undecodable().keySet()) {
        if (!projections.containsKey(named)) {
          throw new IllegalArgumentException("cqrs.undecodable." + named + ": no projection of cqrs.projections is named so");
        }
      }
      db = Database.open(vertx, conf, "projector");
      locks = RunnerLocks.open(vertx, db, () -> Database.open(vertx, lockConf(conf), "projector-lock"), "projection",
          this::locksLost);
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    String node = conf.getJsonObject("node", new JsonObject()).getString("id", "switchboard");
    runnerId = node + "/" + UUID.randomUUID().toString().substring(0, 8);
    migrations = new MigrationGate(vertx, db, "the projector", this::migrate, this::takeFreeProjections);
    status = new ProjectionStatus(vertx, db, List.copyOf(projections.keySet()));
    Future<?> list = vertx.eventBus().<Object>consumer(Addresses.PROJECTIONS_LIST, m -> answer(m, body -> status.list())).completion();
    Future<?> admin = vertx.eventBus().<JsonObject>consumer(Addresses.PROJECTIONS_ADMIN, m -> answer(m, this::admin)).completion();
    lockTimer = vertx.setPeriodic(settings.lockRetryMs(), t -> takeFreeProjections());
    lagTimer = vertx.setPeriodic(settings.lagRefreshMs(), t -> {
      if (migrations.isOpen()) {
        status.refreshGauges().onFailure(e -> log.debug("projection lag not refreshed: {}", e.getMessage()));
      }
    });
    return Future.all(list, admin).compose(v -> migrations.start());
  }

  /** The lock pool: one connection of its own, named so an operator can tell it apart. */
  private static JsonObject lockConf(JsonObject conf) {
    JsonObject copy = conf.copy();
    copy.getJsonObject("postgres").put("pool_size", 1);
    return copy;
  }

  static Projection instantiate(String className, Vertx vertx, JsonObject conf) {
    Class<?> type;
    try {
      type = Class.forName(className, true, ProjectorVerticle.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalArgumentException("cqrs.projections: class " + className + " not found");
    }
    if (!Projection.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("cqrs.projections: " + className + " is not a " + Projection.class.getName());
    }
    try {
      for (Constructor<?> constructor : type.getConstructors()) {
        Class<?>[] params = constructor.getParameterTypes();
        if (params.length == 2 && params[0] == Vertx.class && params[1] == JsonObject.class) {
          return (Projection) constructor.newInstance(vertx, conf);
        }
      }
      for (Constructor<?> constructor : type.getConstructors()) {
        Class<?>[] params = constructor.getParameterTypes();
        if (params.length == 1 && params[0] == JsonObject.class) {
          return (Projection) constructor.newInstance(conf);
        }
      }
      return (Projection) type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("cqrs.projections: " + className + " has no public constructor taking (Vertx, JsonObject), (JsonObject) or nothing");
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("cqrs.projections: " + className + " failed to start: " + e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cqrs.projections: cannot create " + className + ": " + e.getMessage());
    }
  }

  /** The checkpoints' tables and each projection's own. */
  private Future<Void> migrate() {
    Set<String> modules = new LinkedHashSet<>();
    modules.add("cqrs");
    projections.values().forEach(p -> {
      if (p.migrations() != null) {
        modules.add(p.migrations());
      }
    });
    Future<Void> chain = Future.succeededFuture();
    for (String module : modules) {
      chain = chain.compose(v -> db.migrate(module).mapEmpty());
    }
    return chain.onSuccess(v -> log.info("projector on {}: {}", db.describe(), String.join(", ", projections.keySet())));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(lockTimer);
    vertx.cancelTimer(lagTimer);
    if (migrations != null) {
      migrations.close();
    }
    List<Future<Void>> stopped = new ArrayList<>();
    runners.values().forEach(r -> stopped.add(r.stop()));
    runners.clear();
    return Future.all(stopped)
        .eventually(() -> locks == null ? Future.succeededFuture() : locks.close())
        .eventually(() -> db == null ? Future.succeededFuture() : db.close());
  }

  // ------------------------------------------------------------------ runners

  private void takeFreeProjections() {
    if (!migrations.isOpen() || stopping || System.currentTimeMillis() < standBackUntil) {
      return;
    }
    locks.check().onSuccess(v -> {
      for (Projection projection : projections.values()) {
        String name = projection.name();
        if (stopping || runners.containsKey(name) || !starting.add(name)) {
          continue;
        }
        locks.tryLock(name)
            .compose(taken -> taken ? run(projection) : Future.succeededFuture())
            .onComplete(ar -> starting.remove(name));
      }
    });
  }

  private Future<Void> run(Projection projection) {
    String name = projection.name();
    ProjectionRunner runner = new ProjectionRunner(vertx, projection, db, runnerId, settings.heartbeatMs(), sql,
        () -> forget(name), settings.skipsUndecodable(name));
    if (stopping) {
      return locks.unlock(name);
    }
    runners.put(name, runner);
    return runner.start().recover(e -> {
      log.warn("projection {} cannot start here: {}", name, db.problem(e, "taking it over").detail());
      runners.remove(name, runner);
      return runner.stop().eventually(() -> locks.unlock(name));
    });
  }

  /** A runner found another one in charge: let go of its lock; the next round may take it again. */
  private void forget(String name) {
    if (runners.remove(name) != null) {
      locks.unlock(name);
    }
  }

  /**
   * The lock connection died: its locks are gone, and others may run these projections now. This
   * instance stands back for a few rounds, so a healthy standby gets them rather than the node
   * whose connection just failed.
   */
  private void locksLost() {
    runners.values().forEach(ProjectionRunner::stop);
    runners.clear();
    standBackUntil = System.currentTimeMillis() + 3 * settings.lockRetryMs();
  }

  // ------------------------------------------------------------------ requests

  private Future<JsonObject> admin(JsonObject body) {
    String name = body == null ? null : body.getString("name");
    if (name == null || !projections.containsKey(name)) {
      throw new Problem(404, "unknown-projection", "Not found", "there is no projection named '" + name + "'; the projections are: "
          + String.join(", ", projections.keySet()));
    }
    String address = ProjectionRunner.adminAddress(name);
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(60_000))
        .map(Message::body)
        .recover(e -> Future.failedFuture(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new Problem(503, "no-runner", "Service unavailable", "projection '" + name + "' has no active runner right now "
                + "(a projector takes it within " + settings.lockRetryMs() + " ms of its database being reachable); try again")
            : Problem.from(e, address)));
  }

  private <T> void answer(Message<T> message, Function<T, Future<JsonObject>> call) {
    Future<JsonObject> result;
    try {
      migrations.require();
      result = call.apply(message.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> db.problem(e, "projections").failReply(message));
  }
}
