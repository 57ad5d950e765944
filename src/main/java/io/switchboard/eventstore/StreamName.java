package io.switchboard.eventstore;

import io.switchboard.core.Problem;
import io.switchboard.core.StreamNames;

/**
 * Stream names: {@code [A-Za-z0-9_.:-]+}, at most 200 characters. The category is the part before
 * the first {@code -} ({@code order-123} → {@code order}); a name without one is its own category.
 * {@code $all} names the global stream of every event.
 */
final class StreamName {

  static final String ALL = StreamNames.ALL;
  static final int MAX_LENGTH = 200;

  private StreamName() {}

  /** The name when valid, else a 400 problem saying exactly what is wrong. */
  static String validate(Object value) {
    if (!(value instanceof String name) || name.isEmpty()) {
      throw Problem.badRequest("invalid-stream", "a stream name is required");
    }
    if (name.length() > MAX_LENGTH) {
      throw Problem.badRequest("invalid-stream", "stream name is " + name.length() + " characters long, the limit is " + MAX_LENGTH);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == ':' || c == '-';
      if (!ok) {
        String shown = c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
        throw Problem.badRequest("invalid-stream", "invalid stream name: character '" + shown + "' at position " + i
            + " is not allowed (use A-Z, a-z, 0-9, '_', '.', ':' and '-')");
      }
    }
    return name;
  }

  /** A category name as given to {@code ?category=}: a stream name without {@code -}. */
  static String validateCategory(Object value) {
    String category = validate(value);
    if (category.indexOf('-') > 0) {
      throw Problem.badRequest("invalid-category", "a category is the part of a stream name before the first '-': '"
          + category + "' has one");
    }
    return category;
  }

  static String category(String stream) {
    return StreamNames.category(stream);
  }

  /** The topic a stream's events are announced on: {@code streams.{category}} ({@link StreamNames#topic}). */
  static String topic(String category) {
    return StreamNames.topic(category);
  }
}
