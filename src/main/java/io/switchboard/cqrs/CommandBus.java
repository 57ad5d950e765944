package io.switchboard.cqrs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.switchboard.core.Addresses;
import io.switchboard.core.Metrics;
import io.switchboard.core.Problem;
import io.switchboard.core.SharedJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command handlers registered by name on the event bus: a command named {@code CreateOrder} is a
 * request to {@code switchboard.command.CreateOrder} whose body is the command (a JSON object),
 * with an optional {@code correlation-id} header. The answer is the handler's JSON plus
 * {@code correlation_id}; a refusal is a problem (see {@link CommandHandler}). Several verticle
 * instances registering the same name share the commands (the event bus takes turns).
 */
public final class CommandBus {

  private static final Logger log = LoggerFactory.getLogger(CommandBus.class);
  /** Command and query names: they become part of an event-bus address and a metric tag. */
  static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");

  private final Vertx vertx;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  public CommandBus(Vertx vertx) {
    this.vertx = vertx;
    SharedJson.register(vertx);
  }

  /** Registers the handler of the commands named {@code name}; the future completes once it is reachable. */
  public Future<Void> register(String name, CommandHandler handler) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a command name is a letter then up to 99 letters, digits or '_': " + name);
    }
    Counter accepted = counter(name, "accepted");
    Counter refused = counter(name, "refused");
    Counter failed = counter(name, "failed");
    Timer duration = Timer.builder("switchboard.cqrs.command.duration").tag("command", name)
        .description("Time from a command's arrival to its answer").register(Metrics.registry());
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.command(name), message -> {
      long started = System.nanoTime();
      dispatch(name, handler, message).onComplete(ar -> {
        duration.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (ar.succeeded()) {
          accepted.increment();
        } else if (ar.cause() instanceof Problem p && p.status() < 500) {
          refused.increment();
        } else {
          failed.increment();
        }
      });
    });
    consumers.add(consumer);
    return consumer.completion();
  }

  private static Counter counter(String name, String outcome) {
    return Counter.builder("switchboard.cqrs.commands").tag("command", name).tag("outcome", outcome)
        .description("Commands handled, by outcome (accepted, refused with a 4xx problem, failed)")
        .register(Metrics.registry());
  }

  private Future<JsonObject> dispatch(String name, CommandHandler handler, Message<Object> message) {
    String correlationId = message.headers().get(Addresses.CORRELATION_ID_HEADER);
    String commandId = UUID.randomUUID().toString();
    if (correlationId == null || correlationId.isBlank()) {
      correlationId = commandId;   // the command starts the conversation
    }
    String correlation = correlationId.length() > 255 ? correlationId.substring(0, 255) : correlationId;
    Future<JsonObject> result;
    try {
      if (!(message.body() instanceof JsonObject payload)) {
        throw Problem.invalid("invalid-command", "command " + name + " takes a JSON object");
      }
      result = handler.handle(new Command(payload, new CommandContext(name, commandId, correlation)));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result
        // A copy the handler cannot change, handed over (the bus would copy it once more).
        .onSuccess(answer -> message.reply(answer.copy().put("correlation_id", correlation), SharedJson.HANDED_OVER))
        .recover(e -> {
          Problem problem = e instanceof Problem p ? p
              : e instanceof ReplyException ? Problem.from(e, "a service " + name + " called") : null;
          if (problem == null) {
            log.error("command {} failed", name, e);
            problem = Problem.internal("command " + name + " failed inside the hub; the log has the details");
          }
          problem.failReply(message);
          return Future.failedFuture(problem);
        });
  }

  /**
   * Sends a command and gets its answer, for callers in Java. A name nothing handles fails with a
   * 404 {@code unknown-command} problem; refusals arrive as the handler's problem.
   */
  public static Future<JsonObject> send(Vertx vertx, String name, JsonObject command, String correlationId) {
    DeliveryOptions options = new DeliveryOptions();
    if (correlationId != null) {
      options.addHeader(Addresses.CORRELATION_ID_HEADER, correlationId);
    }
    String address = Addresses.command(name);
    return vertx.eventBus().<JsonObject>request(address, command, options)
        .map(Message::body)
        .recover(e -> Future.failedFuture(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
            ? new Problem(404, "unknown-command", "Not found", "no handler is registered for command '" + name + "' (" + address + ")")
            : Problem.from(e, address)));
  }

  public Future<Void> close() {
    List<Future<Void>> unregistered = consumers.stream().map(MessageConsumer::unregister).toList();
    consumers.clear();
    return Future.all(unregistered).mapEmpty();
  }
}
