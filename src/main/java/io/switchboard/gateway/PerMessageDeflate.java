package io.switchboard.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.Http1xServerConnection;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.Deflater;

/**
 * permessage-deflate (RFC 7692) that costs no zlib state per socket, for {@code /ws} and SockJS's
 * WebSocket transport when {@code ws.compression} is on.
 *
 * <p>Vert.x's own handshaker grants no context takeover only to clients that ask, and browsers do
 * not ask: each socket then keeps a zlib stream (~110 KB of native memory) and compresses every
 * message again. This one always answers {@code server_no_context_takeover} and
 * {@code client_no_context_takeover} (RFC 7692 lets a server add both to any accepted offer), so
 * every message is compressed on its own: one {@link Deflater} per event-loop thread, reset
 * between messages, serves every socket, and a frame built for many sockets ({@link SharedFrame})
 * is compressed once and the same bytes go to each of them.
 *
 * <p>Vert.x 5 has no option for this: {@link #installer} swaps the extension handler Vert.x puts in
 * each HTTP/1.x connection's pipeline for one with this handshaker. Offers it cannot honour
 * ({@code server_max_window_bits}: Java's deflater always uses a 32 KB window) are declined, and
 * those clients get plain frames.
 */
final class PerMessageDeflate implements WebSocketServerExtensionHandshaker {

  /** Messages shorter than this go uncompressed: deflate does not make them smaller. */
  static final int MIN_BYTES = 64;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PerMessageDeflate.class);
  private static final String NAME = "permessage-deflate";
  /** The name under which Vert.x 5.0 adds its handler (HttpServerConnectionHandler). */
  private static final String VERTX_HANDLER = "webSocketExtensionHandler";
  private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
  private static final ThreadLocal<Deflater[]> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater[10]);
  private static final byte[] NOTHING = new byte[0];
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final int level;
  /** Checks the offer's parameters and makes the decoder; asked for no context takeover both ways. */
  private final PerMessageDeflateServerExtensionHandshaker offers;

  PerMessageDeflate(int level) {
    this.level = level;
    this.offers = new PerMessageDeflateServerExtensionHandshaker(level, false,
        PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, true, true, 0);
  }

  /**
   * A connection handler for the HTTP server: puts this handshaker in place of Vert.x's on every
   * HTTP/1.x connection (Vert.x adds its own only when per-message compression is enabled in the
   * server options, which also lets the frame decoder accept compressed frames).
   */
  static Handler<HttpConnection> installer(int level) {
    PerMessageDeflate handshaker = new PerMessageDeflate(level);
    return connection -> {
      if (!(connection instanceof Http1xServerConnection http1)) {
        return; // HTTP/2: no WebSocket upgrade there
      }
      ChannelPipeline pipeline = http1.channelHandlerContext().pipeline();
      if (pipeline.get(VERTX_HANDLER) instanceof WebSocketServerExtensionHandler) {
        pipeline.replace(VERTX_HANDLER, VERTX_HANDLER, new WebSocketServerExtensionHandler(handshaker));
      } else if (WARNED.compareAndSet(false, true)) {
        log.warn("ws.compression: Vert.x's WebSocket extension handler was not found in the connection pipeline;"
            + " compression falls back to Vert.x's (a zlib stream per socket)");
      }
    };
  }

  @Override
  public WebSocketServerExtension handshakeExtension(WebSocketExtensionData offer) {
    if (!NAME.equals(offer.name())) {
      return null;
    }
    Map<String, String> parameters = new HashMap<>(offer.parameters());
    parameters.put("server_no_context_takeover", null);
    parameters.put("client_no_context_takeover", null);
    WebSocketServerExtension accepted = offers.handshakeExtension(new WebSocketExtensionData(NAME, parameters));
    return accepted == null ? null : new Extension(accepted, level);
  }

  /** Netty's negotiated extension (its answer and its decoder) with the encoder below. */
  private record Extension(WebSocketServerExtension accepted, int level) implements WebSocketServerExtension {
    @Override
    public int rsv() {
      return accepted.rsv();
    }

    @Override
    public WebSocketExtensionEncoder newExtensionEncoder() {
      return new Encoder(level);
    }

    @Override
    public WebSocketExtensionDecoder newExtensionDecoder() {
      return accepted.newExtensionDecoder();
    }

    @Override
    public WebSocketExtensionData newReponseData() {
      return accepted.newReponseData();
    }
  }

  /**
   * Compresses whole text and binary messages of at least {@link #MIN_BYTES}; a {@link SharedFrame}
   * brings its compressed form, made once. Fragmented messages go uncompressed (RFC 7692 allows
   * any message to be sent plain), and so do frames that already carry RSV1.
   */
  private static final class Encoder extends WebSocketExtensionEncoder {
    private final int level;

    Encoder(int level) {
      this.level = level;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
      return (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)
          && ((WebSocketFrame) msg).isFinalFragment()
          && (((WebSocketFrame) msg).rsv() & WebSocketExtension.RSV1) == 0
          && ((WebSocketFrame) msg).content().readableBytes() >= MIN_BYTES;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
      ByteBuf content = frame.content();
      byte[] shared = SharedFrame.deflated(content, level);
      ByteBuf deflated = Unpooled.wrappedBuffer(shared != null ? shared : deflate(content.nioBuffer(), level));
      int rsv = frame.rsv() | WebSocketExtension.RSV1;
      out.add(frame instanceof TextWebSocketFrame
          ? new TextWebSocketFrame(true, rsv, deflated) : new BinaryWebSocketFrame(true, rsv, deflated));
    }
  }

  /**
   * One message compressed without context (the thread's deflater reset first), flushed with
   * SYNC_FLUSH and its trailing {@code 00 00 ff ff} removed, as RFC 7692 section 7.2.1 says.
   */
  static byte[] deflate(ByteBuffer message, int level) {
    Deflater[] perLevel = DEFLATERS.get();
    Deflater deflater = perLevel[level];
    if (deflater == null) {
      deflater = perLevel[level] = new Deflater(level, true);
    }
    deflater.reset();
    deflater.setInput(message);
    byte[] out = new byte[Math.max(64, message.remaining() / 2 + 16)];
    int length = 0;
    while (true) {
      length += deflater.deflate(out, length, out.length - length, Deflater.SYNC_FLUSH);
      if (length < out.length) {
        break; // SYNC_FLUSH done: it stops short of filling the buffer
      }
      out = Arrays.copyOf(out, out.length * 2);
    }
    deflater.setInput(NOTHING); // keep no reference to the message
    if (length < TAIL.length || !Arrays.equals(out, length - TAIL.length, length, TAIL, 0, TAIL.length)) {
      throw new IllegalStateException("deflate did not end with a sync flush");
    }
    return Arrays.copyOf(out, length - TAIL.length);
  }
}
