package io.switchboard.core;

/** Event-bus addresses shared between packages (API.md documents the public ones). */
public final class Addresses {

  private Addresses() {}

  /** Request {@code {"topic", "event"}} → reply {@code {"id", "topic"}}: publish on a topic. Node-local. */
  public static final String TOPICS_PUBLISH = "switchboard.topics.publish";

  /**
   * Node-local send {@code {"topic", "events": [CloudEvent, …]}}, no reply: the event store's
   * announcement of the events of an append it committed, complete CloudEvents it built itself, so
   * the router takes them without the checks and the reply of {@link #TOPICS_PUBLISH}; one message
   * per append (sent with {@link SharedJson}: not copied on the way).
   */
  public static final String TOPICS_ANNOUNCE = "switchboard.topics.announce";

  /**
   * Request {@code {"address": "switchboard.watch.<id>", "topics": [patterns], "ttl_ms"?}} →
   * {@code {"watching": [...], "ttl_ms"}}: send every message matching the patterns to that address
   * (which a bridge client has registered) until the watch expires; repeat the request to renew it.
   * How bridge clients, which can only register exact addresses, follow topic patterns.
   */
  public static final String TOPICS_WATCH = "switchboard.topics.watch";

  /** Prefix of the addresses watches deliver to. */
  public static final String WATCH_PREFIX = "switchboard.watch.";

  /** Every message on topic T is also published to {@code switchboard.topic.T} (envelope JSON). */
  public static final String TOPIC_PREFIX = "switchboard.topic.";

  /**
   * Node-local publish of each accepted topic message, on the node where it was published only:
   * what must happen once per message cluster-wide (Redis outbound, webhook fan-out) listens here.
   */
  public static final String TOPICS_PUBLISHED = "switchboard.topics.published";

  /**
   * Node-local publish of the topic messages in this node's delivery order, for the connections
   * here: a {@link TopicDeliveries} of what the sequencer ordered in one turn.
   */
  public static final String TOPICS_DELIVER = "switchboard.topics.deliver";

  /**
   * Node-local request {@code {"after": cursor, "topics": [patterns]}} → {@code {"gap", "last", "events"}}:
   * the retained messages this node delivered after a resume cursor.
   */
  public static final String TOPICS_HISTORY = "switchboard.topics.history";

  /**
   * Request {@code {"queue", "event", "priority"?, "delay_ms"?, "ttl_ms"?, "reply_to"?, "headers"?}} →
   * {@code {"id", "queue"}} once RabbitMQ confirmed the message: publish to a hub queue.
   */
  public static final String QUEUE_PUBLISH = "switchboard.queue.publish";

  /** Request (any body) → {@code {"queues": [{"name", "messages", "consumers", "dead_letters"}…]}}. */
  public static final String QUEUE_LIST = "switchboard.queue.list";

  /** Request {@code {"queue"}} → {@code {"name", "messages", "consumers", "dead_letters"}}. */
  public static final String QUEUE_INSPECT = "switchboard.queue.inspect";

  /** Request {@code {"queue"}} → {@code {"queue", "moved"}}: dead letters moved back to their queue. */
  public static final String QUEUE_REQUEUE = "switchboard.queue.requeue";

  /** Header naming where a published message came from (e.g. {@code redis}), so relays never loop. */
  public static final String ORIGIN_HEADER = "switchboard-origin";

  /** Request {@code {"stream","expected_version","events"}} → {@code {"stream","first_version","last_version","position"}}. */
  public static final String EVENTSTORE_APPEND = "switchboard.eventstore.append";

  /** Request {@code {"stream","from","limit","direction"}} (or {@code $all} with {@code from_position}, {@code category}) → {@code {"events"}}. */
  public static final String EVENTSTORE_READ = "switchboard.eventstore.read";

  /** Published cluster-wide after each append commits: {@code {"stream","category","first_version","last_version","first_position","position","count"}}. */
  public static final String EVENTSTORE_APPENDED = "switchboard.eventstore.appended";

  /** Request {@code {"stream","category"?,"after"?,"address","heartbeat_ms"?}} → {@code {"subscription"}}; batches then arrive at address. */
  public static final String EVENTSTORE_SUBSCRIBE = "switchboard.eventstore.subscribe";

  /** Request {@code {"stream","version","state"}} → {@code {"stream","version","taken_at"}}. */
  public static final String EVENTSTORE_SNAPSHOT_PUT = "switchboard.eventstore.snapshot.put";

  /** Request {@code {"stream"}} → {@code {"stream","version","state","taken_at"}}. */
  public static final String EVENTSTORE_SNAPSHOT_GET = "switchboard.eventstore.snapshot.get";

  /** Request {@code {"category","limit"?}} → {@code {"category","streams":[{"stream","version","position"}]}}, newest first. */
  public static final String EVENTSTORE_STREAMS = "switchboard.eventstore.streams";

  // ---- the store's lifecycle (issue 18): metadata, deletes, scavenging

  /** Request {@code {"stream"}} → {@code {"stream","max_age_ms","max_count","truncate_before","deleted","updated_at","category_defaults"}}. */
  public static final String EVENTSTORE_METADATA_GET = "switchboard.eventstore.metadata.get";

  /** Request {@code {"stream", "max_age_ms"?, "max_count"?, "truncate_before"?}} (left out: kept; null: cleared) → the metadata. */
  public static final String EVENTSTORE_METADATA_PUT = "switchboard.eventstore.metadata.put";

  /** Request {@code {"stream","hard"?,"expected_version"?}} → {@code {"stream","hard","last_version","position"}}. */
  public static final String EVENTSTORE_DELETE = "switchboard.eventstore.delete";

  /** Request {@code {}} → {@code {"ran","events","bytes","streams"}}: a scavenger pass now (ran: false when another instance holds the lock). */
  public static final String EVENTSTORE_SCAVENGE = "switchboard.eventstore.scavenge";

  /**
   * Request {@code {"streams"?: [..], "metadata"?: {"field": value}}} → {@code {"events","snapshots",
   * "stream_metadata","deletion_markers","event_ids"}}: the store's part of an erasure (admin).
   */
  public static final String EVENTSTORE_ERASE = "switchboard.eventstore.erase";

  /**
   * Published cluster-wide when streams' readable history changed other than by an append (a
   * delete, an erasure, new retention rules): {@code {"streams": [..]}}, or {@code {}} when which
   * streams is not known (an erasure by metadata). Whoever keeps state built from streams (the
   * command side's aggregate cache) drops it.
   */
  public static final String EVENTSTORE_HISTORY_CHANGED = "switchboard.eventstore.history.changed";

  /** Node-local request {@code {"event_ids"}} → {@code {"deliveries","attempts"}}: webhook deliveries that carried them, gone. */
  public static final String WEBHOOKS_ERASE = "switchboard.webhooks.erase";

  /**
   * Published {@code {"event_ids","streams","reply_to"}}: every node's topic router removes those
   * events (by id, or by subject) from its history and sends {@code {"node","removed"}} to reply_to.
   */
  public static final String TOPICS_ERASE = "switchboard.topics.erase";

  /**
   * Request (cluster-wide: RabbitMQ is shared) {@code {"event_ids","streams","metadata"?}} →
   * {@code {"queues": {queue: removed}, "failed"?: {queue: reason}}}: the RabbitMQ bridge removes the
   * dead letters that carry erased data from every configured queue's dead-letter queue.
   */
  public static final String QUEUE_ERASE = "switchboard.queue.erase";

  /** The type of the event a stream's delete appends to {@code $deleted} and announces on its category's topic. */
  public static final String STREAM_DELETED_TYPE = "switchboard.stream.deleted";
  /**
   * Shared-data map of the live nodes (node id → {@code {"id","http","started","verticles"}}),
   * refreshed with a TTL, so a node that died leaves the list on its own.
   */
  public static final String NODES_MAP = "switchboard.nodes";

  /**
   * Header on a publish: {@value #SCOPE_NODE} delivers the message on this node only. For relays
   * that every node runs against the same source (Redis): each node feeds itself, so a cluster-wide
   * fan-out would deliver the message once per node to every subscriber.
   */
  public static final String SCOPE_HEADER = "switchboard-scope";

  public static final String SCOPE_NODE = "node";

  /**
   * Header on a publish: {@value #EFFECTS_NONE} keeps it off {@link #TOPICS_PUBLISHED}, so what
   * must happen once per message cluster-wide (webhooks, the AMQP exchange) does not. For a message
   * that every node receives from the same source (Redis): one node, the first of the roster, lets
   * its copy have those effects.
   */
  public static final String EFFECTS_HEADER = "switchboard-effects";

  public static final String EFFECTS_NONE = "none";

  /** Node-local readiness probe of a backend: {@code switchboard.ready.store}, {@code .rabbitmq}, ... */
  public static String ready(String check) {
    return "switchboard.ready." + check;
  }

  public static String topic(String topic) {
    return TOPIC_PREFIX + topic;
  }

  // ------------------------------------------------------------------ CQRS (README "CQRS")

  /** Prefix of command handlers: a command named {@code CreateOrder} is sent to {@code switchboard.command.CreateOrder}. */
  public static final String COMMAND_PREFIX = "switchboard.command.";

  /** Prefix of query handlers: {@code switchboard.query.GetOrderById}. */
  public static final String QUERY_PREFIX = "switchboard.query.";

  /** Header of a command or query naming the correlation id it belongs to (from X-Correlation-Id). */
  public static final String CORRELATION_ID_HEADER = "correlation-id";

  /** Request {@code {}} → {@code {"projections": [{"name","position","lag_events","lag_ms","status",…}]}}. */
  public static final String PROJECTIONS_LIST = "switchboard.projections.list";

  /**
   * Request {@code {"name", "action": "rebuild" | "retry" | "skip", "position"?}} → the projection's
   * status: an admin action, carried out by the projection's active runner.
   */
  public static final String PROJECTIONS_ADMIN = "switchboard.projections.admin";

  /** Published after each committed projection batch: {@code {"name","position"}}. */
  public static final String PROJECTIONS_PROGRESS = "switchboard.projections.progress";

  public static String command(String name) {
    return COMMAND_PREFIX + name;
  }

  public static String query(String name) {
    return QUERY_PREFIX + name;
  }

  // ------------------------------------------------------------------ consumer groups (README "Consumer groups")

  /**
   * Request {@code {"action": "put"|"get"|"spec"|"list"|"delete"|"parked"|"replay"|"drop", "group"?, …}}:
   * consumer-group administration, answered by any node's groups verticle.
   */
  public static final String GROUPS_ADMIN = "switchboard.groups.admin";

  /** Published when a group is created, changed or deleted: {@code {"group"}}. */
  public static final String GROUPS_CHANGED = "switchboard.groups.changed";

  /**
   * Request (cluster-wide: the groups' tables are shared) {@code {"event_ids","streams"}} →
   * {@code {"groups": {group: removed}}}: the parked copies (parked or replaying) of erased events go
   * from every consumer group, through the group's coordinator where one runs (its parked count and
   * replays stay true; its pending events of those streams are skipped), else straight from the table.
   */
  public static final String GROUPS_ERASE = "switchboard.groups.erase";

  /**
   * The coordinator of one group, wherever it runs: request {@code {"action": "fetch"|"ack"|"nack"|"leave"|"status"|…,
   * "consumer", …}} (see groups/Coordinator).
   */
  public static String groupCoordinator(String group) {
    return "switchboard.groups.group." + group;
  }

  /**
   * Bridge clients (SockJS, TCP) consume a group here: request {@code {"group", "address"}} →
   * {@code {"group", "address"}}; deliveries {@code {"group", "deliveries": [{"delivery_id", "attempt", "event"}]}}
   * then arrive at {@code address}, which the client registered ({@link #GROUPS_DELIVERIES_PREFIX}…).
   */
  public static final String GROUPS_CONSUME = "switchboard.groups.consume";

  /** Request {@code {"group", "ids"}} → {@code {"acked"}}: a bridge client acks deliveries. */
  public static final String GROUPS_ACK = "switchboard.groups.ack";

  /** Request {@code {"group", "ids", "action": "retry"|"park"|"skip", "reason"?}} → {@code {"nacked"}}. */
  public static final String GROUPS_NACK = "switchboard.groups.nack";

  /** Where bridge clients receive their deliveries: {@code switchboard.groups.deliveries.{anything unguessable}}. */
  public static final String GROUPS_DELIVERIES_PREFIX = "switchboard.groups.deliveries.";

  // ------------------------------------------------------------------ launcher (issue 19)

  /**
   * Published node-locally by the launcher once every verticle of the node is deployed (the gateway
   * and the bridges listen): what waits for the whole node, such as queue consumers, starts then.
   * A verticle deployed by the launcher finds {@code "await_hub_started": true} in its config.
   */
  public static final String HUB_STARTED = "switchboard.hub.started";

  public static final String AWAIT_HUB_STARTED = "await_hub_started";

  // ------------------------------------------------------------------ operator console (issue 21)

  /**
   * Request {@code {"since"?: epoch ms}} → {@code {"node","interval_ms","window_ms","samples":[…]}}:
   * one node's metric samples (rates and gauges from its own meters) after {@code since}, or the latest.
   */
  public static String metricsSummary(String node) {
    return "switchboard.metrics.summary." + node;
  }
}
