package io.switchboard.groups;

import io.switchboard.core.SharedJson;
import io.switchboard.core.Addresses;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.MigrationGate;
import io.switchboard.core.db.RunnerLocks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer groups: durable, named subscriptions on the event store that any transport consumes
 * with acks (README "Consumer groups"). Every node runs this verticle; each tries every
 * {@code groups.lock_retry_ms} to take the groups no one coordinates (the same locks as the
 * projector's: PostgreSQL session advisory locks, node-local on H2), and the holder runs the group's
 * {@link Coordinator}, fenced by the epoch of its checkpoint. Any instance answers the admin
 * requests on {@code switchboard.groups.admin}, asking a group's coordinator for its live state.
 */
public final class GroupsVerticle extends VerticleBase implements Configured {

  private static final Logger log = LoggerFactory.getLogger(GroupsVerticle.class);
  private static final long STATUS_TIMEOUT_MS = 2000;

  private final Map<String, Coordinator> coordinators = new HashMap<>();
  private final Set<String> starting = new HashSet<>();
  /** The definitions as last listed (every lock round, and on each change): consumers' checks read them here. */
  private Map<String, GroupSpec> known = Map.of();
  private GroupSettings settings;
  private Database db;
  private GroupStore store;
  private RunnerLocks locks;
  private MigrationGate migrations;
  private String runnerId;
  private boolean stopping;
  private long lockTimer = -1;
  private long standBackUntil;

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(Database.CONFIG_SCHEMA).parsedBy(GroupSettings::from);
  }

  @Override
  public Future<?> start() {
    SharedJson.register(vertx);
    JsonObject conf = config();
    try {
      settings = GroupSettings.from(conf);
      db = Database.open(vertx, conf, "groups");
      locks = RunnerLocks.open(vertx, db, () -> Database.open(vertx, lockConf(conf), "groups-lock"), "group", this::locksLost);
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    store = new GroupStore(db);
    String node = conf.getJsonObject("node", new JsonObject()).getString("id", "switchboard");
    runnerId = node + "/" + UUID.randomUUID().toString().substring(0, 8);
    migrations = new MigrationGate(vertx, db, "consumer groups", () -> db.migrate("groups"), this::takeFreeGroups);
    Future<?> admin = vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_ADMIN, this::onAdmin).completion();
    Future<?> changed = vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_CHANGED, m -> onChanged(m.body())).completion();
    Future<?> erase = vertx.eventBus().<JsonObject>consumer(Addresses.GROUPS_ERASE, this::onErase).completion();
    lockTimer = vertx.setPeriodic(settings.lockRetryMs(), t -> takeFreeGroups());
    return Future.all(admin, changed, erase).compose(v -> migrations.start());
  }

  private static JsonObject lockConf(JsonObject conf) {
    JsonObject copy = conf.copy();
    copy.getJsonObject("postgres").put("pool_size", 1);
    return copy;
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(lockTimer);
    if (migrations != null) {
      migrations.close();
    }
    List<Future<Void>> stopped = new ArrayList<>();
    coordinators.values().forEach(c -> stopped.add(c.stop()));
    coordinators.clear();
    return Future.all(stopped)
        .eventually(() -> locks == null ? Future.succeededFuture() : locks.close())
        .eventually(() -> db == null ? Future.succeededFuture() : db.close());
  }

  // ------------------------------------------------------------------ coordinators

  private void takeFreeGroups() {
    if (!migrations.isOpen() || stopping || System.currentTimeMillis() < standBackUntil) {
      return;
    }
    locks.check().compose(v -> store.list()).onSuccess(groups -> {
      known = groups;
      for (GroupSpec spec : groups.values()) {
        String name = spec.name();
        Coordinator running = coordinators.get(name);
        if (running != null && !running.spec().equals(spec)) {
          restart(name); // changed on another node while the announcement was lost
          continue;
        }
        if (stopping || running != null || !starting.add(name)) {
          continue;
        }
        locks.tryLock(name)
            .compose(taken -> taken ? run(spec) : Future.succeededFuture())
            .onComplete(ar -> starting.remove(name));
      }
    }).onFailure(e -> log.debug("groups not listed: {}", e.getMessage()));
  }

  private Future<Void> run(GroupSpec spec) {
    String name = spec.name();
    if (stopping) {
      return locks.unlock(name);
    }
    Coordinator coordinator = new Coordinator(vertx, spec, store, settings, runnerId, () -> forget(name));
    coordinators.put(name, coordinator);
    return coordinator.start().recover(e -> {
      log.warn("group {} cannot be coordinated here: {}", name, db.problem(e, "taking it over").detail());
      coordinators.remove(name, coordinator);
      return coordinator.stop().eventually(() -> locks.unlock(name));
    });
  }

  private void forget(String name) {
    if (coordinators.remove(name) != null) {
      locks.unlock(name);
    }
  }

  /** Stops the group's coordinator here, if it runs here; the next round takes it up with its new definition. */
  private void restart(String name) {
    Coordinator c = coordinators.remove(name);
    if (c != null) {
      c.stop().eventually(() -> locks.unlock(name)).onComplete(v -> vertx.setTimer(1, t -> takeFreeGroups()));
    }
  }

  private void onChanged(JsonObject body) {
    if (!(body != null && body.getValue("group") instanceof String name) || !migrations.isOpen()) {
      return;
    }
    // Only a coordinator whose definition changed (or was deleted) restarts: a PUT that repeats
    // the definition leaves consumers undisturbed.
    store.get(name).onSuccess(spec -> {
      Map<String, GroupSpec> updated = new java.util.HashMap<>(known);
      if (spec == null) {
        updated.remove(name);
      } else {
        updated.put(name, spec);
      }
      known = updated;
      Coordinator running = coordinators.get(name);
      if (running != null && !running.spec().equals(spec)) {
        restart(name);
      } else {
        takeFreeGroups();
      }
    });
  }

  private void locksLost() {
    coordinators.values().forEach(Coordinator::stop);
    coordinators.clear();
    standBackUntil = System.currentTimeMillis() + 3 * settings.lockRetryMs();
  }

  // ------------------------------------------------------------------ admin

  private void onAdmin(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Future<JsonObject> result;
    try {
      migrations.require();
      String action = String.valueOf(body.getValue("action"));
      result = switch (action) {
        case "list" -> list();
        case "put" -> put(GroupSpec.parse(GroupSpec.validName(body.getValue("group")), body.getValue("spec")));
        case "get" -> known(body, spec -> withStatus(spec));
        case "spec" -> {
          // Asked before every fetch, ack and nack: answered from memory (at most groups.lock_retry_ms old).
          GroupSpec cached = known.get(String.valueOf(body.getValue("group")));
          yield cached != null ? Future.succeededFuture(describe(cached)) : known(body, spec -> Future.succeededFuture(describe(spec)));
        }
        case "delete" -> delete(GroupSpec.validName(body.getValue("group")));
        case "parked" -> known(body, spec -> parked(spec, body));
        case "replay", "drop" -> known(body, spec -> coordinator(spec.name(), body));
        default -> throw Problem.badRequest("invalid-action",
            "groups admin actions are list, put, get, spec, delete, parked, replay and drop");
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(message::reply).onFailure(e -> db.problem(e, "consumer groups").failReply(message));
  }

  // ------------------------------------------------------------------ erasure

  /**
   * Every group's parked copies of erased events: each group's coordinator removes them (through its
   * own fenced write, keeping its parked count and replays true); a group no coordinator runs now
   * has them removed from the table here. Groups one after the other: an erasure is rare.
   */
  private void onErase(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    JsonObject request = new JsonObject().put("action", "erase")
        .put("event_ids", body.getJsonArray("event_ids", new JsonArray()))
        .put("streams", body.getJsonArray("streams", new JsonArray()));
    Set<String> ids = new HashSet<>();
    Set<String> streams = new HashSet<>();
    request.getJsonArray("event_ids").forEach(id -> ids.add(String.valueOf(id)));
    request.getJsonArray("streams").forEach(s -> streams.add(String.valueOf(s)));
    JsonObject removed = new JsonObject();
    Future<Void> result;
    try {
      migrations.require();
      result = store.list().compose(groups -> {
        Future<Void> chain = Future.succeededFuture();
        for (String name : groups.keySet()) {
          chain = chain.compose(v -> eraseIn(name, request, ids, streams)).map(n -> {
            removed.put(name, n);
            return null;
          });
        }
        return chain;
      });
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(v -> message.reply(new JsonObject().put("groups", removed)))
        .onFailure(e -> db.problem(e, "consumer groups' erasure").failReply(message));
  }

  private Future<Integer> eraseIn(String name, JsonObject request, Set<String> ids, Set<String> streams) {
    return vertx.eventBus().<JsonObject>request(Addresses.groupCoordinator(name), request, new DeliveryOptions().setSendTimeout(30_000))
        .map(reply -> reply.body().getInteger("removed", 0))
        .recover(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? store.parkedErased(name, ids, streams).compose(positions -> store.deleteParked(name, positions))
            : Future.failedFuture(e));
  }

  private Future<JsonObject> known(JsonObject body, Function<GroupSpec, Future<JsonObject>> then) {
    String name = GroupSpec.validName(body.getValue("group"));
    return store.get(name).compose(spec -> {
      if (spec == null) {
        return Future.failedFuture(unknown(name));
      }
      return then.apply(spec);
    });
  }

  static Problem unknown(String name) {
    return new Problem(404, "unknown-group", "Not found", "there is no consumer group named '" + name
        + "' (create it with PUT /api/v1/subscriptions/" + name + ")");
  }

  private static JsonObject describe(GroupSpec spec) {
    return new JsonObject().put("group", spec.name()).mergeIn(spec.toJson());
  }

  private Future<JsonObject> list() {
    return store.list().compose(groups -> {
      List<Future<JsonObject>> all = new ArrayList<>();
      groups.values().forEach(spec -> all.add(withStatus(spec)));
      return Future.all(all).map(done -> {
        JsonArray out = new JsonArray();
        all.forEach(f -> out.add(f.result()));
        return new JsonObject().put("subscriptions", out);
      });
    });
  }

  /** The definition and the coordinator's live state (status "no_coordinator" while none runs it). */
  private Future<JsonObject> withStatus(GroupSpec spec) {
    JsonObject out = describe(spec);
    return vertx.eventBus().<JsonObject>request(Addresses.groupCoordinator(spec.name()), new JsonObject().put("action", "status"),
            new DeliveryOptions().setSendTimeout(STATUS_TIMEOUT_MS))
        .map(reply -> out.put("status", "running").mergeIn(reply.body()))
        .otherwise(e -> out.put("status", "no_coordinator").put("consumers", new JsonArray()));
  }

  private Future<JsonObject> put(GroupSpec spec) {
    return store.get(spec.name()).compose(existing -> {
      if (existing != null) {
        return store.put(spec, 0).map(created -> false);
      }
      return store.count().compose(count -> {
        if (count >= settings.maxGroups()) {
          throw new Problem(409, "too-many-groups", "Conflict", "the hub keeps at most " + settings.maxGroups()
              + " consumer groups (groups.max_groups)");
        }
        return startPosition(spec).compose(start -> store.put(spec, start));
      });
    }).map(created -> {
      vertx.eventBus().publish(Addresses.GROUPS_CHANGED, new JsonObject().put("group", spec.name()));
      return describe(spec).put("created", created);
    });
  }

  /** Where a new group starts: after this position. */
  private Future<Long> startPosition(GroupSpec spec) {
    return switch (spec.start()) {
      case "beginning" -> Future.succeededFuture(0L);
      case "end" -> vertx.eventBus().<JsonObject>request(Addresses.EVENTSTORE_READ,
              new JsonObject().put("stream", StreamNames.ALL).put("direction", "backward").put("limit", 1))
          .recover(e -> Future.failedFuture(Problem.from(e, Addresses.EVENTSTORE_READ)))
          .map(reply -> {
            JsonArray events = reply.body().getJsonArray("events", new JsonArray());
            return events.isEmpty() ? 0L : events.getJsonObject(0).getLong("position");
          });
      default -> Future.succeededFuture(Long.parseLong(spec.start()));
    };
  }

  private Future<JsonObject> delete(String name) {
    return store.delete(name).map(deleted -> {
      if (!deleted) {
        throw unknown(name);
      }
      vertx.eventBus().publish(Addresses.GROUPS_CHANGED, new JsonObject().put("group", name));
      return new JsonObject().put("deleted", name);
    });
  }

  private Future<JsonObject> parked(GroupSpec spec, JsonObject body) {
    int limit = body.getValue("limit") instanceof Integer i && i > 0 && i <= 1000 ? i : 100;
    return store.parked(spec.name(), null, null, limit).compose(rows -> store.parkedCount(spec.name()).map(count -> {
      JsonArray out = new JsonArray();
      rows.forEach(p -> out.add(p.toJson()));
      return new JsonObject().put("group", spec.name()).put("total", count).put("parked", out);
    }));
  }

  private Future<JsonObject> coordinator(String name, JsonObject body) {
    String address = Addresses.groupCoordinator(name);
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(30_000))
        .map(Message::body)
        .recover(e -> Future.failedFuture(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new Problem(503, "no-coordinator", "Service unavailable", "group " + name + " has no coordinator right now "
                + "(a node takes it within " + settings.lockRetryMs() + " ms of its database being reachable); try again")
            : Problem.from(e, address)));
  }
}
