package io.switchboard.pubsub;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Whether anything may listen on an exact address ({@code switchboard.topic.{topic}}), so the
 * router can leave out a publish that nobody receives: on a hub with REST publishers and WebSocket
 * subscribers nothing listens there, and each such publish went the whole way through the event
 * bus to fail with "no handlers" (issue 15: once per message on the hot path).
 *
 * <p>Only known on a node that is not clustered, from the event bus's own table of local handlers
 * (every consumer, bridge registrations of SockJS and TCP clients included, is there while it is
 * registered). Clustered, another node may listen: always "maybe". If the table cannot be reached
 * (another Vert.x), always "maybe" too: the publish is then made as before.
 */
final class ExactListeners {

  private static final ExactListeners MAYBE = new ExactListeners(null);

  /** The event bus's address → local handlers; null: not known here. */
  private final Map<?, ?> localHandlers;

  private ExactListeners(Map<?, ?> localHandlers) {
    this.localHandlers = localHandlers;
  }

  static ExactListeners of(Vertx vertx) {
    if (vertx.isClustered()) {
      return MAYBE;
    }
    Map<?, ?> handlers = handlerMap(vertx.eventBus());
    return handlers == null ? MAYBE : new ExactListeners(handlers);
  }

  /** False only when nothing can receive a publish on this address now. */
  boolean mayListen(String address) {
    return localHandlers == null || localHandlers.containsKey(address);
  }

  private static Map<?, ?> handlerMap(EventBus eventBus) {
    for (Class<?> type = eventBus.getClass(); type != null; type = type.getSuperclass()) {
      try {
        Field field = type.getDeclaredField("handlerMap");
        field.setAccessible(true);
        return field.get(eventBus) instanceof Map<?, ?> map ? map : null;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }
}
