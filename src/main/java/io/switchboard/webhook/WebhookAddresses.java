package io.switchboard.webhook;

/**
 * The webhook package's event-bus addresses. The API requests are node-local (the gateway asks the
 * webhook verticle of its own node); the notifications travel cluster-wide.
 */
public final class WebhookAddresses {

  private WebhookAddresses() {}

  /** {@code {"url","events","secret"?,"description"?,"rate_limit"?,"max_in_flight"?,"active"?}} → the endpoint with its secret. */
  public static final String CREATE = "switchboard.webhooks.create";
  /** {@code {}} → {@code {"webhooks": [...]}}. */
  public static final String LIST = "switchboard.webhooks.list";
  /** {@code {"id"}} → the endpoint. */
  public static final String GET = "switchboard.webhooks.get";
  /** {@code {"id","change": {...}}} → the endpoint. */
  public static final String UPDATE = "switchboard.webhooks.update";
  /** {@code {"id"}} → {@code {"id","deleted": true}}. */
  public static final String DELETE = "switchboard.webhooks.delete";
  /** {@code {"id","secret"?,"grace_period_ms"?}} → {@code {"id","secret","previous_secret_expires_at"}}. */
  public static final String ROTATE = "switchboard.webhooks.rotate";
  /** {@code {"id","status"?,"event_type"?,"since"?,"until"?,"before"?,"limit"?}} → {@code {"deliveries": [...], "next"}}. */
  public static final String DELIVERIES = "switchboard.webhooks.deliveries";
  /** {@code {"id","delivery"}} → the delivery with its event and {@code attempt_list}. */
  public static final String DELIVERY = "switchboard.webhooks.delivery";
  /** {@code {"id","delivery"}} → {@code {"id","status": "pending"}}: due again now. */
  public static final String RETRY = "switchboard.webhooks.retry";
  /** {@code {"id","since","status"?}} → {@code {"replayed": n}}. */
  public static final String REPLAY = "switchboard.webhooks.replay";
  /** {@code {"id"}} → {@code {"id","event_id","status"}}: a signed {@code switchboard.webhook.test} event. */
  public static final String TEST = "switchboard.webhooks.test";

  /** Published after an endpoint changed: {@code {"id","partition"}}. */
  public static final String CHANGED = "switchboard.webhooks.changed";
  /** Published after deliveries were written or made due: {@code {"endpoints": [ids]}}. */
  public static final String DUE = "switchboard.webhooks.due";
  /** Published when a sender gave partitions back, so the others take them at once. */
  public static final String REBALANCE = "switchboard.webhooks.rebalance";
  /** Published when an endpoint failing for too long was disabled: {@code {"id","url","reason","failing_since","disabled_at"}}. */
  public static final String DISABLED = "switchboard.webhook.disabled";

  /** The topic the hub's own webhook events go to (CloudEvent type {@code switchboard.webhook.disabled}). */
  public static final String TOPIC = "switchboard.webhooks";
  /** The origin of topic messages the webhook package publishes. */
  public static final String ORIGIN = "webhook";
}
