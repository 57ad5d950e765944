package io.switchboard.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * The Netty channel under a server WebSocket, for writing frames encoded once for all sockets (see
 * {@link OutboundFrames#websocketWire}). Found only where that is safe: a socket without a
 * negotiated extension (a compressing one would have to see every frame). Vert.x's own write path
 * allocates a promise, a frame object and a copy of the bytes per socket and per message; at
 * thousands of sockets that, not the system call, is most of the cost of a delivery.
 *
 * <p>Also where Vert.x writes a socket's frames without its cross-thread queue ({@link #writeDirectly}).
 *
 * <p>Vert.x Web hands routes a wrapper of the socket; its delegate is read through a method handle
 * made once. Should a later Vert.x change either, no channel is found and every frame goes the
 * usual way.
 */
final class WebSocketChannels {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebSocketChannels.class);

  private static final Class<?> WRAPPER = io.vertx.ext.web.impl.ServerWebSocketWrapper.class;
  private static final MethodHandle DELEGATE = delegateGetter();
  /** Vert.x's write queue of a connection, and the queue-less one it uses in strict thread mode. */
  private static final Field WRITE_QUEUE;
  private static final Constructor<?> DIRECT_WRITES;

  static {
    Field queue = null;
    Constructor<?> direct = null;
    try {
      queue = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      queue.setAccessible(true);
      direct = Class.forName(VertxConnection.class.getName() + "$DirectOutboundMessageQueue")
          .getDeclaredConstructor(VertxConnection.class);
      direct.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("WebSocket connections keep Vert.x's cross-thread write queue: {}", e.toString());
      queue = null;
      direct = null;
    }
    WRITE_QUEUE = queue;
    DIRECT_WRITES = direct;
  }

  private WebSocketChannels() {}

  /** The socket's channel context when pre-encoded frames may be written to it, else null. */
  static ChannelHandlerContext of(ServerWebSocket ws) {
    ChannelHandlerContext channel = channel(ws);
    if (channel == null) {
      return null;
    }
    for (Map.Entry<String, ChannelHandler> handler : channel.pipeline()) {
      if (handler.getValue() instanceof WebSocketExtensionEncoder) {
        return null;
      }
    }
    return channel;
  }

  /**
   * Makes Vert.x write this socket's frames straight to its channel, as it writes the HTTP
   * connections' responses in strict thread mode ({@code setStrictThreadMode}, which Vert.x 5.0.7
   * does not pass on to the connection it makes at the upgrade). Its cross-thread write queue
   * would otherwise hold, for each idle socket, a 1,025-slot array and the queue around it: 4.9 KB
   * of heap, 40 % of what a subscribed WebSocket costs. Its condition is the strict mode's: every
   * write to the socket comes from the socket's event loop, as all of {@link WsConnection}'s do.
   * Called on that loop before the first write; false (the queue stays) when the Vert.x in use is
   * not the one this was written against.
   */
  static boolean writeDirectly(ServerWebSocket ws) {
    ChannelHandlerContext channel = channel(ws);
    if (WRITE_QUEUE == null || channel == null || !channel.executor().inEventLoop()
        || !(channel.handler() instanceof VertxHandler<?> handler) || handler.getConnection() == null) {
      return false;
    }
    VertxConnection connection = handler.getConnection();
    try {
      if (!writesDirectly(connection)) {
        WRITE_QUEUE.set(connection, DIRECT_WRITES.newInstance(connection));
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Whether Vert.x writes this socket's frames without a queue of its own (for tests). */
  static boolean writesDirectly(ServerWebSocket ws) {
    ChannelHandlerContext channel = channel(ws);
    try {
      return WRITE_QUEUE != null && channel != null && channel.handler() instanceof VertxHandler<?> handler
          && writesDirectly(handler.getConnection());
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private static boolean writesDirectly(VertxConnection connection) throws ReflectiveOperationException {
    return DIRECT_WRITES.getDeclaringClass().isInstance(WRITE_QUEUE.get(connection));
  }

  /** The Netty channel context under a server WebSocket (Vert.x Web's wrapper unwrapped), or null. */
  private static ChannelHandlerContext channel(ServerWebSocket ws) {
    Object socket = ws;
    try {
      if (WRAPPER.isInstance(socket) && DELEGATE != null) {
        socket = DELEGATE.invoke(socket);
      }
    } catch (Throwable e) {
      return null;
    }
    return socket instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
  }

  private static MethodHandle delegateGetter() {
    try {
      var field = WRAPPER.getDeclaredField("delegate");
      field.setAccessible(true);
      return MethodHandles.lookup().unreflectGetter(field);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("WebSocket frames go through Vert.x's write path: {}", e.toString());
      return null;
    }
  }
}
