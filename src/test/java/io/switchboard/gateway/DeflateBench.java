package io.switchboard.gateway;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compression side of a fan-out, without the network: S sockets (Netty channels with the
 * negotiated encoder, the frames written as WsConnection writes them) each get M event frames;
 * CPU per delivery of this thread, bytes per delivery, and RSS per socket once every socket has
 * had a message. One variant per JVM, so RSS is its own.
 *
 * <p>Variants: {@code vertx} (Vert.x 5.0.7's handshaker as configured before: context takeover
 * for a browser's offer), {@code shared} (PerMessageDeflate, the frame compressed once),
 * {@code per-socket} (PerMessageDeflate, a frame built per socket: SockJS), {@code plain}.
 *
 * <p>usage: java -cp target/test-classes:target/switchboard.jar io.switchboard.gateway.DeflateBench VARIANT [S=2000] [M=100]
 */
public final class DeflateBench {

  public static void main(String[] args) throws Exception {
    String variant = args[0];
    int sockets = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int messages = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    WebSocketExtensionData browserOffer = new WebSocketExtensionData("permessage-deflate", Map.of("client_max_window_bits", ""));
    WebSocketServerExtension extension = switch (variant) {
      case "vertx" -> new PerMessageDeflateServerExtensionHandshaker(1, false, 15, true, true, 0).handshakeExtension(browserOffer);
      case "shared", "per-socket" -> new PerMessageDeflate(1).handshakeExtension(browserOffer);
      case "plain" -> null;
      default -> throw new IllegalArgumentException(variant);
    };
    boolean shared = variant.equals("shared");
    boolean perSocket = variant.equals("per-socket");

    System.gc();
    long rss0 = rss();
    List<EmbeddedChannel> channels = new ArrayList<>(sockets);
    for (int i = 0; i < sockets; i++) {
      channels.add(extension == null ? new EmbeddedChannel() : new EmbeddedChannel(extension.newExtensionEncoder()));
    }
    long[] bytes = new long[1];
    for (int m = 0; m < 10; m++) { // warm-up: every socket has had messages
      deliver(channels, event(m), shared, perSocket, bytes);
    }
    System.gc();
    long rss1 = rss();
    var threads = ManagementFactory.getThreadMXBean();
    bytes[0] = 0;
    long cpu0 = threads.getCurrentThreadCpuTime();
    for (int m = 0; m < messages; m++) {
      deliver(channels, event(m), shared, perSocket, bytes);
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    long deliveries = (long) sockets * messages;
    System.out.printf("%-11s %d sockets x %d messages: %.2f us CPU per delivery, %.0f bytes per delivery (plain %d), RSS per socket %.1f KB%n",
        variant, sockets, messages, cpu / 1000.0 / deliveries, (double) bytes[0] / deliveries, event(0).length(),
        (rss1 - rss0) / 1024.0 / sockets);
  }

  /** One message to every socket, as WsConnection writes it (Vert.x slices and wraps the buffer). */
  private static void deliver(List<EmbeddedChannel> channels, Buffer text, boolean shared, boolean perSocket, long[] bytes) {
    Buffer frame = shared ? SharedFrame.of(text) : text;
    for (EmbeddedChannel channel : channels) {
      Buffer own = perSocket ? Buffer.buffer(text.getBytes()) : frame; // per socket: SockJS builds each socket's frame
      WebSocketFrameImpl vertx = new WebSocketFrameImpl(WebSocketFrameType.TEXT, ((BufferInternal) own).getByteBuf(), true);
      channel.writeOutbound(new TextWebSocketFrame(true, 0, vertx.getBinaryData()));
      WebSocketFrame out = channel.readOutbound();
      bytes[0] += out.content().readableBytes();
      out.release();
    }
  }

  /** An event frame as the hub sends it for the fan-out benchmark's messages. */
  private static Buffer event(int n) {
    return Buffer.buffer("{\"type\":\"event\",\"topic\":\"bench." + (n % 100) + "\",\"cursor\":\"k3x9-" + (1000 + n)
        + "\",\"event\":{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/switchboard/node-1\","
        + "\"type\":\"bench\",\"time\":\"2026-12-07T01:00:" + (10 + n % 50) + ".123Z\",\"datacontenttype\":\"application/json\","
        + "\"data\":{\"sent\":" + (1765069200123.456 + n * 2.1) + ",\"warm\":false}}}");
  }

  private static long rss() throws Exception {
    Matcher m = Pattern.compile("VmRSS:\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/self/status")));
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
  }
}
