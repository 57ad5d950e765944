package io.switchboard.core;

/** Topic names: dot-separated segments of {@code [A-Za-z0-9_-]}, at most 255 characters. */
public final class TopicName {

  public static final int MAX_LENGTH = 255;

  private TopicName() {}

  /** Returns the name when valid, else throws a 400 problem saying exactly what is wrong. */
  public static String validate(String name) {
    if (isWellFormed(name)) {
      return name;
    }
    String reason = whyInvalid(name, false);
    if (reason != null) {
      throw Problem.badRequest("invalid-topic", "invalid topic name '" + printable(name) + "': " + reason);
    }
    return name;
  }

  public static boolean isValid(String name) {
    return isWellFormed(name);
  }

  /**
   * The check of every publish, apart from {@link #whyInvalid}: that one also serves patterns
   * (wildcards) and builds reasons, and C2 compiled it for one caller and deoptimised it
   * (profile_predicate) when the other arrived, in every fan-out run.
   */
  private static boolean isWellFormed(String name) {
    if (name == null) {
      return false;
    }
    int length = name.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    char previous = '.';
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (previous == '.') {
          return false; // empty segment (or a leading dot)
        }
      } else if (!isNameChar(c)) {
        return false;
      }
      previous = c;
    }
    return previous != '.';
  }

  /**
   * The reason a name (or, with {@code wildcards}, a pattern) is invalid, or null.
   * Wildcard segments ({@code *}, {@code +}, {@code #}) must stand alone in their segment.
   */
  static String whyInvalid(String name, boolean wildcards) {
    if (name == null || name.isEmpty()) {
      return "it is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "it is " + name.length() + " characters long, the limit is " + MAX_LENGTH;
    }
    int segmentStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        if (i == segmentStart) {
          return "empty segment at position " + i;
        }
        if (wildcards && i - segmentStart > 1) {
          for (int j = segmentStart; j < i; j++) {
            if (isWildcard(name.charAt(j))) {
              return "wildcard '" + name.charAt(j) + "' must be a whole segment (position " + j + ")";
            }
          }
        }
        segmentStart = i + 1;
        continue;
      }
      char c = name.charAt(i);
      if (!isNameChar(c) && !(wildcards && isWildcard(c))) {
        return "character '" + printable(String.valueOf(c)) + "' at position " + i
            + " is not allowed (use A-Z, a-z, 0-9, '_', '-' and '.' between segments)";
      }
    }
    return null;
  }

  private static boolean isWildcard(char c) {
    return c == '*' || c == '+' || c == '#';
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  /** Keeps hostile input from breaking the message it is quoted in: no control characters, at most 80. */
  public static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(s.length(), 80));
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    if (s.length() > 80) {
      out.append("…");
    }
    return out.toString();
  }
}
