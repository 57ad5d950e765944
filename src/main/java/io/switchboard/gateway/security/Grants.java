package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;
import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a credential may touch beyond its scopes, by name: the same fields in an {@code auth.api_keys}
 * entry and in a JWT's claims.
 *
 * <pre>
 * "topics":   ["orders.*"]  or {"subscribe": [topic patterns], "publish": [topic patterns]}
 * "streams":  ["orders-*"]  or {"append": [stream globs], "read": [stream globs, "$category:orders", "$all"]}
 * "queues":   [queue globs]         publish to these hub queues
 * "commands": [command globs]       e.g. ["CreateOrder", "ShipOrder"]
 * "queries":  [query globs]         e.g. ["Get*"]
 * </pre>
 *
 * A list given for both directions applies to both. Globs: {@code *} is any run of characters.
 * What a field does not mention: an API key may use any (within its scopes), a JWT none; except
 * that reading {@code $all} or a whole category always needs {@code "$all"} or
 * {@code "$category:NAME"} among the stream reads (or the admin scope), whatever the credential.
 *
 * @param subscribe  topic patterns subscriptions must lie within; null: any
 * @param publish    topic patterns publishes must match; null: any
 * @param append     streams that may be appended to (and snapshotted)
 * @param reads      streams, categories and $all that may be read
 * @param queues     hub queues that may be published to
 * @param commands   commands that may be sent
 * @param queries    queries that may be asked
 */
public record Grants(List<TopicPattern> subscribe, List<TopicPattern> publish, NamePatterns append, StreamReads reads,
                     NamePatterns queues, NamePatterns commands, NamePatterns queries) {

  /** Everything: the credential-less hub's principal, and admins. */
  static final Grants ALL = new Grants(null, null, NamePatterns.ANY, StreamReads.ALL, NamePatterns.ANY, NamePatterns.ANY,
      NamePatterns.ANY);

  /** Whose grants are read: an API key may use what it does not mention, a token may not. */
  enum Holder { API_KEY, TOKEN }

  /**
   * Reads the grant fields of {@code source} ({@code where} names it in errors); {@code topicsField}
   * is where the topic patterns are. Throws IllegalArgumentException naming the field at fault.
   */
  static Grants from(JsonObject source, String topicsField, Holder holder, String where) {
    boolean open = holder == Holder.API_KEY;
    Object topics = source.getValue(topicsField);
    Object streams = source.getValue("streams");
    String topicsAt = where + "." + topicsField;
    return new Grants(
        topicPatterns(direction(topics, "subscribe", topicsAt), open, topicsAt),
        topicPatterns(direction(topics, "publish", topicsAt), open, topicsAt),
        names(direction(streams, "append", where + ".streams"), open, where + ".streams.append"),
        StreamReads.of(direction(streams, "read", where + ".streams"), open, where + ".streams.read"),
        names(source.getValue("queues"), open, where + ".queues"),
        names(source.getValue("commands"), open, where + ".commands"),
        names(source.getValue("queries"), open, where + ".queries"));
  }

  /** The entries for one direction of a field that is a list (both directions) or an object of lists. */
  private static Object direction(Object field, String direction, String where) {
    if (field == null || field instanceof JsonArray) {
      return field;
    }
    if (field instanceof JsonObject split) {
      return split.getValue(direction);
    }
    throw new IllegalArgumentException(where + ": must be a list, or an object of lists");
  }

  private static List<TopicPattern> topicPatterns(Object entries, boolean open, String where) {
    if (entries == null) {
      return open ? null : List.of();
    }
    List<TopicPattern> patterns = new ArrayList<>();
    for (Object entry : list(entries, where)) {
      try {
        patterns.add(TopicPattern.parse(String.valueOf(entry)));
      } catch (Problem invalid) {
        throw new IllegalArgumentException(where + ": " + invalid.detail());
      }
    }
    return List.copyOf(patterns);
  }

  private static NamePatterns names(Object entries, boolean open, String where) {
    if (entries == null) {
      return open ? NamePatterns.ANY : NamePatterns.NONE;
    }
    return NamePatterns.of(list(entries, where), where);
  }

  static List<Object> list(Object entries, String where) {
    if (!(entries instanceof JsonArray array)) {
      throw new IllegalArgumentException(where + ": must be a list");
    }
    return array.getList();
  }

  /**
   * The streams a credential may read: single streams by glob, whole categories
   * ({@code $category:NAME}, NAME a glob) and {@code $all}. A category or {@code $all} grant covers
   * the streams inside it.
   */
  public record StreamReads(boolean all, NamePatterns categories, NamePatterns streams, NamePatterns categoryTopics) {

    static final StreamReads ALL = new StreamReads(true, NamePatterns.ANY, NamePatterns.ANY);

    StreamReads(boolean all, NamePatterns categories, NamePatterns streams) {
      this(all, categories, streams, categories.map(StreamNames::topic));
    }

    static final String ALL_ENTRY = "$all";
    static final String CATEGORY_PREFIX = "$category:";

    static StreamReads of(Object entries, boolean open, String where) {
      if (entries == null) {
        // An API key without stream reads reads single streams; $all and categories are never implied.
        return new StreamReads(false, NamePatterns.NONE, open ? NamePatterns.ANY : NamePatterns.NONE);
      }
      boolean all = false;
      List<Object> categories = new ArrayList<>();
      List<Object> streams = new ArrayList<>();
      List<Object> given = list(entries, where);
      for (int i = 0; i < given.size(); i++) {
        Object entry = given.get(i);
        if (ALL_ENTRY.equals(entry)) {
          all = true;
        } else if (entry instanceof String s && s.startsWith(CATEGORY_PREFIX)) {
          categories.add(s.substring(CATEGORY_PREFIX.length()));
        } else if (entry instanceof String s && s.startsWith("$")) {
          throw new IllegalArgumentException(where + "[" + i + "]: " + s + " is neither \"$all\" nor \"$category:NAME\"");
        } else {
          streams.add(entry);
        }
      }
      return new StreamReads(all, NamePatterns.of(categories, where + " ($category:)"), NamePatterns.of(streams, where));
    }

    boolean category(String category) {
      return all || categories.matches(category);
    }

    boolean stream(String stream, String category) {
      return all || streams.matches(stream) || categories.matches(category);
    }

    /** Whether the topic the store announces a category on ({@code streams.{category}}) is one of a granted category. */
    boolean categoryTopic(String topic) {
      return all || categoryTopics.matches(topic);
    }
  }
}
