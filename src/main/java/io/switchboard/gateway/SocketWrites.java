package io.switchboard.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.nio.AbstractNioChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.net.impl.VertxHandler;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * Writes a ready-made frame straight to a socket's system call when nothing waits before it in
 * Netty's outbound buffer: the same {@code write(2)} Netty would make, without what Netty does
 * around it for every message (the pipeline, an outbound-buffer entry, a view of the buffer and a
 * NIO buffer per write, the promise). With thousands of sockets that bookkeeping, its garbage and
 * the card marks it leaves in long-lived objects (G1's refinement threads then scan them) cost more
 * than the delivery's own work. What the socket does not take (its buffer is full) goes to Netty
 * as before, behind nothing, so the bytes stay in order.
 *
 * <p>Only for a plain NIO socket whose pipeline holds nothing but the WebSocket codec and Vert.x's
 * handler: a TLS handler, or any other that transforms outbound bytes, must see every write.
 */
final class SocketWrites {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SocketWrites.class);
  private static final MethodHandle JAVA_CHANNEL = javaChannelGetter();

  private SocketWrites() {}

  /** The socket under the channel when frames may be written straight to it, else null. */
  static SocketChannel of(Channel channel) {
    if (JAVA_CHANNEL == null || !(channel instanceof AbstractNioChannel)) {
      return null;
    }
    for (Map.Entry<String, ChannelHandler> entry : channel.pipeline()) {
      ChannelHandler handler = entry.getValue();
      if (!(handler instanceof WebSocketFrameDecoder || handler instanceof WebSocketFrameEncoder
          || handler instanceof VertxHandler<?>)) {
        return null;
      }
    }
    try {
      return JAVA_CHANNEL.invoke(channel) instanceof SocketChannel socket ? socket : null;
    } catch (Throwable e) {
      return null;
    }
  }

  /**
   * Writes a whole frame to the channel of {@code wire}, flushed: straight to {@code socket} when
   * there is one and nothing is pending, what it does not take (or all of it) through Netty.
   * {@code bytes} is {@code frame}'s readable bytes as a NIO buffer, rewound (null without a
   * socket); {@code frame} itself is not consumed. True when the socket took it all at once.
   * Called on the channel's event loop only.
   */
  static boolean write(ChannelHandlerContext wire, SocketChannel socket, ByteBuf frame, ByteBuffer bytes,
      ChannelPromise promise) {
    int written = socket == null ? -1 : write(wire.channel(), socket, bytes);
    if (written == frame.readableBytes()) {
      return true;
    }
    if (written > 0) { // the socket's buffer filled up: Netty writes the rest when it drains
      wire.writeAndFlush(frame.retainedSlice(frame.readerIndex() + written, frame.readableBytes() - written), promise);
    } else {
      wire.writeAndFlush(frame.retainedDuplicate(), promise);
    }
    return false;
  }

  /**
   * Writes {@code bytes} (from its position to its limit) to the socket if nothing is pending on
   * the channel; returns how many bytes the socket took, or -1 when the write must go through
   * Netty (something pending, the channel closed, or the write failed: Netty then meets the
   * failure itself).
   */
  private static int write(Channel channel, SocketChannel socket, ByteBuffer bytes) {
    ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
    if (pending == null || pending.totalPendingWriteBytes() > 0 || pending.size() > 0) {
      return -1;
    }
    try {
      return socket.write(bytes);
    } catch (IOException e) {
      return -1;
    }
  }

  private static MethodHandle javaChannelGetter() {
    try {
      var method = AbstractNioChannel.class.getDeclaredMethod("javaChannel");
      method.setAccessible(true);
      return MethodHandles.lookup().unreflect(method);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("WebSocket frames go through Netty's outbound buffer: {}", e.toString());
      return null;
    }
  }
}
