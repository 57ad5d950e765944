package io.switchboard.core;

/**
 * What every package needs to know about event-store names: {@code $all}, a stream's category (the
 * part before the first {@code -}: {@code order-123} → {@code order}) and the topic the store
 * announces a category's appended events on ({@code streams.{category}}). Validation stays with the
 * store.
 */
public final class StreamNames {

  /** The global stream of every event. */
  public static final String ALL = "$all";

  /** The first segment of every topic the store announces appended events on. */
  public static final String TOPIC_ROOT = "streams";

  private StreamNames() {}

  public static String category(String stream) {
    int dash = stream.indexOf('-');
    return dash > 0 ? stream.substring(0, dash) : stream;
  }

  /**
   * The topic a category's events are announced on: {@code streams.{category}}. Topic segments take
   * {@code [A-Za-z0-9_-]}, so {@code :} becomes {@code _} and empty segments are dropped.
   */
  public static String topic(String category) {
    StringBuilder topic = new StringBuilder(TOPIC_ROOT);
    for (String segment : category.replace(':', '_').split("\\.")) {
      if (!segment.isEmpty()) {
        topic.append('.').append(segment);
      }
    }
    return topic.length() == TOPIC_ROOT.length() ? TOPIC_ROOT + "._" : topic.toString();
  }

  /** Whether a topic is one the store announces on (only the store may publish there). */
  public static boolean isStoreTopic(String topic) {
    return topic.startsWith(TOPIC_ROOT + ".");
  }
}
