package io.switchboard.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A topic pattern: segments that are literal names, {@code *} (or its alias {@code +}) for exactly
 * one segment, or {@code #} for zero or more segments. {@code a.#} matches {@code a}.
 *
 * <p>Patterns are normalised: {@code +} becomes {@code *} and runs of {@code #} collapse to one, so
 * equal patterns compare equal and matching never backtracks over repeated {@code #}.
 */
public final class TopicPattern {

  public static final String ONE = "*";
  public static final String ANY = "#";

  private final String text;
  private final String[] segments;

  private TopicPattern(String text, String[] segments) {
    this.text = text;
    this.segments = segments;
  }

  /** Parses a pattern, throwing a 400 problem that says what is wrong. */
  public static TopicPattern parse(String pattern) {
    String reason = TopicName.whyInvalid(pattern, true);
    if (reason != null) {
      throw Problem.badRequest("invalid-pattern",
          "invalid topic pattern '" + TopicName.printable(pattern) + "': " + reason);
    }
    List<String> normalised = new ArrayList<>();
    for (String segment : pattern.split("\\.", -1)) {
      String s = "+".equals(segment) ? ONE : segment;
      if (ANY.equals(s) && !normalised.isEmpty() && ANY.equals(normalised.get(normalised.size() - 1))) {
        continue;
      }
      normalised.add(s);
    }
    String[] segments = normalised.toArray(String[]::new);
    return new TopicPattern(String.join(".", segments), segments);
  }

  /** Parses a comma-separated list of patterns (as in {@code ?topics=a.*,b.#}). */
  public static List<TopicPattern> parseList(String csv) {
    if (csv == null || csv.isBlank()) {
      throw Problem.badRequest("invalid-pattern", "no topics given: pass ?topics=pattern[,pattern…]");
    }
    List<TopicPattern> patterns = new ArrayList<>();
    for (String p : csv.split(",")) {
      patterns.add(parse(p.trim()));
    }
    return patterns;
  }

  String[] segments() {
    return segments;
  }

  public boolean isLiteral() {
    for (String s : segments) {
      if (ONE.equals(s) || ANY.equals(s)) {
        return false;
      }
    }
    return true;
  }

  /** Matches one topic name; to match many patterns at once use {@link TopicTrie}. */
  public boolean matches(String topic) {
    return matches(segments, 0, topic.split("\\.", -1), 0);
  }

  private static boolean matches(String[] pattern, int p, String[] topic, int t) {
    if (p == pattern.length) {
      return t == topic.length;
    }
    String s = pattern[p];
    if (ANY.equals(s)) {
      for (int skip = t; skip <= topic.length; skip++) {
        if (matches(pattern, p + 1, topic, skip)) {
          return true;
        }
      }
      return false;
    }
    return t < topic.length && (ONE.equals(s) || s.equals(topic[t])) && matches(pattern, p + 1, topic, t + 1);
  }

  /**
   * Whether this pattern covers {@code other}: every topic {@code other} matches, this one
   * matches too. {@code orders.*} covers {@code orders.created} but not
   * {@code orders.#}. Used to check a subscription against the patterns a token allows.
   */
  public boolean covers(TopicPattern other) {
    return covers(segments, 0, other.segments, 0);
  }

  private static boolean covers(String[] wide, int w, String[] narrow, int n) {
    if (n == narrow.length) {
      for (int i = w; i < wide.length; i++) {
        if (!ANY.equals(wide[i])) {
          return false; // the narrow pattern can end here; the wide one still needs a segment
        }
      }
      return true;
    }
    if (w == wide.length) {
      return false;
    }
    if (ANY.equals(wide[w])) {
      // '#' takes none of the narrow pattern's segments, or one more (whatever it is, '#' included)
      return covers(wide, w + 1, narrow, n) || covers(wide, w, narrow, n + 1);
    }
    String segment = narrow[n];
    if (ANY.equals(segment)) {
      return false; // only '#' covers '#'
    }
    if (ONE.equals(segment)) {
      return ONE.equals(wide[w]) && covers(wide, w + 1, narrow, n + 1);
    }
    return (ONE.equals(wide[w]) || wide[w].equals(segment)) && covers(wide, w + 1, narrow, n + 1);
  }

  /**
   * Whether some topic matches both this pattern and {@code other}: {@code #} and
   * {@code *.orders} overlap {@code streams.*.#}; {@code orders.*} does not.
   */
  public boolean overlaps(TopicPattern other) {
    return overlaps(segments, 0, other.segments, 0);
  }

  private static boolean overlaps(String[] a, int i, String[] b, int j) {
    if (i == a.length || j == b.length) {
      return onlyAny(a, i) && onlyAny(b, j);
    }
    if (ANY.equals(a[i])) {
      // a's '#' matches nothing more, or also the next segment of b (which may be a '#' itself)
      return overlaps(a, i + 1, b, j) || overlaps(a, i, b, j + 1);
    }
    if (ANY.equals(b[j])) {
      return overlaps(a, i, b, j + 1) || overlaps(a, i + 1, b, j);
    }
    return (ONE.equals(a[i]) || ONE.equals(b[j]) || a[i].equals(b[j])) && overlaps(a, i + 1, b, j + 1);
  }

  private static boolean onlyAny(String[] segments, int from) {
    for (int i = from; i < segments.length; i++) {
      if (!ANY.equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicPattern other && Arrays.equals(segments, other.segments);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
