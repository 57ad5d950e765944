package io.switchboard.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.Http1xServerConnection;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the first bytes a new HTTP/1.x connection sends (its first request: in a reconnect storm,
 * a WebSocket upgrade) until the instance's pacer lets them through, a few connections per turn of
 * the event loop; later requests on the connection pass untouched.
 *
 * <p>Netty reads every ready socket in one I/O phase before it runs any queued task. In a storm
 * of 5,000 clients, thousands of upgrade requests became readable together, and handling each
 * (Vert.x's request, credentials, browser checks, the route, the paused handshake) in that phase
 * took 0.3–0.9 s of the loop at a time (JFR: 80–90 % of the gateway loops' samples during those
 * stalls were there), while the reply to a REST publish waited behind it. Held here, a request
 * costs the I/O phase its read, its decoding and the connection's set-up; the rest runs in a
 * later turn's slice, beside whatever else that turn carries.
 *
 * <p>While it holds, the channel reads nothing more (auto-read off; Vert.x keeps its own flag, so
 * its pause and resume are not disturbed) and the read-complete signal is kept back. A connection
 * that closes meanwhile frees what was held.
 */
final class FirstRequestGate extends ChannelInboundHandlerAdapter {

  private final HandshakePacer pacer;
  /** What the connection sent before its turn; null until its first read. */
  private List<Object> held;
  private boolean done;

  private FirstRequestGate(HandshakePacer pacer) {
    this.pacer = pacer;
  }

  /**
   * A connection handler for the HTTP server: puts a gate in front of Vert.x's handler of every
   * HTTP/1.x connection, released by {@code pacer} (the connection's instance's, on its loop).
   * Vert.x 5.0 calls it while the first request, decoded, is on its way to that handler (it sets the
   * connection up then), so the gate holds the decoded request: Vert.x's request, the routes and
   * the upgrade wait; the connection's set-up and the HTTP decoding stay in the I/O phase.
   */
  static Handler<HttpConnection> installer(HandshakePacer pacer) {
    return connection -> {
      if (connection instanceof Http1xServerConnection http1) {
        ChannelHandlerContext vertx = http1.channelHandlerContext();
        vertx.pipeline().addBefore(vertx.name(), "firstRequestGate", new FirstRequestGate(pacer));
      }
    };
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (held == null) {
      held = new ArrayList<>(2);
      ctx.channel().config().setAutoRead(false);
      pacer.admit(() -> {
        release(ctx);
        return Future.succeededFuture();
      });
    }
    held.add(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (done) {
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    discard();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    discard();
  }

  /** Its turn: reading resumes and what was held goes on, in order, as if read now. */
  private void release(ChannelHandlerContext ctx) {
    if (done) {
      return; // closed meanwhile
    }
    done = true;
    List<Object> messages = held;
    held = null;
    // Auto-read first: Vert.x may pause the request it is about to see, which must win.
    ctx.channel().config().setAutoRead(true);
    ctx.pipeline().remove(this);
    for (Object message : messages) {
      ctx.fireChannelRead(message);
    }
    ctx.fireChannelReadComplete();
  }

  /** Closed (or removed) before its turn: what was held is freed, and its turn will find it done. */
  private void discard() {
    done = true;
    if (held != null) {
      held.forEach(ReferenceCountUtil::release);
      held = null;
    }
  }
}
