package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

class PerMessageDeflateTest {

  private static final String TEXT = "{\"type\":\"event\",\"data\":\"" + "compressible ".repeat(40) + "\"}";

  @Test
  void grantsNoContextTakeoverBothWaysToAnOfferThatDidNotAskAndDeclinesASmallerServerWindow() {
    PerMessageDeflate deflate = new PerMessageDeflate(1);
    WebSocketServerExtension chromium = deflate.handshakeExtension(
        new WebSocketExtensionData("permessage-deflate", Map.of("client_max_window_bits", "")));
    assertThat(chromium.rsv()).isEqualTo(WebSocketExtension.RSV1);
    assertThat(chromium.newReponseData().parameters())
        .containsKeys("server_no_context_takeover", "client_no_context_takeover");
    assertThat(deflate.handshakeExtension(
        new WebSocketExtensionData("permessage-deflate", Map.of("server_max_window_bits", "10")))).isNull();
    assertThat(deflate.handshakeExtension(new WebSocketExtensionData("x-webkit-deflate-frame", Map.of()))).isNull();
  }

  @Test
  void aSharedFrameIsCompressedOnceAndEachSocketGetsTheSameBytesThatInflateOnTheirOwn() {
    Buffer shared = SharedFrame.of(Buffer.buffer(TEXT));
    WebSocketFrame first = written(shared);
    WebSocketFrame second = written(shared);
    for (WebSocketFrame frame : new WebSocketFrame[] {first, second}) {
      assertThat(frame).isInstanceOf(TextWebSocketFrame.class);
      assertThat(frame.rsv() & WebSocketExtension.RSV1).isEqualTo(WebSocketExtension.RSV1);
      assertThat(inflate(frame.content())).isEqualTo(TEXT);
    }
    assertThat(first.content().array()).isSameAs(second.content().array()); // made once
    assertThat(first.content().readableBytes()).isLessThan(TEXT.length() / 4);
    assertThat(shared.toString()).isEqualTo(TEXT); // what sockets without compression write
  }

  @Test
  void otherFramesAreCompressedPerSocketAndSmallOrFragmentedOnesGoPlain() {
    WebSocketFrame own = written(Buffer.buffer(TEXT));
    assertThat(own.rsv()).isEqualTo(WebSocketExtension.RSV1);
    assertThat(inflate(own.content())).isEqualTo(TEXT);

    WebSocketFrame small = written(Buffer.buffer("{\"type\":\"pong\"}"));
    assertThat(small.rsv()).isZero();
    assertThat(small.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"pong\"}");

    EmbeddedChannel channel = new EmbeddedChannel(extension().newExtensionEncoder());
    channel.writeOutbound(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer(TEXT, StandardCharsets.UTF_8)),
        new ContinuationWebSocketFrame(true, 0, Unpooled.copiedBuffer(TEXT, StandardCharsets.UTF_8)));
    WebSocketFrame start = channel.readOutbound();
    WebSocketFrame rest = channel.readOutbound();
    assertThat(start.rsv()).isZero();
    assertThat(rest.rsv()).isZero();
    assertThat(rest.content().toString(StandardCharsets.UTF_8)).isEqualTo(TEXT);
  }

  private static WebSocketServerExtension extension() {
    return new PerMessageDeflate(1).handshakeExtension(new WebSocketExtensionData("permessage-deflate", Map.of()));
  }

  /** What the socket's pipeline gets when WsConnection writes the buffer (Vert.x slices and wraps it). */
  private static WebSocketFrame written(Buffer utf8) {
    WebSocketFrameImpl vertx = new WebSocketFrameImpl(WebSocketFrameType.TEXT, ((BufferInternal) utf8).getByteBuf(), true);
    EmbeddedChannel channel = new EmbeddedChannel(extension().newExtensionEncoder());
    channel.writeOutbound(new TextWebSocketFrame(true, 0, vertx.getBinaryData()));
    return channel.readOutbound();
  }

  /** A fresh inflater, the RFC 7692 tail put back. */
  private static String inflate(ByteBuf compressed) {
    Inflater inflater = new Inflater(true);
    inflater.setInput(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(compressed.duplicate(),
        Unpooled.wrappedBuffer(new byte[] {0, 0, (byte) 0xff, (byte) 0xff}))));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[1024];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new AssertionError(e);
    } finally {
      inflater.end();
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
