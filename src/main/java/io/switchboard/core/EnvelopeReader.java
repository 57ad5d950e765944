package io.switchboard.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A CloudEvent read from its bytes in one pass, without a JSON tree (or, for a JSON object or array
 * that is not one, the event that carries it as its data: binary mode, Redis messages) (issue 20: on the
 * topic paths, building the candidate's tree, a second tree for the completed event and encoding it
 * were a third of the hub's CPU per Redis message). The context attributes are read and checked by
 * {@link Envelope}'s rules; {@code data} is not interpreted, so its bytes are copied as they came with
 * the blanks between tokens left out (the event stays one line, as SSE needs). What a publisher sees
 * differs from the tree's encoding only inside {@code data}, where numbers and escapes keep the
 * publisher's spelling (a number's digits are no longer rounded through a double).
 *
 * <p>Anything this pass does not handle the same way as the tree does (not an object, a scalar
 * {@code data}, comments, a number beyond a double, malformed JSON) makes it answer null, and the
 * caller takes the tree's way: the outcome, accepted or refused, is the same either way.
 */
final class EnvelopeReader {

  /**
   * JSON as the event bus reads it (comments allowed, Jackson's default limits), parsed from an
   * array: no input stream over the buffer, and byte offsets for the copy of the data.
   */
  private static final JsonFactory FACTORY = JsonFactory.builder().enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();

  /** A value that is an object or an array, where a context attribute or extension must be a scalar. */
  private static final Object NOT_SCALAR = new Object();

  private EnvelopeReader() {
  }

  /**
   * The envelope of {@code json}, or null when the caller must read it as a tree.
   *
   * @param structured    the publisher declared a CloudEvent (an object with {@code specversion} is one anyway)
   * @param binary        the attributes of the event whose {@code data} is the whole of {@code json} when it is
   *                      not a CloudEvent (binary mode), in the order a tree would hold them, in a map the
   *                      reader may add to
   * @param correlationId added as {@code correlationid} when the event has no such attribute (may be null)
   * @throws Problem what {@link Envelope#of} throws for the same event
   */
  static Envelope read(Buffer json, boolean structured, Supplier<Map<String, Object>> binary, String defaultSource,
      String correlationId) {
    Parsed parsed = parse(json, structured);
    if (parsed == null) {
      return null;
    }
    Map<String, Object> members = parsed.members();
    if (members == null) {
      members = binary.get();
      members.put("data", NOT_SCALAR);
    }
    if (correlationId != null && !members.containsKey("correlationid")) {
      members.put("correlationid", correlationId);
    }
    byte[] data = parsed.data();
    return parsed.hasData() && data == null ? null : Envelope.ofMembers(members, data, defaultSource);
  }

  /**
   * The CloudEvent {@code json} is (an object with {@code specversion}), else the event {@code wrapping}
   * makes with {@code json} as its data (a Redis message that is other JSON); null when the caller
   * must read it as a tree.
   *
   * @throws Problem what {@link Envelope#of} throws for the same event
   */
  static Envelope read(Buffer json, Envelope.Wrapping wrapping) {
    Parsed parsed = parse(json, false);
    if (parsed == null || (parsed.hasData() && parsed.data() == null)) {
      return null;
    }
    return parsed.members() == null ? wrapping.wrap(parsed.data())
        : Envelope.ofMembers(parsed.members(), parsed.data(), wrapping.defaultSource());
  }

  /**
   * What one pass over {@code json} found: a CloudEvent's members ({@code data}, an object or an array,
   * compacted), or, when {@code members} is null, a JSON object or array that is not a CloudEvent, all of
   * it the data. {@code data} is null where it holds a comment.
   */
  private record Parsed(Map<String, Object> members, boolean hasData, byte[] data) {}

  private static Parsed parse(Buffer json, boolean structured) {
    byte[] bytes = json.getBytes();
    if (!structured) {
      int length = StrictJson.compactInPlace(bytes);
      if (length != StrictJson.UNSURE) {
        return new Parsed(null, true, length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length));
      }
      bytes = json.getBytes(); // the scan left its copy in no useful state
    }
    JsonParser parser;
    try {
      parser = FACTORY.createParser(bytes);
    } catch (IOException e) {
      return null;
    }
    if (!(parser instanceof UTF8StreamJsonParser)) {
      return null; // UTF-16 or UTF-32, which Jackson detects: the copy of the data needs UTF-8's offsets
    }
    try {
      JsonToken first = parser.nextToken();
      int start = first == null ? 0 : (int) parser.currentTokenLocation().getByteOffset();
      if (!structured && (first == JsonToken.START_ARRAY || (first == JsonToken.START_OBJECT && !mayNameSpecversion(bytes)))) {
        // The data of an event, not one (a Redis message, a binary-mode body): checked by the
        // parser, no member read into a map only to find it names no specversion.
        parser.skipChildren();
        int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
        return parser.nextToken() != null ? null : new Parsed(null, true, compact(bytes, start, end));
      }
      if (first != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, Object> members = new LinkedHashMap<>();
      int[] data = null; // [start, end) of the data: an object or an array
      String name;
      while ((name = parser.nextFieldName()) != null) {
        JsonToken token = parser.nextToken();
        if ("data".equals(name)) {
          if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
            return null;
          }
          int from = (int) parser.currentTokenLocation().getByteOffset();
          parser.skipChildren();
          data = new int[] {from, (int) parser.currentTokenLocation().getByteOffset() + 1};
          members.put(name, NOT_SCALAR);
          continue;
        }
        Object value = scalar(parser, token);
        if (value == null) {
          return null;
        }
        members.put(name, value == NULL ? null : value);
      }
      int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
      if (parser.nextToken() != null) {
        return null; // trailing content: the tree's reader names the fault
      }
      if (!(structured || members.containsKey("specversion"))) {
        return new Parsed(null, true, compact(bytes, start, end)); // not a CloudEvent: the whole value is the data of one
      }
      return new Parsed(members, data != null, data == null ? null : compact(bytes, data[0], data[1]));
    } catch (IOException | RuntimeException malformed) {
      return null;
    } finally {
      try {
        parser.close();
      } catch (IOException ignored) {
        // nothing held
      }
    }
  }

  private static final byte[] SPECVERSION = "specversion".getBytes(StandardCharsets.US_ASCII);

  /**
   * Whether an object's bytes could have a member named {@code specversion}: spelled out, or hidden in
   * escapes, which need a backslash.
   */
  private static boolean mayNameSpecversion(byte[] bytes) {
    outer:
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\\') {
        return true;
      }
      if (bytes[i] == 's' && i + SPECVERSION.length <= bytes.length) {
        for (int k = 1; k < SPECVERSION.length; k++) {
          if (bytes[i + k] != SPECVERSION[k]) {
            continue outer;
          }
        }
        return true;
      }
    }
    return false;
  }

  /** Stands for a member whose value is JSON null. */
  private static final Object NULL = new Object();

  /** A member's value as the tree would hold it; NOT_SCALAR for an object or array (skipped), null when unsure. */
  private static Object scalar(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return parser.getText();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return NULL;
      case VALUE_NUMBER_INT:
        return parser.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        Number n = parser.getNumberValue();
        return n instanceof Double d && Double.isFinite(d) ? d : null;
      case START_OBJECT:
      case START_ARRAY:
        parser.skipChildren();
        return NOT_SCALAR;
      default:
        return null;
    }
  }

  /**
   * The bytes of a JSON value the parser has checked, without the blanks between its tokens; null
   * when it holds a comment (which the parser accepts and this copy would not know to drop).
   */
  private static byte[] compact(byte[] bytes, int start, int end) {
    int n = start;
    boolean inString = false;
    for (int i = start; i < end; i++) {
      byte b = bytes[i];
      if (inString) {
        bytes[n++] = b;
        if (b == '\\') {
          bytes[n++] = bytes[++i];
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
        bytes[n++] = b;
      } else if (b == '/') {
        return null;
      } else if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        bytes[n++] = b;
      }
    }
    return java.util.Arrays.copyOfRange(bytes, start, n);
  }

  /** Appends a string as JSON, escaped as the event bus's JSON encoder escapes it. */
  static void appendString(StringBuilder out, String s) {
    out.append('"');
    if (needsEscape(s)) {
      JsonStringEncoder.getInstance().quoteAsString(s, out);
    } else {
      out.append(s);
    }
    out.append('"');
  }

  private static boolean needsEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  /** Appends an extension's number or boolean as the event bus's JSON encoder writes it. */
  static void appendScalar(StringBuilder out, Object value) {
    if (value instanceof String s) {
      appendString(out, s);
    } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
        || value instanceof Double || value instanceof Boolean) {
      out.append(value);
    } else {
      throw new IllegalArgumentException("not a JSON scalar: " + value.getClass());
    }
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8); // ASCII, the usual case, is one array copy
  }
}
