package io.switchboard.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Map;

/**
 * The Netty channel under a server WebSocket, for writing frames encoded once for all sockets (see
 * {@link OutboundFrames#websocketWire}). Found only where that is safe: a socket without a
 * negotiated extension (a compressing one would have to see every frame). Vert.x's own write path
 * allocates a promise, a frame object and a copy of the bytes per socket and per message; at
 * thousands of sockets that, not the system call, is most of the cost of a delivery.
 *
 * <p>Vert.x Web hands routes a wrapper of the socket; its delegate is read through a method handle
 * made once. Should a later Vert.x change either, no channel is found and every frame goes the
 * usual way.
 */
final class WebSocketChannels {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebSocketChannels.class);

  private static final Class<?> WRAPPER = io.vertx.ext.web.impl.ServerWebSocketWrapper.class;
  private static final MethodHandle DELEGATE = delegateGetter();

  private WebSocketChannels() {}

  /** The socket's channel context when pre-encoded frames may be written to it, else null. */
  static ChannelHandlerContext of(ServerWebSocket ws) {
    Object socket = ws;
    try {
      if (WRAPPER.isInstance(socket) && DELEGATE != null) {
        socket = DELEGATE.invoke(socket);
      }
    } catch (Throwable e) {
      return null;
    }
    if (!(socket instanceof WebSocketInternal internal)) {
      return null;
    }
    ChannelHandlerContext channel = internal.channelHandlerContext();
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
