package io.switchboard.webhook;

import java.security.SecureRandom;

/**
 * Identifiers that sort by creation time: a prefix, 10 characters of milliseconds and 16 random
 * ones (Crockford base32, a ULID), e.g. {@code msg_01JD8Q4N2C7YF0Z3WXK5T9GHAB}. Listings page by
 * them and the time order survives in the text.
 */
final class Ids {

  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long MASK = (1L << 40) - 1;

  static final String ENDPOINT = "wh_";
  static final String MESSAGE = "msg_";
  static final String ATTEMPT = "att_";

  private Ids() {}

  static String next(String prefix) {
    return next(prefix, System.currentTimeMillis());
  }

  private static long lastMillis;
  private static long high;   // 40 random bits
  private static long low;    // 40 random bits

  /**
   * An id for {@code millis}. Ids made in this process for the current time sort in the order they
   * were made: within one millisecond the random part counts up from where it started.
   */
  static String next(String prefix, long millis) {
    long time;
    long a;
    long b;
    synchronized (Ids.class) {
      if (millis == lastMillis) {
        low = (low + 1) & MASK;
        if (low == 0) {
          high = (high + 1) & MASK;
        }
        a = high;
        b = low;
      } else if (millis > lastMillis) {
        lastMillis = millis;
        high = RANDOM.nextLong() & MASK;
        low = RANDOM.nextLong() & MASK;
        a = high;
        b = low;
      } else {
        a = RANDOM.nextLong() & MASK;   // an earlier time (an attempt's start): unordered within it
        b = RANDOM.nextLong() & MASK;
      }
      time = millis;
    }
    char[] out = new char[26];
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (a & 31)];
      a >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (b & 31)];
      b >>>= 5;
    }
    return prefix + new String(out);
  }

  /** The smallest id of that prefix created at {@code millis} or later (for "since" queries). */
  static String floor(String prefix, long millis) {
    char[] out = new char[26];
    java.util.Arrays.fill(out, '0');
    long time = millis;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    return prefix + new String(out);
  }

  /** Whether a path parameter can be an id of that prefix (anything else is simply not found). */
  static boolean plausible(String value, String prefix) {
    if (value == null || !value.startsWith(prefix) || value.length() != prefix.length() + 26) {
      return false;
    }
    for (int i = prefix.length(); i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z')) {
        return false;
      }
    }
    return true;
  }
}
