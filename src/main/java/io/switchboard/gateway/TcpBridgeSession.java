package io.switchboard.gateway;

import io.switchboard.core.Problem;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Security;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP bridge client. In: {@code {"type": "send"|"publish"|"register"|"unregister"|"ping",
 * "address", "headers"?, "body"?, "replyAddress"?}}; out: {@code message}, {@code err} and
 * {@code pong} frames, as the Vert.x TCP bridge writes them, each a 4-byte big-endian length and
 * that many bytes of JSON. The first frame authenticates the client with a {@code token} header
 * when auth is on; the header never travels further.
 */
final class TcpBridgeSession {

  /** {@code maxFrameBytes}: the largest frame read; {@code replyTimeoutMs}: how long a request delivered to the client waits for its answer. */
  record Limits(int maxFrameBytes, int maxRegistrations, long replyTimeoutMs) {}

  private record Pending(Message<Object> message, long since) {}

  private static final Logger log = LoggerFactory.getLogger(TcpBridgeSession.class);
  private static final String TOKEN_HEADER = "token";
  private static final String REPLY_PREFIX = "__vertx.reply.";
  private static final String TRANSPORT = "tcp";

  private final Vertx vertx;
  private final NetSocket socket;
  private final String remoteAddress;
  private final Security security;
  private final BridgeRules rules;
  private final Limits limits;
  private final ConnectionMetrics metrics;
  private final GroupBridge groups;
  private final String sessionId = java.util.UUID.randomUUID().toString();
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
  /** Requests delivered to the client with a reply address, by that address, until it answers. */
  private final Map<String, Pending> replies = new HashMap<>();
  private RecordParser parser;
  private boolean awaitingLength = true;
  private boolean closing;
  private Future<Principal> principal;
  private long expiryTimer = -1;
  private long writeQueueFullSince;

  TcpBridgeSession(Vertx vertx, NetSocket socket, String remoteAddress, Security security, BridgeRules rules, Limits limits,
                   ConnectionMetrics metrics, GroupBridge groups) {
    this.vertx = vertx;
    this.groups = groups;
    this.metrics = metrics;
    this.socket = socket;
    this.remoteAddress = remoteAddress;
    this.security = security;
    this.rules = rules;
    this.limits = limits;
  }

  void start() {
    parser = RecordParser.newFixed(4, this::onRecord);
    socket.handler(parser);
    socket.exceptionHandler(e -> {
      log.debug("TCP bridge client {}: {}", remoteAddress, e.toString());
      socket.close();
    });
  }

  /** The socket closed: nothing of this client stays registered. */
  void closed() {
    if (principal != null && principal.succeeded()) {
      groups.closed(principal.result(), TRANSPORT, sessionId);
    }
    registrations.values().forEach(MessageConsumer::unregister);
    registrations.clear();
    replies.values().forEach(p -> p.message().fail(503, "the TCP bridge client that was to answer disconnected"));
    replies.clear();
    security.cancel(expiryTimer);
  }

  /**
   * Periodic: forgets requests the client left unanswered past their timeout (their senders have
   * given up) and closes a client that has not read for {@code slowCloseMs}; true if it closed it.
   */
  boolean sweep(long now, long slowCloseMs) {
    replies.values().removeIf(p -> now - p.since() > limits.replyTimeoutMs());
    if (!socket.writeQueueFull()) {
      writeQueueFullSince = 0;
    } else if (writeQueueFullSince == 0) {
      writeQueueFullSince = now;
    } else if (now - writeQueueFullSince > slowCloseMs) {
      socket.close();
      return true;
    }
    return false;
  }

  /** The length (checked before a byte of the frame is held), then the frame. */
  private void onRecord(Buffer record) {
    if (closing) {
      return;
    }
    if (awaitingLength) {
      int length = record.getInt(0);
      if (length <= 0 || length > limits.maxFrameBytes()) {
        error(length <= 0 ? "invalid_frame_length" : "frame_too_large");
        closing = true;
        socket.close();
        return;
      }
      awaitingLength = false;
      parser.fixedSizeMode(length);
    } else {
      awaitingLength = true;
      parser.fixedSizeMode(4);
      onFrame(record);
    }
  }

  private void onFrame(Buffer bytes) {
    JsonObject frame;
    try {
      frame = new JsonObject(bytes);
    } catch (DecodeException | ClassCastException e) {
      error("invalid_json");
      return;
    }
    Object headers = frame.getValue("headers");
    if (headers != null && !(headers instanceof JsonObject)) {
      error("invalid_headers");
      return;
    }
    if (principal == null) {
      Object token = headers == null ? null : ((JsonObject) headers).getValue(TOKEN_HEADER);
      principal = security.authenticate(token instanceof String t ? t : null, remoteAddress)
          .onSuccess(p -> expiryTimer = security.closeOnExpiry(p, socket::close));
    }
    if (headers != null) {
      ((JsonObject) headers).remove(TOKEN_HEADER);
    }
    // Frames are handled in order: later ones wait on the same authentication.
    principal.onComplete(authenticated -> {
      if (authenticated.failed()) {
        principal = null; // a later frame may bring a valid token
        error("access_denied");
      } else {
        handle(frame, authenticated.result());
      }
    });
  }

  private void handle(JsonObject frame, Principal principal) {
    String type = frame.getValue("type") instanceof String t ? t : "";
    if (type.equals("ping")) {
      writeFrame(socket, new JsonObject().put("type", "pong"));
      return;
    }
    if (!(frame.getValue("address") instanceof String address)) {
      error(type.isEmpty() ? "unknown_type" : "missing_address");
      return;
    }
    switch (type) {
      case "send" -> send(address, frame, principal);
      case "publish" -> {
        if (rules.inbound(true, frame, TRANSPORT, principal, security.rates())) {
          vertx.eventBus().publish(address, frame.getValue("body"), deliveryOptions(frame));
        } else {
          error("access_denied");
        }
      }
      case "register" -> register(address, frame, principal);
      case "unregister" -> {
        MessageConsumer<Object> consumer = registrations.remove(address);
        if (consumer == null) {
          error("unknown_address");
        } else {
          consumer.unregister();
        }
      }
      default -> error("unknown_type");
    }
  }

  private void send(String address, JsonObject frame, Principal principal) {
    Pending request = replies.remove(address);
    if (request != null) {
      // The client's answer to a request it received.
      if (frame.getValue("failureCode") instanceof Number code) {
        request.message().fail(code.intValue(), frame.getValue("message") instanceof String m ? m : "failed");
      } else {
        request.message().reply(frame.getValue("body"), deliveryOptions(frame));
      }
      return;
    }
    if (address.startsWith(REPLY_PREFIX) || !rules.inbound(false, frame, TRANSPORT, principal, security.rates())) {
      error("access_denied");
      return;
    }
    if (GroupBridge.isGroupAddress(address)) {
      // checked against the group's source, then stamped with this client's consumer id
      groups.admit(frame, principal, TRANSPORT, sessionId).onComplete(admitted -> {
        Problem problem = admitted.failed() ? Problem.from(admitted.cause(), address) : null;
        if (problem != null && (problem.status() == 403 || !(frame.getValue("replyAddress") instanceof String replyAddress))) {
          error("access_denied");
        } else if (problem != null) {
          // an unknown group, a malformed request: the client's request fails with the problem
          writeFrame(socket, new JsonObject().put("type", "err").put("address", frame.getString("replyAddress"))
              .put("sourceAddress", address).put("failureCode", problem.status())
              .put("failureType", ReplyFailure.RECIPIENT_FAILURE.name()).put("message", problem.toJson().encode()));
        } else {
          forward(address, frame);
        }
      });
      return;
    }
    forward(address, frame);
  }

  private void forward(String address, JsonObject frame) {
    if (!(frame.getValue("replyAddress") instanceof String replyAddress)) {
      vertx.eventBus().send(address, frame.getValue("body"), deliveryOptions(frame));
      return;
    }
    vertx.eventBus().request(address, frame.getValue("body"), deliveryOptions(frame)).onComplete(answer -> {
      if (answer.succeeded()) {
        deliver(replyAddress, answer.result(), true);
        return;
      }
      ReplyException failure = answer.cause() instanceof ReplyException r ? r
          : new ReplyException(ReplyFailure.ERROR, -1, String.valueOf(answer.cause().getMessage()));
      writeFrame(socket, new JsonObject().put("type", "err").put("address", replyAddress).put("sourceAddress", address)
          .put("failureCode", failure.failureCode()).put("failureType", failure.failureType().name())
          .put("message", failure.getMessage()));
    });
  }

  private void register(String address, JsonObject frame, Principal principal) {
    if (!rules.outboundPermitted(address) || !rules.register(frame, principal)) {
      error("access_denied");
      return;
    }
    if (registrations.containsKey(address)) {
      return; // once is enough: a second consumer would deliver everything twice
    }
    if (registrations.size() >= limits.maxRegistrations()) {
      error("too_many_registrations");
      return;
    }
    registrations.put(address, vertx.eventBus().consumer(address, message -> {
      if (socket.writeQueueFull()) {
        // The client is not reading: what it registered for is dropped (counted) rather than
        // queued without bound, until it reads again or is closed as slow. A request fails at once.
        metrics.dropped();
        if (message.replyAddress() != null) {
          message.fail(503, "the TCP bridge client for " + address + " is not reading");
        }
        return;
      }
      metrics.sent();
      deliver(address, message, message.isSend());
    }));
  }

  /** A message (or a reply to the client's request) as a {@code message} frame to {@code address}. */
  private void deliver(String address, Message<Object> message, boolean send) {
    if (message.replyAddress() != null) {
      replies.put(message.replyAddress(), new Pending(message, System.currentTimeMillis()));
    }
    JsonObject headers = new JsonObject();
    message.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
    JsonObject frame = new JsonObject().put("type", "message").put("address", address).put("headers", headers)
        .put("send", send).put("body", message.body());
    if (message.replyAddress() != null) {
      frame.put("replyAddress", message.replyAddress());
    }
    writeFrame(socket, frame);
  }

  /** String headers travel; the send timeout may be asked for, up to a minute; codecs are the hub's choice. */
  private static DeliveryOptions deliveryOptions(JsonObject frame) {
    DeliveryOptions options = new DeliveryOptions();
    JsonObject headers = frame.getJsonObject("headers");
    if (headers == null) {
      return options;
    }
    for (Iterator<Map.Entry<String, Object>> it = headers.iterator(); it.hasNext(); ) {
      Map.Entry<String, Object> header = it.next();
      Object value = header.getValue();
      if (header.getKey().equals("timeout") && value instanceof Number ms) {
        options.setSendTimeout(Math.max(1, Math.min(60_000, ms.longValue())));
      } else if (value != null && !header.getKey().equals("codecName") && !header.getKey().equals("localOnly")) {
        options.addHeader(header.getKey(), String.valueOf(value));
      }
    }
    return options;
  }

  private void error(String message) {
    writeFrame(socket, new JsonObject().put("type", "err").put("message", message));
  }

  static void writeFrame(NetSocket socket, JsonObject frame) {
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer(4 + json.length()).appendInt(json.length()).appendBuffer(json));
  }
}
