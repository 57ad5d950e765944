package io.switchboard.webhook;

import java.security.SecureRandom;

/**
 * Identifiers that sort by creation time: a prefix, 10 characters of milliseconds and 16 random
 * ones (Crockford base32, like a ULID), e.g. {@code msg_01JD8Q4N2C7YF0Z3WXK5T9GHAB}. Listings page by
 * them and the time order survives in the text.
 */
final class Ids {

  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  static final String ENDPOINT = "wh_";
  static final String MESSAGE = "msg_";
  static final String ATTEMPT = "att_";

  private Ids() {}

  static String next(String prefix) {
    return next(prefix, System.currentTimeMillis());
  }

  static String next(String prefix, long millis) {
    char[] out = new char[26];
    long time = millis;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    long a = RANDOM.nextLong();
    long b = RANDOM.nextLong();
    for (int i = 10; i < 26; i++) {
      long source = i < 18 ? a : b;
      out[i] = ALPHABET[(int) ((source >>> (5 * (i % 8))) & 31)];
    }
    return prefix + new String(out);
  }

  /** The smallest id of that prefix created at {@code millis} or later (for "since" queries). */
  static String floor(String prefix, long millis) {
    String id = next(prefix, millis);
    return id.substring(0, prefix.length() + 10) + "0000000000000000";
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
