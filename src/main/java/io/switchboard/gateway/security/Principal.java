package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;
import io.switchboard.core.TopicName;
import io.switchboard.core.TopicPattern;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who is calling: a name ({@code key:NAME} or {@code jwt:SUB}: the owner of its client ids, the key
 * of its rate limit, what logs show), its scopes, its {@link Grants}, and when its credential
 * expires (null = never).
 *
 * <p>The admin scope includes every other and passes every grant. Every transport asks the same
 * questions here, so REST, SSE, WebSocket and both event-bus bridges refuse the same things with
 * the same 403 problem ({@code forbidden}).
 */
public record Principal(String name, Set<Scope> scopes, Grants grants, Instant expiresAt) {

  private static final String ANONYMOUS_PREFIX = "ip:";

  /** Every topic the store announces appended events on: {@code streams.{category}}. */
  private static final TopicPattern STORE_TOPICS = TopicPattern.parse(StreamNames.TOPIC_ROOT + ".*.#");

  /** Everyone, when no credentials are configured (the default, bound to 127.0.0.1). */
  public static Principal open(String address) {
    return new Principal(ANONYMOUS_PREFIX + address, EnumSet.of(Scope.ADMIN), Grants.ALL, null);
  }

  /** Whether this is the everyone-principal of a hub without credentials. */
  public boolean anonymous() {
    return name.startsWith(ANONYMOUS_PREFIX);
  }

  public boolean has(Scope scope) {
    return scopes.contains(Scope.ADMIN) || scopes.contains(scope);
  }

  public void require(Scope scope) {
    if (!has(scope)) {
      throw forbidden("this credential lacks the " + scope + " scope");
    }
  }

  private boolean admin() {
    return scopes.contains(Scope.ADMIN);
  }

  // ------------------------------------------------------------------ topics

  /**
   * A subscription must lie within one of the allowed patterns. One that can match the store's
   * announcements ({@code streams.{category}}) is also a category read: the exact topic of a
   * category the credential may read ({@link #mayReadCategory}), or anything with {@code $all}.
   */
  public void requireSubscribe(TopicPattern pattern) {
    require(Scope.SUBSCRIBE);
    if (admin()) {
      return;
    }
    if (grants.subscribe() != null && grants.subscribe().stream().noneMatch(allowed -> allowed.covers(pattern))) {
      throw forbidden("this credential may not subscribe to " + pattern);
    }
    if (pattern.overlaps(STORE_TOPICS) && !grants.reads().all()
        && !(pattern.isLiteral() && grants.reads().categoryTopic(pattern.toString()))) {
      throw forbidden(pattern + " carries the event store's announcements (" + StreamNames.TOPIC_ROOT
          + ".{category}): this credential may not read " + (pattern.isLiteral() ? "that category" : "every category")
          + " (grant streams.read \"$category:NAME\" and subscribe to " + StreamNames.TOPIC_ROOT + ".NAME, or \"$all\")");
    }
  }

  /** A publish must match an allowed pattern; the store's announcement topics are the store's alone. */
  public void requirePublish(String topic) {
    require(Scope.PUBLISH);
    if (admin()) {
      return;
    }
    if (StreamNames.isStoreTopic(topic)) {
      throw forbidden(TopicName.printable(topic) + " is where the event store announces appended events: "
          + "append to the stream instead");
    }
    if (grants.publish() != null && grants.publish().stream().noneMatch(allowed -> allowed.matches(topic))) {
      throw forbidden("this credential may not publish on " + TopicName.printable(topic));
    }
  }

  // ------------------------------------------------------------------ event store

  /** Whether this principal may append events to {@code stream} (and keep its snapshot). */
  public boolean mayAppend(String stream) {
    return admin() || (has(Scope.PUBLISH) && grants.append().matches(stream));
  }

  public void requireAppend(String stream) {
    require(Scope.PUBLISH);
    if (!mayAppend(stream)) {
      throw forbidden("this credential may not append to " + TopicName.printable(stream));
    }
  }

  /**
   * Whether this principal may read the events of one stream (read, subscribe, its snapshot):
   * granted by name, by its category ({@code $category:NAME}) or by {@code $all}.
   */
  public boolean mayReadStream(String stream) {
    return admin() || (has(Scope.SUBSCRIBE) && grants.reads().stream(stream, StreamNames.category(stream)));
  }

  /** Whether this principal may read a whole category: {@code $category:NAME} or {@code $all}, or admin. */
  public boolean mayReadCategory(String category) {
    return admin() || (has(Scope.SUBSCRIBE) && grants.reads().category(category));
  }

  /** Whether this principal may read {@code $all}, every event of the store: the {@code $all} grant or admin. */
  public boolean mayReadAll() {
    return admin() || (has(Scope.SUBSCRIBE) && grants.reads().all());
  }

  /**
   * The one check before anything reads the store for this principal (REST reads, SSE
   * subscriptions, bridge requests, consumer groups): {@code stream} is a stream name, or
   * {@code $all} with {@code category} null (every event) or a category name (that category).
   * Throws a 403 problem naming what was refused.
   */
  public void requireRead(String stream, String category) {
    require(Scope.SUBSCRIBE);
    boolean allowed;
    String what;
    if (!StreamNames.ALL.equals(stream)) {
      allowed = mayReadStream(stream);
      what = "stream " + TopicName.printable(stream);
    } else if (category != null) {
      allowed = mayReadCategory(category);
      what = "category " + TopicName.printable(category) + " (a grant \"$category:" + TopicName.printable(category) + "\")";
    } else {
      allowed = mayReadAll();
      what = "$all (a grant \"$all\")";
    }
    if (!allowed) {
      throw forbidden("this credential may not read " + what);
    }
  }

  // ------------------------------------------------------------------ queues, commands, queries

  public void requireQueue(String queue) {
    require(Scope.PUBLISH);
    if (!admin() && !grants.queues().matches(queue)) {
      throw forbidden("this credential may not publish to queue " + TopicName.printable(queue));
    }
  }

  public void requireCommand(String command) {
    require(Scope.PUBLISH);
    if (!admin() && !grants.commands().matches(command)) {
      throw forbidden("this credential may not send the command " + TopicName.printable(command));
    }
  }

  public void requireQuery(String query) {
    require(Scope.SUBSCRIBE);
    if (!admin() && !grants.queries().matches(query)) {
      throw forbidden("this credential may not ask the query " + TopicName.printable(query));
    }
  }

  /** Milliseconds until the credential expires, or -1 when it does not. */
  public long millisLeft() {
    return expiresAt == null ? -1 : Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis());
  }

  private static Problem forbidden(String detail) {
    return Security.forbidden(detail);
  }
}
