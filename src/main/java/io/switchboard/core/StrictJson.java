package io.switchboard.core;

/**
 * The data of an event that is not one, checked and compacted in one pass over its bytes without a
 * parser (issue 20: on the Redis relay's loop, setting up and closing a Jackson parser for each
 * message cost more than reading it, a fifth of that loop's samples in bench-redis).
 *
 * <p>It vouches only for the plainest JSON: a top-level object or array of ASCII, no comments, no
 * escaped top-level member name, nothing named {@code specversion} at the top (a CloudEvent), at most
 * {@value #MAX_DEPTH} levels, numbers of at most {@value #MAX_NUMBER} characters, names of at most
 * {@value #MAX_NAME} bytes, a document under 16 MB: all well inside what Jackson accepts by default.
 * For anything else, valid or not, it answers {@link #UNSURE} and the caller asks Jackson, so the
 * outcome is Jackson's whenever this class is unsure, and the same bytes when it is not.
 */
final class StrictJson {

  static final int UNSURE = -1;
  private static final int MAX_DEPTH = 64;
  private static final int MAX_NUMBER = 100;
  private static final int MAX_NAME = 1000;
  private static final int MAX_DOCUMENT = 1 << 24;
  private static final byte[] SPECVERSION = {'s', 'p', 'e', 'c', 'v', 'e', 'r', 's', 'i', 'o', 'n'};

  private final byte[] b;
  private int in;
  private int out;

  private StrictJson(byte[] bytes) {
    this.b = bytes;
  }

  /**
   * Checks {@code bytes} and moves the JSON value they hold, without the blanks between its tokens,
   * to their start; answers its length there, or {@link #UNSURE} (the bytes are then in no useful state).
   */
  static int compactInPlace(byte[] bytes) {
    if (bytes.length > MAX_DOCUMENT) {
      return UNSURE;
    }
    StrictJson json = new StrictJson(bytes);
    return json.document() ? json.out : UNSURE;
  }

  private boolean document() {
    skipBlanks();
    if (in == b.length || (b[in] != '{' && b[in] != '[')) {
      return false;
    }
    if (!value(0)) {
      return false;
    }
    skipBlanks();
    return in == b.length;
  }

  private boolean value(int depth) {
    if (in == b.length) {
      return false;
    }
    return switch (b[in]) {
      case '{', '[' -> depth < MAX_DEPTH && container(depth + 1);
      case '"' -> string() >= 0;
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> number();
    };
  }

  /** An object or an array: members (a name, a colon, a value) or elements, separated by commas. */
  private boolean container(int depth) {
    boolean object = b[in] == '{';
    byte close = object ? (byte) '}' : (byte) ']';
    b[out++] = b[in++];
    skipBlanks();
    if (in < b.length && b[in] == close) {
      b[out++] = b[in++];
      return true;
    }
    while (true) {
      if (object && !name(depth) || !value(depth)) {
        return false;
      }
      skipBlanks();
      if (in == b.length) {
        return false;
      }
      byte next = b[in];
      b[out++] = b[in++];
      if (next == close) {
        return true;
      }
      if (next != ',') {
        return false;
      }
      skipBlanks();
    }
  }

  /** A member's name and its colon, and the blanks after them. */
  private boolean name(int depth) {
    if (in == b.length || b[in] != '"') {
      return false;
    }
    int nameStart = out;
    int escapes = string();
    if (escapes < 0 || out - nameStart - 2 > MAX_NAME
        || depth == 1 && (escapes > 0 || isSpecversion(nameStart + 1, out - 1))) {
      return false; // a top-level name with an escape might spell specversion: a CloudEvent is Jackson's to read
    }
    skipBlanks();
    if (in == b.length || b[in] != ':') {
      return false;
    }
    b[out++] = b[in++];
    skipBlanks();
    return true;
  }

  /**
   * Copies a string, quotes included; answers how many escapes it held, or -1 when it is not plain
   * JSON. Found first, then moved in one copy (none while no blank was dropped before it).
   */
  private int string() {
    byte[] b = this.b;
    int i = in + 1;
    int escapes = 0;
    while (true) {
      if (i >= b.length) {
        return -1;
      }
      byte c = b[i];
      if (c == '"') {
        break;
      }
      if (c < 0x20) {
        return -1; // a control character, or beyond ASCII (bytes are signed)
      }
      if (c == '\\') {
        int length = escapeLength(i);
        if (length < 0) {
          return -1;
        }
        escapes++;
        i += length;
      } else {
        i++;
      }
    }
    int length = i + 1 - in;
    if (out != in) {
      System.arraycopy(b, in, b, out, length);
    }
    out += length;
    in += length;
    return escapes;
  }

  /** The length of the escape at {@code at} (a backslash), or -1 when JSON has no such escape. */
  private int escapeLength(int at) {
    if (at + 1 >= b.length) {
      return -1;
    }
    switch (b[at + 1]) {
      case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
        return 2;
      case 'u':
        if (at + 5 >= b.length) {
          return -1;
        }
        for (int k = at + 2; k < at + 6; k++) {
          if (Character.digit(b[k], 16) < 0) {
            return -1;
          }
        }
        return 6;
      default:
        return -1;
    }
  }

  private boolean literal(String word) {
    if (in + word.length() > b.length) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (b[in + k] != word.charAt(k)) {
        return false;
      }
    }
    for (int k = 0; k < word.length(); k++) {
      b[out++] = b[in++];
    }
    return true;
  }

  /** RFC 8259's number: no plus sign, no leading zero, digits on both sides of a point. */
  private boolean number() {
    int start = in;
    if (b[in] == '-') {
      in++;
    }
    if (in < b.length && b[in] == '0') {
      in++;
    } else if (!digits()) {
      return false;
    }
    if (in < b.length && b[in] == '.') {
      in++;
      if (!digits()) {
        return false;
      }
    }
    if (in < b.length && (b[in] == 'e' || b[in] == 'E')) {
      in++;
      if (in < b.length && (b[in] == '+' || b[in] == '-')) {
        in++;
      }
      if (!digits()) {
        return false;
      }
    }
    if (in - start > MAX_NUMBER) {
      return false;
    }
    System.arraycopy(b, start, b, out, in - start);
    out += in - start;
    return true;
  }

  /** Skips one or more digits; false when there is none. */
  private boolean digits() {
    int start = in;
    while (in < b.length && b[in] >= '0' && b[in] <= '9') {
      in++;
    }
    return in > start;
  }

  private void skipBlanks() {
    while (in < b.length && (b[in] == ' ' || b[in] == '\n' || b[in] == '\r' || b[in] == '\t')) {
      in++;
    }
  }

  private boolean isSpecversion(int from, int to) {
    return java.util.Arrays.equals(b, from, to, SPECVERSION, 0, SPECVERSION.length);
  }
}
