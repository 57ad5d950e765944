package io.switchboard.core;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A CloudEvents 1.0 event in JSON structured mode: the one message shape of the hub.
 *
 * <p>An envelope is immutable once built: {@link #of} validates a candidate and fills {@code id},
 * {@code time}, {@code source} and {@code specversion} when absent. {@link #fromHttp} accepts both
 * structured mode and a bare JSON body with {@code ce-*} headers (binary mode).
 */
public final class Envelope {

  public static final String SPEC_VERSION = "1.0";
  public static final String MEDIA_TYPE = "application/cloudevents+json";
  public static final String CORRELATION_HEADER = "X-Correlation-Id";

  private static final int MAX_ATTRIBUTE_LENGTH = 1024;
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,20}");
  private static final String[] ORDER =
      {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"};
  private static final int SPECVERSION = 0;
  private static final int ID = 1;
  private static final int SOURCE = 2;
  private static final int TYPE = 3;
  private static final int TIME = 5;

  /**
   * The last completed {@code time}, reused within its millisecond, and its second formatted without
   * the zone: within a second only the milliseconds are written (formatting a whole timestamp each
   * millisecond cost more than the rest of the check).
   */
  private static volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "", Long.MIN_VALUE, "");

  private record Stamp(long second, String secondText, long millis, String text) {}

  /** The event as JSON: given when built from a tree, read from {@link #encoded} when first asked for. */
  private volatile JsonObject json;
  private volatile String encoded;
  private final String id;
  private final String type;
  /** Read from bytes: the members as read (for {@link #extension}), else null. */
  private final Map<String, Object> members;

  private Envelope(JsonObject json, String encoded, String id, String type, Map<String, Object> members) {
    this.json = json;
    this.encoded = encoded;
    this.id = id;
    this.type = type;
    this.members = members;
  }

  /** The {@code source} of events this node completes: {@code /switchboard/{node.id}} of the configuration. */
  public static String nodeSource(JsonObject conf) {
    return "/switchboard/" + conf.getJsonObject("node").getString("id");
  }

  /**
   * Validates a structured-mode event and fills what a publisher may leave out.
   *
   * @param defaultSource the {@code source} used when the event has none, e.g. {@code /switchboard/node-a}
   * @throws Problem 422 naming the attribute at fault
   */
  public static Envelope of(JsonObject candidate, String defaultSource) {
    if (candidate == null) {
      throw Problem.invalid("invalid-event", "the event is missing");
    }
    Checked checked = check(candidate, defaultSource);
    JsonObject out = new JsonObject();
    for (int i = 0; i < ORDER.length; i++) {
      if (checked.attributes[i] != null) {
        out.put(ORDER[i], checked.attributes[i]);
      }
    }
    checked.extensions.forEach(out::put);
    if (checked.base64 != null) {
      out.put("data_base64", checked.base64);
    } else if (checked.hasData) {
      out.put("data", candidate.getValue("data"));
    }
    return new Envelope(out, null, checked.attributes[ID], checked.attributes[TYPE], null);
  }

  /**
   * {@link #of} for an event read from bytes ({@link EnvelopeReader}): the same checks on its
   * members, its text written straight from them, {@code data} as the reader copied it.
   */
  static Envelope ofMembers(Map<String, Object> members, byte[] data, String defaultSource) {
    Checked checked = check(new JsonObject(members), defaultSource);
    return new Envelope(null, text(checked.attributes, checked.extensions, checked.base64, data), checked.attributes[ID],
        checked.attributes[TYPE], members);
  }

  /** The event's one line of JSON, written straight from its checked parts; {@code data} its UTF-8 bytes, or null. */
  private static String text(String[] attributes, Map<String, Object> extensions, String base64, byte[] data) {
    int length = 16 + (data == null ? 0 : data.length) + (base64 == null ? 0 : base64.length());
    for (int i = 0; i < ORDER.length; i++) {
      length += attributes[i] == null ? 0 : ORDER[i].length() + attributes[i].length() + 6;
    }
    for (Map.Entry<String, Object> extension : extensions.entrySet()) {
      length += extension.getKey().length() + 6 + (extension.getValue() instanceof String v ? v.length() : 24);
    }
    StringBuilder text = new StringBuilder(length); // escapes aside, the size it ends at: no growing
    appendAttributes(text, attributes, 0, ORDER.length);
    appendExtensions(text, extensions);
    if (base64 != null) {
      text.append(",\"data_base64\":");
      EnvelopeReader.appendString(text, base64);
    } else if (data != null) {
      text.append(",\"data\":").append(EnvelopeReader.utf8(data));
    }
    return text.append('}').toString();
  }

  /** The checked context attributes from ORDER[from] to before ORDER[to]; specversion, always there, opens the object. */
  private static void appendAttributes(StringBuilder text, String[] attributes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (attributes[i] != null) {
        text.append(i == SPECVERSION ? '{' : ',').append('"').append(ORDER[i]).append("\":");
        EnvelopeReader.appendString(text, attributes[i]);
      }
    }
  }

  private static void appendExtensions(StringBuilder text, Map<String, Object> extensions) {
    for (Map.Entry<String, Object> extension : extensions.entrySet()) {
      text.append(',');
      EnvelopeReader.appendString(text, extension.getKey());
      text.append(':');
      EnvelopeReader.appendScalar(text, extension.getValue());
    }
  }

  /**
   * The attributes of events that each carry a payload, not a CloudEvent itself, as their data, the
   * same attributes for every one (a relay's type, source and content type): checked and written
   * once, here, so that each event only adds its id, its time and its data to the same text (issue
   * 20: with its members left unread too, see EnvelopeReader, bench-redis's message is read in
   * 1.3 µs instead of 1.9–2.5).
   */
  public static final class Wrapping {

    private final JsonObject attributes;
    private final String defaultSource;
    private final String type;
    private final Map<String, Object> extensions;
    /** The event's UTF-8 text around its id and time (both ASCII, never escaped) and before its data. */
    private final byte[] beforeId;
    private final byte[] beforeTime;
    private final byte[] beforeData;

    private Wrapping(JsonObject attributes, String defaultSource) {
      for (String own : new String[] {"id", "time", "data", "data_base64"}) {
        if (attributes.containsKey(own)) {
          throw new IllegalArgumentException("each wrapped event has its own " + own);
        }
      }
      this.attributes = attributes.copy();
      this.defaultSource = defaultSource;
      Checked fixed = check(attributes.copy().put("data", new JsonObject()), defaultSource); // data: each event's own
      this.type = fixed.attributes[TYPE];
      this.extensions = fixed.extensions;
      StringBuilder text = new StringBuilder();
      appendAttributes(text, fixed.attributes, SPECVERSION, ID);
      this.beforeId = utf8(text.append(",\"id\":\""));
      text.setLength(0);
      appendAttributes(text.append('"'), fixed.attributes, ID + 1, TIME);
      this.beforeTime = utf8(text.append(",\"time\":\""));
      text.setLength(0);
      appendAttributes(text.append('"'), fixed.attributes, TIME + 1, ORDER.length);
      appendExtensions(text, extensions);
      this.beforeData = utf8(text.append(",\"data\":"));
    }

    private static byte[] utf8(CharSequence text) {
      return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The event with these attributes whose data is {@code data}, the UTF-8 bytes of a JSON object or array. */
    Envelope wrap(byte[] data) {
      String id = UUID.randomUUID().toString();
      String time = nowMillis();
      byte[] text = new byte[beforeId.length + id.length() + beforeTime.length + time.length() + beforeData.length + data.length + 1];
      int at = put(text, 0, beforeId);
      id.getBytes(0, id.length(), text, at); // ASCII: one byte per char
      at = put(text, at + id.length(), beforeTime);
      time.getBytes(0, time.length(), text, at);
      at = put(text, at + time.length(), beforeData);
      at = put(text, at, data);
      text[at] = '}';
      return new Envelope(null, new String(text, StandardCharsets.UTF_8), id, type, extensions);
    }

    private static int put(byte[] text, int at, byte[] part) {
      System.arraycopy(part, 0, text, at, part.length);
      return at + part.length;
    }

    /** The source of a CloudEvent read beside wrapped payloads that names none. */
    String defaultSource() {
      return defaultSource;
    }
  }

  /**
   * Attributes checked once for every event that wraps a payload as its data ({@link #read(Buffer, Wrapping)}).
   *
   * @throws Problem 422 naming the attribute at fault
   * @throws IllegalArgumentException when they hold what each event has of its own: an id, a time, data
   */
  public static Wrapping wrapping(JsonObject attributes, String defaultSource) {
    return new Wrapping(attributes, defaultSource);
  }

  /** What {@link #check} found: the completed context attributes by their place in ORDER, the rest in order. */
  private record Checked(String[] attributes, Map<String, Object> extensions, String base64, boolean hasData) {}

  private static Checked check(JsonObject candidate, String defaultSource) {
    // The context attributes by their place in ORDER (no map of their own: this runs per message).
    String[] attributes = new String[ORDER.length];
    for (int i = 0; i < ORDER.length; i++) {
      Object value = candidate.getValue(ORDER[i]);
      if (value != null) {
        attributes[i] = requireString(ORDER[i], value);
      }
    }
    String specversion = attributes[SPECVERSION] == null ? SPEC_VERSION : attributes[SPECVERSION];
    if (!SPEC_VERSION.equals(specversion)) {
      throw Problem.invalid("invalid-event", "specversion must be \"1.0\", not \"" + TopicName.printable(specversion) + "\"");
    }
    if (attributes[TYPE] == null) {
      throw Problem.invalid("missing-type", "the event has no type: set \"type\" (or the ce-type header)");
    }
    if (attributes[TIME] != null) {
      requireTimestamp(attributes[TIME]);
    } else {
      attributes[TIME] = nowMillis();
    }
    attributes[SPECVERSION] = SPEC_VERSION;
    if (attributes[ID] == null) {
      attributes[ID] = UUID.randomUUID().toString();
    }
    if (attributes[SOURCE] == null) {
      attributes[SOURCE] = defaultSource;
    }
    // The wire shows the context attributes in the specification's order, then extensions, then data.
    Map<String, Object> extensions = new LinkedHashMap<>();
    // Over the map itself: JsonObject's iterator wraps each value in a new entry (a tenth of reading an event).
    for (Map.Entry<String, Object> attribute : candidate.getMap().entrySet()) {
      String name = attribute.getKey();
      Object value = attribute.getValue();
      if (value == null || isContextAttribute(name) || "data".equals(name) || "data_base64".equals(name)) {
        continue;
      }
      if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
        value = candidate.getValue(name); // as JsonObject reads it (an Instant put from Java is its text)
      }
      extensions.put(name, requireExtension(name, value));
    }
    boolean hasData = candidate.containsKey("data");
    Object base64 = candidate.getValue("data_base64");
    if (hasData && base64 != null) {
      throw Problem.invalid("invalid-event", "an event carries data or data_base64, not both");
    }
    return new Checked(attributes, extensions, base64 == null ? null : requireBase64(base64), hasData);
  }

  private static boolean isContextAttribute(String name) {
    for (String attribute : ORDER) {
      if (attribute.equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** Now, as RFC 3339 in UTC to the millisecond (what {@code Instant.toString} writes for it). */
  static String nowMillis() {
    return millisText(System.currentTimeMillis());
  }

  static String millisText(long millis) {
    Stamp stamp = lastStamp;
    if (stamp.millis() == millis) {
      return stamp.text();
    }
    long second = Math.floorDiv(millis, 1000);
    String secondText = stamp.secondText();
    if (stamp.second() != second) {
      String whole = Instant.ofEpochSecond(second).toString();
      secondText = whole.substring(0, whole.length() - 1);
    }
    int ms = (int) Math.floorMod(millis, 1000);
    String text = ms == 0 ? secondText + "Z"
        : secondText.concat(new String(new char[] {'.', (char) ('0' + ms / 100), (char) ('0' + ms / 10 % 10), (char) ('0' + ms % 10), 'Z'}));
    lastStamp = new Stamp(second, secondText, millis, text);
    return text;
  }

  /**
   * Reads an HTTP body into a candidate event for {@link #of}: a structured event (content type
   * {@code application/cloudevents+json}, or a JSON object with {@code specversion}) as it is, else a
   * bare JSON value as {@code data} with attributes from {@code ce-*} headers (binary mode).
   *
   * @throws Problem 400 when the body is not JSON
   */
  public static JsonObject candidateFromHttp(Buffer body, MultiMap headers) {
    if (body == null || body.length() == 0) {
      throw Problem.badRequest("empty-body", "the body is empty: send a CloudEvent or a JSON value");
    }
    String contentType = headers.get("Content-Type");
    boolean structured = isStructured(contentType);
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw Problem.badRequest("malformed-json", "the body is not valid JSON: " + firstLine(e.getMessage()));
    }
    JsonObject candidate;
    if (parsed instanceof JsonObject object && (structured || object.containsKey("specversion"))) {
      candidate = object;
    } else if (structured) {
      throw Problem.badRequest("malformed-event", "a " + MEDIA_TYPE + " body must be a JSON object");
    } else {
      candidate = new JsonObject(binaryAttributes(headers, contentType));
      candidate.put("data", parsed);
    }
    String correlation = headers.get(CORRELATION_HEADER);
    if (correlation != null && !candidate.containsKey("correlationid")) {
      candidate.put("correlationid", correlation);
    }
    return candidate;
  }

  private static boolean isStructured(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(MEDIA_TYPE);
  }

  /** Binary mode: the attributes from {@code ce-*} headers, and the body's content type. */
  private static Map<String, Object> binaryAttributes(MultiMap headers, String contentType) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    headers.forEach(header -> {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("ce-") && name.length() > 3) {
        attributes.put(name.substring(3), header.getValue());
      }
    });
    // The body parsed as JSON, whatever the client's tool claimed (curl -d says form-urlencoded).
    attributes.put("datacontenttype", isJson(contentType) ? contentType : "application/json");
    return attributes;
  }

  /**
   * {@link #candidateFromHttp} then {@link #of}, with the same outcome: 400 for a body that is not
   * JSON, 422 for an invalid event. Read from the bytes without a JSON tree where it can be.
   */
  public static Envelope fromHttp(Buffer body, MultiMap headers, String defaultSource) {
    if (body != null && body.length() > 0) {
      String contentType = headers.get("Content-Type");
      Envelope read = EnvelopeReader.read(body, isStructured(contentType), () -> binaryAttributes(headers, contentType),
          defaultSource, headers.get(CORRELATION_HEADER));
      if (read != null) {
        return read;
      }
    }
    return of(candidateFromHttp(body, headers), defaultSource);
  }

  /**
   * The event {@code json} holds: itself when it is a CloudEvent (an object with {@code specversion}),
   * else an event with {@code otherwise}'s attributes and {@code json} as its data; validated and
   * completed as {@link #of} does. Null when {@code json} is not a JSON object or array; the caller
   * decides what else it may be.
   */
  public static Envelope read(Buffer json, Wrapping otherwise) {
    Envelope read = EnvelopeReader.read(json, otherwise);
    if (read != null) {
      return read;
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(json);
    } catch (DecodeException notJson) {
      return null;
    }
    if (parsed instanceof JsonObject object && object.containsKey("specversion")) {
      return of(object, otherwise.defaultSource);
    }
    return parsed instanceof JsonObject || parsed instanceof io.vertx.core.json.JsonArray
        ? of(otherwise.attributes.copy().put("data", parsed), otherwise.defaultSource) : null;
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String base = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return base.equalsIgnoreCase("application/json") || base.regionMatches(true, base.length() - 5, "+json", 0, 5);
  }

  private static String requireString(String name, Object value) {
    if (!(value instanceof String s)) {
      throw Problem.invalid("invalid-event", "attribute " + name + " must be a string");
    }
    if (s.isEmpty() && !"subject".equals(name)) {
      throw Problem.invalid("invalid-event", "attribute " + name + " must not be empty");
    }
    return requireText(name, s);
  }

  private static String requireText(String name, String s) {
    if (s.length() > MAX_ATTRIBUTE_LENGTH) {
      throw Problem.invalid("invalid-event", "attribute " + name + " is longer than " + MAX_ATTRIBUTE_LENGTH + " characters");
    }
    for (int i = 0; i < s.length(); i++) {
      // Control characters would let an attribute break out of an SSE line or an HTTP header.
      char c = s.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) { // Character.isISOControl
        throw Problem.invalid("invalid-event", "attribute " + name + " contains a control character at position " + i);
      }
    }
    return s;
  }

  private static Object requireExtension(String name, Object value) {
    if (!ATTRIBUTE_NAME.matcher(name).matches()) {
      throw Problem.invalid("invalid-event", "'" + TopicName.printable(name)
          + "' is not a CloudEvents attribute name (lower-case a-z and 0-9, at most 20)");
    }
    if (value instanceof String s) {
      return requireText(name, s);
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value;
    }
    throw Problem.invalid("invalid-event", "extension attribute " + name + " must be a string, number or boolean");
  }

  private static void requireTimestamp(String time) {
    if (isPlainTimestamp(time)) {
      return;
    }
    try {
      OffsetDateTime.parse(time, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      throw Problem.invalid("invalid-event", "time must be an RFC 3339 timestamp such as 2026-11-26T12:00:00Z");
    }
  }

  /**
   * The common shape {@code yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:MM)} with valid fields, checked
   * without the date-time parser (which allocated and cost several microseconds per message on the
   * publish path). Accepts a subset of what {@code ISO_OFFSET_DATE_TIME} accepts; anything else
   * goes to that parser, so the rule is unchanged.
   */
  static boolean isPlainTimestamp(String t) {
    int n = t.length();
    if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':' || t.charAt(16) != ':') {
      return false;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
        || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return false;
    }
    int i = 19;
    if (t.charAt(i) == '.') {
      int start = ++i;
      while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        i++;
      }
      if (i == start || i - start > 9) {
        return false;
      }
    }
    if (i == n - 1) {
      return t.charAt(i) == 'Z';
    }
    if (i != n - 6 || (t.charAt(i) != '+' && t.charAt(i) != '-') || t.charAt(i + 3) != ':') {
      return false;
    }
    int offsetHours = digits(t, i + 1, 2);
    int offsetMinutes = digits(t, i + 4, 2);
    return offsetHours >= 0 && offsetMinutes >= 0 && offsetMinutes <= 59 && (offsetHours < 18 || (offsetHours == 18 && offsetMinutes == 0));
  }

  /** The decimal number in t[from, from + count), or -1 when any of those is not a digit. */
  private static int digits(String t, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static String requireBase64(Object value) {
    if (value instanceof String s) {
      try {
        Base64.getDecoder().decode(s);
        return s;
      } catch (IllegalArgumentException ignored) {
        // reported below
      }
    }
    throw Problem.invalid("invalid-event", "data_base64 must be a base64 string");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  public String id() {
    return id;
  }

  public String type() {
    return type;
  }

  public String source() {
    return json().getString("source");
  }

  public String subject() {
    return json().getString("subject");
  }

  public String time() {
    return json().getString("time");
  }

  public String correlationId() {
    return json().getString("correlationid");
  }

  public Object data() {
    return json().getValue("data");
  }

  /** An extension attribute's value (a String, Number or Boolean), or null. */
  public Object extension(String name) {
    if (isContextAttribute(name) || "data".equals(name) || "data_base64".equals(name)) {
      return null;
    }
    return members != null ? members.get(name) : json().getValue(name);
  }

  /**
   * The event's own JSON, not a copy, for code that copies or only reads it (a local event-bus
   * publish copies a JSON body per consumer). Never modify it.
   */
  public JsonObject json() {
    JsonObject j = json;
    if (j == null) {
      j = new JsonObject(encoded);
      json = j;
    }
    return j;
  }

  /** A copy of the event as JSON. */
  public JsonObject toJson() {
    return json == null ? new JsonObject(encoded) : json.copy();
  }

  /** The event as compact JSON text (one line), encoded once. */
  public String encode() {
    String e = encoded;
    if (e == null) {
      e = json().encode();
      encoded = e;
    }
    return e;
  }

  @Override
  public String toString() {
    return encode();
  }

  /**
   * Registers the event-bus codec that lets an envelope be sent where consumers expect its JSON
   * ({@code switchboard.topic.{topic}}): each consumer gets a JsonObject of its own, read from the
   * encoded text only when there is a consumer to read it; another node gets the text.
   */
  public static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(Envelope.class, new AsJson());
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this node registered it first
    }
  }

  private static final class AsJson implements MessageCodec<Envelope, JsonObject> {

    @Override
    public void encodeToWire(Buffer buffer, Envelope envelope) {
      byte[] text = envelope.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      buffer.appendInt(text.length).appendBytes(text);
    }

    @Override
    public JsonObject decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
    }

    @Override
    public JsonObject transform(Envelope envelope) {
      return envelope.toJson();
    }

    @Override
    public String name() {
      return "switchboard.envelope";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
