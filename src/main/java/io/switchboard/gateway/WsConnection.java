package io.switchboard.gateway;

import io.switchboard.core.Addresses;
import io.switchboard.core.Envelope;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.TopicEvent;
import io.switchboard.core.TopicName;
import io.switchboard.core.TopicPattern;
import io.switchboard.core.TopicPublication;
import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Scope;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One WebSocket client: the frame protocol of API.md (topics, rooms, personal messages, ping),
 * server pings that drop a dead peer, and a bounded outbox.
 *
 * <p>Frames are handled one after the other even when one needs a round trip (joining a room, a
 * publish), so a client may send join_room and room_message back to back.
 */
final class WsConnection implements Subscriber {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WsConnection.class);

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  private static final int MAX_PENDING_FRAMES = 64;

  private final ServerWebSocket ws;
  private final String clientId;
  /** Whether the client chose its id ({@code /ws/{clientId}}): only then can an older connection hold it. */
  private final boolean idFromClient;
  private final Principal principal;
  private final String connectionId = UUID.randomUUID().toString();
  private final WsContext context;
  private final Set<TopicPattern> patterns = new LinkedHashSet<>();
  /** Empty and shared until the first join: most connections never join a room or consume a group. */
  private Set<String> rooms = Set.of();
  private final Outbox<Buffer> outbox;
  /** The socket's channel for frames encoded once for all sockets; null: every frame goes through Vert.x. */
  private final ChannelHandlerContext wire;
  private final ChannelPromise wirePromise;
  /** The socket under {@link #wire} when those frames may go straight to its system call, else null. */
  private final java.nio.channels.SocketChannel socket;
  private java.util.Map<String, GroupConsumer> groups = java.util.Map.of();
  private Future<Void> processing = Future.succeededFuture();
  private int pendingFrames;
  private long lastSeen = System.currentTimeMillis();
  private boolean closed;
  /** Whether the client id is this connection's (no frame is handled before). */
  private boolean owned;
  /** The message whose frames are arriving, and whether it is binary. */
  private Buffer message;
  private boolean binaryMessage;
  /** Live messages waiting while a resume's replay is fetched (bounded by ws.max_backlog). */
  private ArrayDeque<OutboundFrames> held;

  WsConnection(ServerWebSocket ws, String clientId, boolean idFromClient, Principal principal, WsContext context) {
    this.ws = ws;
    this.clientId = clientId;
    this.idFromClient = idFromClient;
    this.principal = principal;
    this.context = context;
    // Every write below comes from the socket's event loop. Frames encoded once for all sockets
    // are written only where Vert.x writes directly too: the channel's room is then its write
    // queue's, and its frames and ours reach the socket in the order they were written. With
    // compression on, the handshaker's encoder must see every frame.
    boolean direct = WebSocketChannels.writeDirectly(ws);
    this.wire = context.settings().compression() || !direct ? null : WebSocketChannels.of(ws);
    this.wirePromise = wire == null ? null : new VoidChannelPromise(wire.channel(), false);
    this.socket = wire == null ? null : SocketWrites.of(wire.channel());
    this.outbox = new Outbox<>(new Outbox.Sink<>() {
      @Override
      public boolean isClosed() {
        return closed; // the close handler sets it; writes to a socket closed meanwhile are caught below
      }

      @Override
      public void write(Buffer frame) {
        try {
          writeText(frame);
        } catch (IllegalStateException socketClosed) {
          closed = true;
        }
      }

      @Override
      public boolean writeQueueFull() {
        try {
          return ws.writeQueueFull();
        } catch (IllegalStateException socketClosed) {
          closed = true;
          return false;
        }
      }

      @Override
      public void drainHandler(Runnable onDrain) {
        ws.drainHandler(v -> onDrain.run());
      }

      @Override
      public Buffer gapNotice(long dropped) {
        return new JsonObject().put("type", "gap").put("reason", "slow-client").put("dropped", dropped).toBuffer();
      }

      @Override
      public void closeAsSlow() {
        ws.close((short) 1008, "too slow: more than " + context.settings().maxBacklog() + " messages waiting");
      }
    }, context.settings().maxBacklog(), context.settings().policy(), context.metrics());
  }

  String clientId() {
    return clientId;
  }

  Principal principal() {
    return principal;
  }

  /**
   * Takes over the client id (an older connection with it, on any node, is closed), listens for
   * personal messages, and greets the client once all of that is in place. Fails with a 403 problem
   * when the id belongs to another credential. Frames wait until the id is this connection's.
   *
   * <p>An id the server assigned is nobody else's and names this instance ({@link AssignedClientIds}):
   * it is registered here only, with no cluster-wide entry or claim to write now or to refresh at
   * every heartbeat; personal messages for it come to this instance's own address.
   */
  Future<Void> open() {
    ws.frameHandler(this::onFrame);
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
    ws.exceptionHandler(this::onFrameError);
    if (!idFromClient) {
      owned = true;
      context.byClientId().add(clientId, this);
      sendFrame(new JsonObject().put("type", "welcome").put("client_id", clientId).encode());
      return Future.succeededFuture();
    }
    Vertx vertx = context.vertx();
    Future<Void> claimed = takeOverAssigned()
        .compose(v -> context.presence().claim(clientId, principal))
        .onSuccess(v -> owned = true);
    processing = claimed;
    return claimed
        .compose(v -> {
          if (!closed) {
            context.byClientId().add(clientId, this);
          }
          return context.presence().connectionOf(clientId);
        })
        .compose(previous -> {
          if (previous != null && !previous.equals(connectionId)) {
            vertx.eventBus().publish(RealtimeAddresses.CLIENTS,
                new JsonObject().put("client_id", clientId).put("replaced_by", connectionId));
          }
          return Future.<Void>succeededFuture();
        })
        .compose(v -> context.presence().connected(clientId, connectionId))
        .onSuccess(v -> sendFrame(new JsonObject().put("type", "welcome").put("client_id", clientId).encode()));
  }

  /**
   * A client that chose an id of the server-assigned shape (reconnecting with the id it was given,
   * say): the instance that id names may hold it, outside the cluster map. That instance closes
   * its connection for this one when the same principal holds it (or no credentials are
   * configured) and refuses (403) when another does, as a claim would; an instance that is gone
   * holds nothing.
   */
  private Future<Void> takeOverAssigned() {
    String instance = AssignedClientIds.instanceOf(clientId);
    if (instance == null) {
      return Future.succeededFuture();
    }
    JsonObject takeOver = new JsonObject().put("client_id", clientId).put("replaced_by", connectionId);
    if (!principal.anonymous()) {
      takeOver.put("as", principal.name());
    }
    return InstanceMailbox.ask(context.vertx(), instance, takeOver).<Void>mapEmpty()
        .recover(e -> Future.failedFuture(e instanceof Problem refused && refused.status() == 403
            ? new Problem(403, "client-id-taken", "Forbidden", "the client id " + clientId + " belongs to another credential")
            : e));
  }

  /**
   * A frame the socket could not take. Vert.x reports it here and then drops the TCP connection
   * (the peer would see 1006), so the close frame with the reason goes out first: 1009 for a
   * message over {@code ws.max_frame_bytes} (one frame, or fragments adding up; compressed ones are
   * counted inflated), 1007 for a text frame that is not UTF-8, 1002 for other protocol errors.
   */
  private void onFrameError(Throwable error) {
    if (closed) {
      return;
    }
    if (error instanceof CorruptedWebSocketFrameException corrupt) {
      log.debug("closing {}: {}", clientId, corrupt.getMessage());
      ws.close((short) corrupt.closeStatus().code(), corrupt.closeStatus().reasonText());
    } else if (error instanceof IllegalStateException && String.valueOf(error.getMessage()).contains("max message size")) {
      ws.close((short) 1009, "message over " + context.settings().maxFrameBytes() + " bytes");
    } else if (error instanceof DecoderException) {
      ws.close((short) 1002, "protocol error");
    } else {
      log.debug("WebSocket {} failed: {}", clientId, error.toString());
    }
  }

  /**
   * Gathers a message from its frames (bounded by {@code ws.max_frame_bytes}: 1009 past it) and
   * decodes it strictly (1007 when it is not UTF-8, where Vert.x would substitute characters).
   */
  private void onFrame(WebSocketFrame frame) {
    if (closed || !(frame.isText() || frame.isBinary() || frame.isContinuation())) {
      return;
    }
    if (!frame.isContinuation()) {
      binaryMessage = frame.isBinary();
      message = null;
    }
    Buffer data = frame.binaryData();
    int size = (message == null ? 0 : message.length()) + data.length();
    if (size > context.settings().maxFrameBytes()) {
      message = null;
      ws.close((short) 1009, "message over " + context.settings().maxFrameBytes() + " bytes");
      return;
    }
    if (message == null && frame.isFinal()) {
      message = data;
    } else {
      message = message == null ? Buffer.buffer(size).appendBuffer(data) : message.appendBuffer(data);
    }
    if (!frame.isFinal()) {
      return;
    }
    Buffer whole = message;
    message = null;
    if (binaryMessage) {
      error(null, "unsupported-frame", "binary frames are not supported: send JSON text");
      return;
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(whole.getBytes())).toString();
    } catch (CharacterCodingException notUtf8) {
      ws.close((short) 1007, "a text message must be UTF-8");
      return;
    }
    onText(text);
  }

  void onPersonal(JsonObject message) {
    String replacedBy = message.getString("replaced_by");
    if (replacedBy != null) {
      if (!replacedBy.equals(connectionId)) {
        ws.close((short) 4001, "replaced by a newer connection with the same client id");
      }
      return;
    }
    sendFrame(message.getJsonObject("frame").encode());
  }

  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    if (++pendingFrames >= MAX_PENDING_FRAMES) {
      ws.pause(); // a client flooding frames waits for us, instead of us queueing without bound
    }
    processing = processing.transform(previous -> handle(text)).onComplete(done -> {
      if (--pendingFrames < MAX_PENDING_FRAMES / 2) {
        ws.resume();
      }
    });
  }

  private Future<Void> handle(String text) {
    if (closed || !owned) {
      return Future.succeededFuture();
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      error(null, "malformed-frame", "a frame must be a JSON object");
      return Future.succeededFuture();
    }
    Object ref = frame.getValue("ref");
    try {
      String type = frame.getValue("type") instanceof String s ? s : null;
      if (type == null) {
        throw Problem.badRequest("malformed-frame", "a frame needs a \"type\"");
      }
      return switch (type) {
        case "subscribe" -> subscribe(frame, ref);
        case "unsubscribe" -> unsubscribe(frame, ref);
        case "publish" -> publish(frame, ref);
        case "join_room" -> joinRoom(room(frame), ref);
        case "leave_room" -> leaveRoom(room(frame), ref, true);
        case "room_message" -> roomMessage(frame, ref);
        case "consume" -> consume(frame, ref);
        case "ack" -> settle(frame, ref, false);
        case "nack" -> settle(frame, ref, true);
        case "ping" -> {
          sendFrame(withRef(new JsonObject().put("type", "pong"), ref));
          yield Future.succeededFuture();
        }
        default -> throw Problem.badRequest("unknown-type", "unknown frame type '" + TopicName.printable(type)
            + "' (expected subscribe, unsubscribe, publish, join_room, leave_room, room_message, consume, ack, nack, ping)");
      };
    } catch (Problem problem) {
      error(ref, problem.code(), problem.detail());
      return Future.succeededFuture();
    } catch (RuntimeException bug) {
      log.error("frame from {} failed", clientId, bug);
      error(ref, "internal", "the frame could not be handled; the log has the details");
      return Future.succeededFuture();
    }
  }

  private Future<Void> subscribe(JsonObject frame, Object ref) {
    List<TopicPattern> requested = topics(frame);
    requested.forEach(principal::requireSubscribe);
    String cursor = frame.getValue("cursor") instanceof String c && !c.isBlank() ? c : null;
    if (frame.getValue("cursor") != null && cursor == null) {
      throw Problem.badRequest("malformed-frame", "\"cursor\" must be the cursor of the last event received");
    }
    Set<TopicPattern> added = new LinkedHashSet<>(requested);
    added.removeAll(patterns);
    if (patterns.size() + added.size() > context.settings().maxTopics()) {
      throw Problem.badRequest("too-many-topics", "a connection subscribes to at most " + context.settings().maxTopics() + " patterns");
    }
    patterns.addAll(added);
    if (cursor != null) {
      held = held == null ? new ArrayDeque<>() : held; // live messages wait until the replay is written
    }
    context.subscriptions().add(this, added);
    sendFrame(withRef(new JsonObject().put("type", "subscribed").put("topics", names(patterns)), ref));
    if (cursor == null) {
      return Future.succeededFuture();
    }
    JsonArray topics = new JsonArray();
    requested.forEach(p -> topics.add(p.toString()));
    return context.vertx().eventBus().<JsonObject>request(Addresses.TOPICS_HISTORY,
            new JsonObject().put("after", cursor).put("topics", topics))
        .onSuccess(reply -> replay(reply.body(), topics))
        .onFailure(e -> {
          sendFrame(new JsonObject().put("type", "gap").put("reason", "history-unavailable").put("topics", topics).encode());
          releaseHeld(Set.of());
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /**
   * What the client missed since its cursor, from this node's history (the one SSE's Last-Event-ID
   * reads), then the live messages that arrived meanwhile, none twice. A gap frame first when the
   * history cannot fill the gap (too old, or a cursor of another node or run).
   */
  private void replay(JsonObject history, JsonArray topics) {
    if (history.getBoolean("gap", false)) {
      sendFrame(new JsonObject().put("type", "gap").put("reason", "history").put("topics", topics).encode());
    }
    Set<Long> replayed = new java.util.HashSet<>();
    JsonArray events = history.getJsonArray("events", new JsonArray());
    for (int i = 0; i < events.size(); i++) {
      OutboundFrames frames = new OutboundFrames(TopicEvent.fromJson(events.getJsonObject(i)));
      replayed.add(frames.sequence());
      outbox.send(frames.websocket());
    }
    releaseHeld(replayed);
  }

  private void releaseHeld(Set<Long> replayed) {
    ArrayDeque<OutboundFrames> waiting = held;
    held = null;
    if (waiting != null) {
      for (OutboundFrames frames : waiting) {
        if (!replayed.contains(frames.sequence())) {
          outbox.send(frames.websocket());
        }
      }
    }
  }

  private Future<Void> unsubscribe(JsonObject frame, Object ref) {
    List<TopicPattern> requested = topics(frame);
    patterns.removeAll(requested);
    context.subscriptions().remove(this, requested);
    sendFrame(withRef(new JsonObject().put("type", "unsubscribed").put("topics", names(patterns)), ref));
    return Future.succeededFuture();
  }

  private static List<TopicPattern> topics(JsonObject frame) {
    if (!(frame.getValue("topics") instanceof JsonArray topics) || topics.isEmpty()) {
      throw Problem.badRequest("malformed-frame", "\"topics\" must be a non-empty array of topic patterns");
    }
    List<TopicPattern> parsed = new ArrayList<>();
    for (Object topic : topics) {
      if (!(topic instanceof String s)) {
        throw Problem.badRequest("malformed-frame", "\"topics\" must hold strings");
      }
      parsed.add(TopicPattern.parse(s));
    }
    return parsed;
  }

  private static JsonArray names(Set<TopicPattern> patterns) {
    JsonArray out = new JsonArray();
    patterns.forEach(p -> out.add(p.toString()));
    return out;
  }

  private Future<Void> publish(JsonObject frame, Object ref) {
    String topic = TopicName.validate(frame.getValue("topic") instanceof String s ? s : null);
    principal.requirePublish(topic);
    context.rates().acquire(principal);
    JsonObject event;
    if (frame.getValue("event") instanceof JsonObject given) {
      event = given;
    } else {
      String type = frame.getValue("event_type") instanceof String s ? s : context.settings().defaultEventType();
      event = new JsonObject().put("type", type).put("data", frame.getValue("data"));
    }
    // Checked here, on this instance's loop, as a REST publish is: the router orders what it is given.
    Envelope checked;
    try {
      checked = Envelope.of(event, context.source());
    } catch (Problem refused) {
      throw Metrics.countedIfInvalid(refused);
    }
    return context.publisher().publish(new TopicPublication(topic, checked))
        .onSuccess(id -> sendFrame(withRef(new JsonObject().put("type", "published").put("id", id).put("topic", topic), ref)))
        .onFailure(e -> {
          Problem problem = Problem.from(e, Addresses.TOPICS_PUBLISH);
          error(ref, problem.code(), problem.detail());
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  // ------------------------------------------------------------------ consumer groups

  /** {@code {"type":"consume","group"}}: this connection becomes a consumer of the group (read rights on its source). */
  private Future<Void> consume(JsonObject frame, Object ref) {
    String group = frame.getValue("group") instanceof String g ? g : null;
    if (group == null || group.isBlank()) {
      throw Problem.badRequest("malformed-frame", "consume needs \"group\"");
    }
    if (groups.containsKey(group)) {
      sendFrame(withRef(new JsonObject().put("type", "consuming").put("group", group), ref));
      return Future.succeededFuture();
    }
    if (groups.size() >= 16) {
      throw Problem.badRequest("too-many-groups", "a connection consumes at most 16 groups");
    }
    GroupClient client = context.groups();
    return client.authorize(principal, group).<Void>map(spec -> {
      if (closed || groups.containsKey(group)) {
        return null;
      }
      String consumerId = GroupClient.consumerId("ws", principal, clientId + ":" + connectionId.substring(0, 8));
      GroupConsumer consumer = new GroupConsumer(context.vertx(), client, group, consumerId, "websocket",
          deliveries -> sendFrame(new JsonObject().put("type", "deliveries").put("group", group).put("deliveries", deliveries).encode()),
          problem -> error(null, problem.code(), "group " + group + ": " + problem.detail()));
      if (groups.isEmpty()) {
        groups = new java.util.LinkedHashMap<>();
      }
      groups.put(group, consumer);
      sendFrame(withRef(new JsonObject().put("type", "consuming").put("group", group), ref));
      consumer.start();
      return null;
    }).recover(e -> {
      Problem problem = Problem.from(e, "group " + group);
      error(ref, problem.code(), problem.detail());
      return Future.succeededFuture();
    });
  }

  /** {@code {"type":"ack","ids"}} / {@code {"type":"nack","ids","action","reason"}} ({@code group} when consuming several). */
  private Future<Void> settle(JsonObject frame, Object ref, boolean nack) {
    GroupConsumer consumer;
    if (frame.getValue("group") instanceof String g) {
      consumer = groups.get(g);
    } else {
      consumer = groups.size() == 1 ? groups.values().iterator().next() : null;
    }
    if (consumer == null) {
      throw Problem.badRequest("not-consuming", groups.isEmpty() ? "send consume {group} first"
          : "this connection consumes several groups: name the \"group\"");
    }
    if (!(frame.getValue("ids") instanceof JsonArray ids) || ids.isEmpty()) {
      throw Problem.badRequest("invalid-ids", "\"ids\" must be a non-empty list of delivery ids");
    }
    String action = nack ? (frame.getValue("action") instanceof String a ? a : "retry") : null;
    // Not awaited: acks flow while the next frames are read (the coordinator applies them in order).
    consumer.settle(ids, action, frame.getValue("reason"))
        .onSuccess(reply -> {
          if (ref != null) {
            sendFrame(withRef(new JsonObject().put("type", nack ? "nacked" : "acked").put("group", consumer.group())
                .put("ids", ids), ref));
          }
        })
        .onFailure(e -> {
          Problem problem = Problem.from(e, "group " + consumer.group());
          JsonObject error = new JsonObject().put("type", "error").put("code", problem.code()).put("message", problem.detail())
              .put("group", consumer.group());
          JsonObject extra = problem.toJson();
          for (String field : new String[] {"unknown", "foreign"}) {
            if (extra.getValue(field) != null) {
              error.put(field, extra.getValue(field));
            }
          }
          sendFrame(withRef(error, ref));
        });
    return Future.succeededFuture();
  }

  private static String room(JsonObject frame) {
    Object room = frame.getValue("room");
    if (!(room instanceof String s) || !NAME.matcher(s).matches()) {
      throw Problem.badRequest("invalid-room", "\"room\" must be 1-128 characters of A-Z a-z 0-9 _ . : -");
    }
    return s;
  }

  private Future<Void> joinRoom(String room, Object ref) {
    principal.require(Scope.SUBSCRIBE);
    if (!rooms.contains(room) && rooms.size() >= context.settings().maxRooms()) {
      throw Problem.badRequest("too-many-rooms", "a connection joins at most " + context.settings().maxRooms() + " rooms");
    }
    if (rooms.isEmpty()) {
      rooms = new LinkedHashSet<>();
    }
    boolean already = !rooms.add(room);
    Future<Void> joined = already ? Future.succeededFuture() : context.rooms().add(room, this)
        .compose(v -> context.presence().joined(room, clientId, connectionId))
        .onSuccess(v -> context.rooms().publish(room,
            new JsonObject().put("type", "user_joined").put("user_id", clientId).put("room", room), clientId));
    return joined
        .compose(v -> context.presence().members(room))
        .onSuccess(members -> sendFrame(withRef(new JsonObject().put("type", "joined").put("room", room)
            .put("members", new JsonArray(members)), ref)))
        .onFailure(e -> error(ref, "unavailable", "could not join " + room + ": " + e.getMessage()))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private Future<Void> leaveRoom(String room, Object ref, boolean acknowledge) {
    if (!rooms.contains(room)) {
      if (acknowledge) {
        error(ref, "not-a-member", "not a member of " + room);
      }
      return Future.succeededFuture();
    }
    rooms.remove(room);
    context.rooms().remove(room, this);
    return context.presence().left(room, clientId, connectionId)
        .onComplete(v -> {
          context.rooms().publish(room, new JsonObject().put("type", "user_left").put("user_id", clientId).put("room", room), clientId);
          if (acknowledge) {
            sendFrame(withRef(new JsonObject().put("type", "left").put("room", room), ref));
          }
        })
        .otherwiseEmpty();
  }

  private Future<Void> roomMessage(JsonObject frame, Object ref) {
    String room = room(frame);
    principal.require(Scope.PUBLISH);
    if (!rooms.contains(room)) {
      throw Problem.badRequest("not-a-member", "join " + room + " before sending to it");
    }
    context.rooms().publish(room, new JsonObject().put("type", "message").put("room", room).put("from", clientId)
        .put("content", frame.getValue("content")).put("timestamp", now()), null);
    return Future.succeededFuture();
  }

  static String now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
  }

  @Override
  public void deliver(TopicEvent event, OutboundFrames frames) {
    if (held != null) {
      if (held.size() >= context.settings().maxBacklog()) {
        held.removeFirst();
        outbox.droppedElsewhere();
      }
      held.addLast(frames);
      return;
    }
    if (wire != null && outbox.isIdle() && writeWire(frames)) {
      outbox.sentDirectly();
      return;
    }
    outbox.send(frames.websocket());
  }

  /**
   * Writes the message's shared, ready-made WebSocket frame to the channel, flushed at once (one
   * system call, as any write). Only on the channel's own event loop and while its buffer has
   * room; otherwise the frame takes the outbox's way (it waits there while the socket is full).
   */
  private boolean writeWire(OutboundFrames frames) {
    if (!wire.executor().inEventLoop() || !wire.channel().isWritable()
        || frames.websocket().length() > context.settings().maxFrameBytes()) {
      return false;
    }
    ByteBuf frame = frames.websocketWire();
    if (frame == null) {
      return false;
    }
    SocketWrites.write(wire, socket, frame, socket == null ? null : frames.websocketWireBytes(), wirePromise);
    return true;
  }

  void sendFrame(String text) {
    outbox.send(Buffer.buffer(text));
  }

  /** A frame encoded once for every connection it goes to (a topic message, a room message). */
  void sendFrame(Buffer utf8) {
    outbox.send(utf8);
  }

  /**
   * Writes UTF-8 text as one text frame, the same bytes for every socket: Vert.x's
   * {@code writeTextMessage(String)} would encode the string again for each one. Frames over the
   * frame size limit go through it, to be split as before.
   */
  private void writeText(Buffer utf8) {
    if (utf8.length() > context.settings().maxFrameBytes()) {
      ws.writeTextMessage(utf8.toString());
      return;
    }
    ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, ((BufferInternal) utf8).getByteBuf(), true));
  }

  private static String withRef(JsonObject frame, Object ref) {
    if (ref != null) {
      frame.put("ref", ref);
    }
    return frame.encode();
  }

  private void error(Object ref, String code, String message) {
    sendFrame(withRef(new JsonObject().put("type", "error").put("code", code).put("message", message), ref));
  }

  /**
   * Server ping. A live peer answers each ping before the next tick, so at most one interval
   * passes without a sign of life; past one and a half, the peer is gone (dropped at most two
   * intervals after it last spoke) and leaves its rooms.
   */
  void heartbeat(long now) {
    if (closed) {
      return;
    }
    if (now - lastSeen > context.settings().heartbeatMs() * 3 / 2) {
      ws.close((short) 1001, "no answer to pings");
      return;
    }
    ws.writePing(Buffer.buffer("hb"));
    if (idFromClient) {
      context.presence().keepClaim(clientId, principal);
    }
    if (context.presence().expires()) {
      if (idFromClient) {
        context.presence().connected(clientId, connectionId);
      }
      rooms.forEach(room -> context.presence().joined(room, clientId, connectionId));
    }
  }

  void close(short code, String reason) {
    if (!closed) {
      ws.close(code, reason);
    }
  }

  /** The socket is gone: forget its subscriptions, leave its rooms (others are told), drop presence. */
  void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    outbox.close();
    groups.values().forEach(GroupConsumer::close);
    groups = java.util.Map.of();
    context.subscriptions().remove(this, patterns);
    for (String room : List.copyOf(rooms)) {
      leaveRoom(room, null, false);
    }
    context.byClientId().remove(clientId, this);
    if (owned && idFromClient) {
      context.presence().disconnected(clientId, connectionId);
    } else if (!idFromClient && !principal.anonymous()) {
      context.byClientId().departed(clientId, principal.name(), System.currentTimeMillis());
    }
  }
}
