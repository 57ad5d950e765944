package io.switchboard.examples.orders;

import io.switchboard.core.SharedJson;
import io.switchboard.core.ConfigSchema;
import io.switchboard.core.Configured;
import io.switchboard.core.db.Database;
import io.switchboard.core.db.MigrationGate;
import io.switchboard.cqrs.CommandBus;
import io.switchboard.cqrs.CqrsSettings;
import io.switchboard.cqrs.EventSourcedRepository;
import io.switchboard.cqrs.QueryBus;
import io.switchboard.cqrs.QueryHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Order example's command and query side: CreateOrder and ShipOrder on the command bus
 * ({@code switchboard.command.*}), GetOrderById and GetOrdersByCustomer on the query bus
 * ({@code switchboard.query.*}) over the {@code orders} projection's read model, which the
 * projector keeps ({@link OrderProjection}, listed in {@code cqrs.projections}).
 */
public final class OrdersVerticle extends VerticleBase implements Configured {

  @Override
  public ConfigSchema configSchema() {
    return ConfigSchema.create().include(Database.CONFIG_SCHEMA).parsedBy(OrderSettings::from).parsedBy(CqrsSettings::from);
  }


  private static final Logger log = LoggerFactory.getLogger(OrdersVerticle.class);

  private Database db;
  private EventSourcedRepository<Order> orders;
  private CommandBus commands;
  private QueryBus queries;
  private MigrationGate migrations;

  @Override
  public Future<?> start() {
    SharedJson.register(vertx);
    JsonObject conf = config();
    CqrsSettings cqrs;
    OrderSettings settings;
    try {
      cqrs = CqrsSettings.from(conf);
      settings = OrderSettings.from(conf);
      db = Database.open(vertx, conf, "orders");
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture("configuration: " + e.getMessage());
    }
    orders = EventSourcedRepository.from(vertx, Order.TYPE, cqrs);
    OrderCommandHandlers handlers = new OrderCommandHandlers(orders, settings);
    OrderQueries reads = new OrderQueries(db, settings);
    // The read model's tables (the projector creates them too; whoever comes first).
    migrations = new MigrationGate(vertx, db, "the orders read model",
        () -> db.migrate("cqrs").compose(v -> db.migrate("orders")), () -> { });
    commands = new CommandBus(vertx);
    queries = new QueryBus(vertx, db, cqrs.minPositionWaitMs());
    return Future.all(
            commands.register(OrderCommands.CREATE, handlers::create),
            commands.register(OrderCommands.SHIP, handlers::ship),
            queries.start(),
            queries.register(OrderQueries.BY_ID, OrderProjection.NAME, whenMigrated(reads::byId)),
            queries.register(OrderQueries.BY_CUSTOMER, OrderProjection.NAME, whenMigrated(reads::byCustomer)))
        .compose(v -> migrations.start());
  }

  private QueryHandler whenMigrated(QueryHandler handler) {
    return query -> {
      migrations.require();
      return handler.handle(query);
    };
  }

  @Override
  public Future<?> stop() {
    if (migrations != null) {
      migrations.close();
    }
    Future<Void> closed = commands == null ? Future.succeededFuture()
        : Future.all(commands.close(), queries.close(), orders.close()).mapEmpty();
    return closed.eventually(() -> db == null ? Future.succeededFuture() : db.close());
  }
}
