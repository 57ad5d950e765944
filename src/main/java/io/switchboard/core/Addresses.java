package io.switchboard.core;

/** Event-bus addresses shared between packages (API.md documents the public ones). */
public final class Addresses {

  private Addresses() {}

  /** Request {@code {"topic", "event"}} → reply {@code {"id", "topic"}}: publish on a topic. Node-local. */
  public static final String TOPICS_PUBLISH = "switchboard.topics.publish";

  /** Every message on topic T is also published to {@code switchboard.topic.T} (envelope JSON). */
  public static final String TOPIC_PREFIX = "switchboard.topic.";

  /**
   * Node-local publish of each accepted topic message, on the node where it was published only:
   * what must happen once per message cluster-wide (Redis outbound, webhook fan-out) listens here.
   */
  public static final String TOPICS_PUBLISHED = "switchboard.topics.published";

  /** Node-local publish of each topic message in this node's delivery order, for the connections here. */
  public static final String TOPICS_DELIVER = "switchboard.topics.deliver";

  /**
   * Node-local request {@code {"after": cursor, "topics": [patterns]}} → {@code {"gap", "last", "events"}}:
   * the retained messages this node delivered after a resume cursor.
   */
  public static final String TOPICS_HISTORY = "switchboard.topics.history";

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

  /** Node-local readiness probe of a backend: {@code switchboard.ready.store}, {@code .rabbitmq}, ... */
  public static String ready(String check) {
    return "switchboard.ready." + check;
  }

  public static String topic(String topic) {
    return TOPIC_PREFIX + topic;
  }
}
