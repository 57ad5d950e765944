package io.switchboard.examples.orders;

import io.switchboard.cqrs.Command;
import io.switchboard.cqrs.EventSourcedRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** CreateOrder and ShipOrder: check the command, let the aggregate decide, save. */
final class OrderCommandHandlers {

  private final EventSourcedRepository<Order> orders;
  private final OrderSettings settings;

  OrderCommandHandlers(EventSourcedRepository<Order> orders, OrderSettings settings) {
    this.orders = orders;
    this.settings = settings;
  }

  /** → {@code {"order_id","status","total","version","position"}}. */
  Future<JsonObject> create(Command command) {
    OrderCommands.CreateOrder create = OrderCommands.createOrder(command.payload(), settings.maxItems());
    String orderId = create.orderId() != null ? create.orderId() : UUID.randomUUID().toString();
    return orders.executeNew(orderId, order -> order.create(create.customerId(), create.items()), command.context())
        .map(saved -> new JsonObject().put("order_id", orderId).put("status", saved.aggregate().status())
            .put("total", Money.json(saved.aggregate().total()))
            .put("version", saved.lastVersion()).put("position", saved.position()));
  }

  /** → {@code {"order_id","status","tracking_number","version","position"}}. */
  Future<JsonObject> ship(Command command) {
    OrderCommands.ShipOrder ship = OrderCommands.shipOrder(command.payload());
    return orders.execute(ship.orderId(), order -> order.ship(ship.trackingNumber()), command.context())
        .map(saved -> new JsonObject().put("order_id", ship.orderId()).put("status", saved.aggregate().status())
            .put("tracking_number", saved.aggregate().trackingNumber())
            .put("version", saved.lastVersion()).put("position", saved.position()));
  }
}
