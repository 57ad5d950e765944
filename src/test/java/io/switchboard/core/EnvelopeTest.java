package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  private static final String SOURCE = "/switchboard/test";

  /** Request headers from name, value pairs (shared with EnvelopeReaderTest). */
  static MultiMap headers(String... kv) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) {
      headers.add(kv[i], kv[i + 1]);
    }
    return headers;
  }

  private static Envelope http(String body, String... headers) {
    return Envelope.fromHttp(Buffer.buffer(body), headers(headers), SOURCE);
  }

  private static void assertProblem(Runnable action, int status, String code, String detail) {
    assertThatThrownBy(action::run).isInstanceOfSatisfying(Problem.class, p -> {
      assertThat(p.status()).isEqualTo(status);
      assertThat(p.code()).isEqualTo(code);
      assertThat(p.detail()).contains(detail);
    });
  }

  @Test
  void structuredEventIsKeptAndCompleted() {
    Envelope e = http("{\"specversion\":\"1.0\",\"type\":\"order.created\",\"subject\":\"orders.eu\","
        + "\"data\":{\"order_id\":\"o-1\"},\"correlationid\":\"c-9\",\"dataversion\":\"2\"}");
    JsonObject json = e.toJson();
    assertThat(json.getString("specversion")).isEqualTo("1.0");
    assertThat(json.getString("id")).hasSize(36);
    assertThat(json.getString("source")).isEqualTo(SOURCE);
    assertThat(json.getString("type")).isEqualTo("order.created");
    assertThat(json.getString("subject")).isEqualTo("orders.eu");
    assertThat(OffsetDateTime.parse(json.getString("time"))).isNotNull();
    assertThat(json.getJsonObject("data")).isEqualTo(new JsonObject().put("order_id", "o-1"));
    assertThat(e.correlationId()).isEqualTo("c-9");
    assertThat(json.getString("dataversion")).isEqualTo("2");
  }

  @Test
  void givenIdTimeAndSourceAreKept() {
    Envelope e = Envelope.of(new JsonObject().put("id", "x-1").put("type", "t").put("source", "urn:me")
        .put("time", "2026-11-26T12:00:00.000Z"), SOURCE);
    assertThat(e.id()).isEqualTo("x-1");
    assertThat(e.source()).isEqualTo("urn:me");
    assertThat(e.time()).isEqualTo("2026-11-26T12:00:00.000Z");
  }

  @Test
  void cloudEventsContentTypeMeansStructured() {
    Envelope e = http("{\"type\":\"t\",\"data\":1}", "Content-Type", "application/cloudevents+json; charset=utf-8");
    assertThat(e.type()).isEqualTo("t");
    assertThat(e.data()).isEqualTo(1);
    assertProblem(() -> http("[1,2]", "Content-Type", "application/cloudevents+json"), 400, "malformed-event", "must be a JSON object");
  }

  @Test
  void bareJsonWithCeHeadersBecomesData() {
    Envelope e = http("{\"order_id\":\"o-1\"}", "Content-Type", "application/json", "Ce-Type", "order.created",
        "ce-id", "abc", "ce-subject", "orders.eu", "ce-tenant", "t1", "X-Correlation-Id", "corr-1");
    JsonObject json = e.toJson();
    assertThat(json.getString("type")).isEqualTo("order.created");
    assertThat(json.getString("id")).isEqualTo("abc");
    assertThat(json.getString("subject")).isEqualTo("orders.eu");
    assertThat(json.getString("tenant")).isEqualTo("t1");
    assertThat(json.getString("correlationid")).isEqualTo("corr-1");
    assertThat(json.getString("datacontenttype")).isEqualTo("application/json");
    assertThat(json.getJsonObject("data")).isEqualTo(new JsonObject().put("order_id", "o-1"));
  }

  @Test
  void bareValuesOfEveryJsonKind() {
    assertThat(http("[1,2]", "ce-type", "t").data()).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(http("\"text\"", "ce-type", "t").data()).isEqualTo("text");
    assertThat(http("42", "ce-type", "t").data()).isEqualTo(42);
    assertThat(http("{\"a\":1}", "ce-type", "t", "Content-Type", "application/x-www-form-urlencoded").toJson()
        .getString("datacontenttype")).isEqualTo("application/json");
  }

  @Test
  void malformedJson() {
    assertProblem(() -> http("{\"type\":"), 400, "malformed-json", "the body is not valid JSON");
    assertProblem(() -> http("not json", "ce-type", "t"), 400, "malformed-json", "the body is not valid JSON");
    assertProblem(() -> http(""), 400, "empty-body", "the body is empty");
  }

  @Test
  void missingType() {
    assertProblem(() -> http("{\"a\":1}"), 422, "missing-type", "the event has no type");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"data\":1}"), 422, "missing-type", "the event has no type");
  }

  @Test
  void invalidAttributes() {
    assertProblem(() -> http("{\"specversion\":\"0.3\",\"type\":\"t\"}"), 422, "invalid-event", "specversion must be \"1.0\"");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":7}"), 422, "invalid-event", "attribute type must be a string");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"\"}"), 422, "invalid-event", "attribute type must not be empty");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"a\\nevent: x\"}"), 422, "invalid-event", "control character");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"t\",\"time\":\"yesterday\"}"), 422, "invalid-event", "RFC 3339");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":1,\"data_base64\":\"AA==\"}"),
        422, "invalid-event", "data or data_base64, not both");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"t\",\"data_base64\":\"%%%\"}"), 422, "invalid-event", "base64");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"t\",\"Bad-Name\":\"x\"}"), 422, "invalid-event",
        "'Bad-Name' is not a CloudEvents attribute name");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"t\",\"ext\":{\"a\":1}}"), 422, "invalid-event",
        "extension attribute ext must be a string, number or boolean");
    assertProblem(() -> http("{\"specversion\":\"1.0\",\"type\":\"" + "t".repeat(1025) + "\"}"), 422, "invalid-event", "longer than 1024");
  }

  @Test
  void encodesToOneLineOnce() {
    Envelope e = Envelope.of(new JsonObject().put("type", "t").put("data", "line1\nline2"), SOURCE);
    assertThat(e.encode()).doesNotContain("\n").isSameAs(e.encode());
    assertThat(new JsonObject(e.encode()).getString("data")).isEqualTo("line1\nline2");
  }

  @Test
  void envelopeIsImmutable() {
    JsonObject candidate = new JsonObject().put("type", "t").put("data", new JsonObject().put("a", 1));
    Envelope e = Envelope.of(candidate, SOURCE);
    e.toJson().put("type", "changed");
    candidate.put("type", "changed");
    assertThat(e.type()).isEqualTo("t");
  }

  /** The fast timestamp check never accepts what the RFC 3339 parser refuses, and the rule as a whole is the parser's. */
  @Test
  void timestampFastPathAgreesWithTheParser() {
    String[] samples = {
        "2026-11-26T12:00:00Z", "2026-11-26T12:00:00.000Z", "2026-11-26T12:00:00.123456789Z", "2026-11-26T23:59:59+02:00",
        "2026-11-26T00:00:00-18:00", "2024-02-29T12:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.5+18:00",
        "2026-11-26T12:00Z", "2026-11-26T12:00:00+02:00:30",                         // parser only: still accepted
        "2025-02-29T12:00:00Z", "2026-02-30T12:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T12:60:00Z", "2026-11-26T12:00:60Z",
        "2026-11-26T12:00:00.Z", "2026-11-26T12:00:00.1234567890Z", "2026-11-26T12:00:00+19:00",
        "2026-11-26T12:00:00+18:01", "2026-11-26T12:00:00+02:60", "2026-11-26T12:00:00", "2026-11-26 12:00:00Z",
        "2026-11-26t12:00:00z", "2026-1-26T12:00:00Z", "2026-11-26T12:00:00+0200", "2026-11-26T12:00:00ZZ", "yesterday",
        "2026-11-26T12:00:00.12a4Z", "+2026-11-26T12:00:00Z", "20261-11-26T12:00:00Z"};
    for (String time : samples) {
      boolean parses;
      try {
        java.time.OffsetDateTime.parse(time, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        parses = true;
      } catch (java.time.format.DateTimeParseException e) {
        parses = false;
      }
      if (Envelope.isPlainTimestamp(time)) {
        assertThat(parses).as("fast path accepted %s", time).isTrue();
      }
      JsonObject event = new JsonObject().put("specversion", "1.0").put("type", "t").put("time", time);
      if (parses) {
        assertThat(Envelope.of(event, SOURCE).time()).as(time).isEqualTo(time);
      } else {
        assertProblem(() -> Envelope.of(event, SOURCE), 422, "invalid-event", "RFC 3339");
      }
    }
    assertThat(Envelope.isPlainTimestamp("2026-11-26T12:00:00.000Z")).isTrue();
    assertThat(Envelope.isPlainTimestamp("2026-11-26T12:00:00+02:00")).isTrue();
  }

  /** The completed time is the current millisecond, written as Instant.toString writes it (no ".000" on a whole second). */
  @Test
  void completedTimeIsTheCurrentMillisecond() {
    long before = System.currentTimeMillis();
    String time = Envelope.of(new JsonObject().put("type", "t"), SOURCE).time();
    long after = System.currentTimeMillis();
    long at = java.time.Instant.parse(time).toEpochMilli();
    assertThat(at).isBetween(before, after);
    assertThat(time).isEqualTo(java.time.Instant.ofEpochMilli(at).toString());
    assertThat(Envelope.nowMillis()).endsWith("Z");
  }

  @Test
  void completedTimesAreWrittenAsInstantWritesThem() {
    java.util.Random random = new java.util.Random(7);
    long[] edges = {0, 1, 999, 1000, 1001, -1, -1000, 951782400000L, 4102444799999L, 1733600000000L, 1733600000010L, 1733600000100L};
    for (long millis : edges) {
      assertThat(Envelope.millisText(millis)).isEqualTo(java.time.Instant.ofEpochMilli(millis).toString());
    }
    long now = System.currentTimeMillis();
    for (int i = 0; i < 100_000; i++) {
      long millis = i % 2 == 0 ? now + i : random.nextLong(-4_000_000_000_000L, 8_000_000_000_000L);
      assertThat(Envelope.millisText(millis)).isEqualTo(java.time.Instant.ofEpochMilli(millis).toString());
    }
  }
}
