package io.switchboard.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;

/**
 * The UTF-8 text of a frame written to many sockets, which also carries that text compressed, made
 * once on the first socket that negotiated permessage-deflate and reused for every other one
 * ({@link PerMessageDeflate}: without context takeover, one message's compressed bytes are valid
 * on every socket). Sockets without compression write the text as it is.
 *
 * <p>It travels to the socket's pipeline as the frame's content: Vert.x slices a buffer for each
 * write and wraps it, so each slice of the whole text is again a {@code SharedFrame} over the same
 * bytes, and {@link #deflated} finds it under the wrappers. The bytes are never written to.
 */
final class SharedFrame extends UnpooledHeapByteBuf {

  /** The compressed form and its level, shared by every slice of one frame. */
  private record Compressed(int level, byte[] bytes) {}

  private static final class Deflated {
    volatile Compressed compressed;
  }

  private final Deflated deflated;

  private SharedFrame(byte[] utf8, Deflated deflated) {
    super(UnpooledByteBufAllocator.DEFAULT, utf8, utf8.length);
    this.deflated = deflated;
  }

  /** The same text as a buffer whose compressed form is made at most once. */
  static Buffer of(Buffer utf8) {
    return of(utf8.getBytes());
  }

  /** The same, over these bytes (not copied: the caller hands them over and never writes to them). */
  static Buffer of(byte[] utf8) {
    return BufferInternal.buffer(new SharedFrame(utf8, new Deflated()));
  }

  @Override
  public ByteBuf slice() {
    return whole() ? new SharedFrame(array(), deflated) : super.slice();
  }

  @Override
  public ByteBuf duplicate() {
    return whole() ? new SharedFrame(array(), deflated) : super.duplicate();
  }

  private boolean whole() {
    return readerIndex() == 0 && writerIndex() == capacity();
  }

  /**
   * The compressed form of a frame's content when that content is a whole {@code SharedFrame}
   * (under Vert.x's wrappers), else null. Made on first use, on any thread: two threads racing
   * make the same bytes.
   */
  static byte[] deflated(ByteBuf content, int level) {
    ByteBuf inner = content;
    while (inner != null && !(inner instanceof SharedFrame)) {
      inner = inner.unwrap();
    }
    if (!(inner instanceof SharedFrame shared) || content.readableBytes() != shared.capacity()) {
      return null; // not one, or a part of one
    }
    Compressed compressed = shared.deflated.compressed;
    if (compressed == null || compressed.level() != level) {
      compressed = new Compressed(level, PerMessageDeflate.deflate(ByteBuffer.wrap(shared.array()), level));
      shared.deflated.compressed = compressed;
    }
    return compressed.bytes();
  }
}
