package io.switchboard.core;

import static io.switchboard.core.EnvelopeTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The event read from bytes ({@link Envelope#fromHttp}, {@link Envelope#read}) must come out as the
 * tree's way ({@link Envelope#candidateFromHttp} then {@link Envelope#of}) does: the same event, or
 * the same refusal, for every input.
 */
class EnvelopeReaderTest {

  private static final String SOURCE = "/switchboard/test";
  private static final String CE = "application/cloudevents+json";

  /** Either the accepted event's JSON (with what was generated blanked) or the refusal. */
  private record Outcome(JsonObject event, String problem) {}

  private static Outcome tree(Buffer body, MultiMap headers) {
    try {
      return accepted(Envelope.of(Envelope.candidateFromHttp(body, headers), SOURCE));
    } catch (Problem p) {
      return refused(p);
    }
  }

  private static Outcome read(Buffer body, MultiMap headers) {
    try {
      return accepted(Envelope.fromHttp(body, headers, SOURCE));
    } catch (Problem p) {
      return refused(p);
    }
  }

  private static Outcome accepted(Envelope envelope) {
    String text = envelope.encode();
    assertThat(text).doesNotContain("\n").doesNotContain("\r");
    JsonObject json = new JsonObject(text);
    assertThat(json.getString("id")).isEqualTo(envelope.id());
    assertThat(json.getString("type")).isEqualTo(envelope.type());
    if (json.getString("id").length() == 36) {
      UUID.fromString(json.getString("id")); // generated: differs between the two reads
      json.put("id", "generated");
    }
    json.put("time", json.getString("time").startsWith("2030-") ? json.getString("time") : "now");
    return new Outcome(json, null);
  }

  private static Outcome refused(Problem p) {
    return new Outcome(null, p.status() + " " + p.code() + " " + p.detail());
  }

  private static void same(String body, String... headers) {
    same(Buffer.buffer(body), headers(headers));
  }

  private static void same(Buffer body, MultiMap headers) {
    assertThat(read(body, headers)).as(body.toString()).isEqualTo(tree(body, headers));
  }

  @Test
  void aCompactEventIsWrittenByteForByteAsTheTreeWritesIt() {
    String body = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"urn:s\",\"type\":\"t.x\",\"subject\":\"s\","
        + "\"time\":\"2030-01-02T03:04:05.678Z\",\"datacontenttype\":\"application/json\",\"zeta\":\"z\",\"n\":7,"
        + "\"big\":12345678901234567890,\"f\":1.5,\"ok\":true,\"data\":{\"a\":[1,2,{\"b\":null}],\"s\":\"é \\\" \\\\\"}}";
    Envelope read = EnvelopeReader.read(Buffer.buffer(body), true, java.util.LinkedHashMap::new, SOURCE, null);
    assertThat(read).isNotNull();
    assertThat(read.encode()).isEqualTo(Envelope.of(new JsonObject(body), SOURCE).encode());
  }

  @Test
  void attributesAreOrderedAndCompletedAsTheTreeDoes() {
    String body = "{ \"data\" : { \"k\" : [ 1 , 2 ] } , \"type\" : \"t\" , \"x1\" : \"v\", \"specversion\" : \"1.0\" }";
    Envelope read = EnvelopeReader.read(Buffer.buffer(body), false, java.util.LinkedHashMap::new, SOURCE, "corr-1");
    assertThat(read).isNotNull();
    String text = read.encode();
    assertThat(text).startsWith("{\"specversion\":\"1.0\",\"id\":\"" + read.id() + "\",\"source\":\"" + SOURCE + "\",\"type\":\"t\",\"time\":\"")
        .endsWith(",\"x1\":\"v\",\"correlationid\":\"corr-1\",\"data\":{\"k\":[1,2]}}");
  }

  @Test
  void dataKeepsThePublishersSpellingOfNumbersAndEscapes() {
    String body = "{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"pi\":3.14159265358979323846264338327950288,"
        + "\"e\":1e2,\"u\":\"\\u00e9\\/\"}}";
    String text = Envelope.fromHttp(Buffer.buffer(body), headers(), SOURCE).encode();
    assertThat(text).endsWith("\"data\":{\"pi\":3.14159265358979323846264338327950288,\"e\":1e2,\"u\":\"\\u00e9\\/\"}}");
    assertThat(new JsonObject(text).getJsonObject("data"))
        .isEqualTo(new JsonObject(body).getJsonObject("data")); // the same values as the tree's
  }

  @Test
  void eachRuleRefusesAsTheTreeDoes() {
    same("{\"specversion\":\"1.0\",\"data\":{}}");
    same("{\"specversion\":\"1.0\",\"type\":7,\"data\":{}}");
    same("{\"specversion\":\"0.3\",\"type\":\"t\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"id\":\"\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"source\":\"\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"subject\":\"\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"id\":\"" + "x".repeat(1025) + "\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\\u0001\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"time\":\"yesterday\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"time\":\"2030-01-02T03:04:05+01:00\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"Bad-Name\":\"v\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"ext\":{\"no\":1}}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"ext\":[1]}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"ext\":\"a\\u007fb\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{},\"data_base64\":\"AA==\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data_base64\":\"not base64!\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data_base64\":5}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data_base64\":\"AAE=\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data_base64\":null,\"data\":[]}");
    same("{\"specversion\":1,\"type\":{},\"Bad\":1}"); // several faults: the first in the same order
  }

  @Test
  void edgeCasesComeOutAsTheTreeDoes() {
    same("{\"specversion\":\"1.0\",\"type\":\"a\",\"type\":\"b\",\"x\":1,\"y\":2,\"x\":null,\"data\":{\"v\":1},\"data\":[2]}");
    same("{\"specversion\":null,\"type\":\"t\",\"subject\":null,\"id\":null,\"time\":null}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":null}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":\"text\"}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":12.5}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"n\":1e400}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{/* a comment */\"a\":1}}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"a\":\"/ and // in a string\"}}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\"} trailing");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"a\":1}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"correlationid\":null}", "X-Correlation-Id", "c-1");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"correlationid\":\"mine\"}", "X-Correlation-Id", "c-1");
    same("{\"specversion\":\"1.0\",\"type\":\"t\"}", "X-Correlation-Id", "c\t1");
    same("{\"type\":\"t\",\"data\":{}}", "Content-Type", CE);
    same("{\"type\":\"t\",\"data\":{}}", "ce-type", "binary", "ce-id", "b-1");
    same("[1,2]", "ce-type", "binary");
    same("[1,2]", "Content-Type", CE);
    same("\"text\"", "ce-type", "binary");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":" + "[".repeat(1200) + "]".repeat(1200) + "}");
    same("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"\\ud800\":\"\\udfff\"},\"x\":\"\\ud800\"}");
  }

  @Test
  void jsonInUtf16IsReadAsTheTreeReadsIt() {
    String body = "{\"specversion\":\"1.0\",\"type\":\"t\",\"time\":\"2030-01-01T00:00:00Z\",\"id\":\"u\",\"data\":{\"é\":[1, 2]}}";
    for (java.nio.charset.Charset charset : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16)) {
      same(Buffer.buffer(body.getBytes(charset)), headers());
      same(Buffer.buffer("[1, {\"a\": \"é\"}]".getBytes(charset)), headers("ce-type", "t"));
    }
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedAsTheTreeRefusesThem() {
    byte[] head = "{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"s\":\"".getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "\"}}".getBytes(StandardCharsets.US_ASCII);
    for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xe2, (byte) 0x28, (byte) 0xa1},
        new byte[] {(byte) 0xc3, (byte) 0xa9})) {
      Buffer body = Buffer.buffer().appendBytes(head).appendBytes(bad).appendBytes(tail);
      same(body, headers());
    }
  }

  @Test
  void aPayloadIsACloudEventOrTheDataOfOne() {
    JsonObject attributes = new JsonObject().put("type", "wrapped").put("datacontenttype", "application/json");
    Envelope.Wrapping wrap = Envelope.wrapping(attributes, SOURCE);
    String event = "{\"specversion\":\"1.0\",\"type\":\"t\",\"id\":\"r-1\",\"time\":\"2030-01-01T00:00:00Z\",\"data\":{\"a\":1}}";
    Envelope read = Envelope.read(Buffer.buffer(event), wrap);
    assertThat(read.encode()).isEqualTo(Envelope.of(new JsonObject(event), SOURCE).encode());
    assertThat(read.id()).isEqualTo("r-1");
    Envelope marked = Envelope.read(Buffer.buffer("{\"specversion\":\"1.0\",\"type\":\"t\",\"mark\":\"m-1\",\"n\":2}"), wrap);
    assertThat(marked.extension("mark")).isEqualTo("m-1").isEqualTo(Envelope.of(marked.toJson(), SOURCE).extension("mark"));
    assertThat(marked.extension("n")).isEqualTo(2);
    assertThat(marked.extension("type")).as("not an extension").isNull();
    // an escaped member name is still specversion: read as the CloudEvent it is, not wrapped
    assertThat(Envelope.read(Buffer.buffer("{\"spec\\u0076ersion\":\"1.0\",\"type\":\"t\"}"), wrap).type()).isEqualTo("t");
    for (String other : List.of("{\"type\": \"t\"}", " [1, {\"b\": 2}] ", "{\"sent\":0, \"pad\":\"xx\", \"data\": 5}",
        "{\"s\":\"specversion? \\\"no\\\"\"}", "{\"a\":[{\"specversion\":\"1.0\"}]}")) {
      Envelope wrapped = Envelope.read(Buffer.buffer(other), wrap);
      assertThat(wrapped.type()).isEqualTo("wrapped");
      assertThat(wrapped.extension("datacontenttype")).isNull();
      assertThat(wrapped.encode()).as(other).isEqualTo(Envelope.of(attributes.copy().put("data", io.vertx.core.json.Json.decodeValue(other))
          .put("id", wrapped.id()).put("time", new JsonObject(wrapped.encode()).getString("time")), SOURCE).encode());
    }
    Envelope first = Envelope.read(Buffer.buffer("{\"n\":1}"), wrap);
    assertThat(Envelope.read(Buffer.buffer("{\"n\":1}"), wrap).id()).as("each event its own id").isNotEqualTo(first.id());
    assertThat(Envelope.read(Buffer.buffer("{nope"), wrap)).isNull();
    assertThat(Envelope.read(Buffer.buffer("{\"n\":1} {}"), wrap)).as("trailing content").isNull();
    assertThat(Envelope.read(Buffer.buffer("42"), wrap)).as("a scalar: the caller's to decide").isNull();
    // the tree's way where the reader stands back, with the same checks
    assertThat(Envelope.read(Buffer.buffer("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":\"s\"}"), wrap).data()).isEqualTo("s");
    assertThat(Envelope.read(Buffer.buffer("{/* a comment */\"n\":1}"), wrap).data()).isEqualTo(new JsonObject().put("n", 1));
  }

  @Test
  void wrappedAttributesAreCheckedOnceAndLeaveEachEventItsOwnIdTimeAndData() {
    for (String own : List.of("id", "time", "data", "data_base64")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Envelope.wrapping(new JsonObject().put("type", "t").put(own, "x"), SOURCE))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(own);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Envelope.wrapping(new JsonObject().put("source", "s"), SOURCE))
        .isInstanceOf(Problem.class).hasMessageContaining("no type");
    Envelope.Wrapping marked = Envelope.wrapping(new JsonObject().put("type", "t").put("relay", "r-1"), SOURCE);
    Envelope wrapped = Envelope.read(Buffer.buffer("{\"n\":1}"), marked);
    assertThat(wrapped.extension("relay")).isEqualTo("r-1");
    assertThat(new JsonObject(wrapped.encode()).getString("source")).isEqualTo(SOURCE);
  }

  /** On the bus an envelope is JSON to each consumer: a JsonObject of its own, read from the envelope's text. */
  @Test
  void eachConsumerOnTheBusGetsTheEventsJsonOfItsOwn() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      Envelope.registerCodec(vertx);
      Envelope.registerCodec(vertx); // every verticle of a node may call it
      Envelope event = Envelope.fromHttp(Buffer.buffer("{\"specversion\":\"1.0\",\"type\":\"t\",\"data\":{\"n\":1}}"), headers(), SOURCE);
      java.util.concurrent.BlockingQueue<JsonObject> received = new java.util.concurrent.LinkedBlockingQueue<>();
      for (int i = 0; i < 2; i++) {
        vertx.eventBus().<JsonObject>localConsumer("t.x", m -> {
          received.add(m.body());
          m.body().put("touched", true); // a consumer's own copy
        }).completion().await(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      vertx.eventBus().publish("t.x", event);
      JsonObject first = received.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      JsonObject second = received.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(first).isNotSameAs(second);
      assertThat(first.getJsonObject("data")).isEqualTo(new JsonObject().put("n", 1));
      assertThat(first.getString("id")).isEqualTo(event.id()).isEqualTo(second.getString("id"));
      assertThat(new JsonObject(event.encode()).containsKey("touched")).isFalse();
    } finally {
      vertx.close().await(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** Random events, well and badly formed, spaced out at random: both ways agree on every one. */
  @Test
  void randomEventsComeOutAsTheTreeDoes() {
    Random random = new Random(20261207);
    String[] names = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema",
        "data", "data_base64", "ext", "n2", "Bad", "correlationid"};
    Object[] values = {"\"1.0\"", "\"t\"", "\"\"", "\"2030-01-02T03:04:05Z\"", "\"AA==\"", "7", "-1.25", "true",
        "null", "{}", "[]", "{\"k\":[1,{\"z\":\"\\\"q\\\"\"}]}", "[\"a\", 2 ,null]", "\"\\u00e9t\\u00e9\"", "12345678901234567890"};
    int accepted = 0;
    int readWithoutTree = 0;
    for (int i = 0; i < 3000; i++) {
      List<String> members = new ArrayList<>();
      if (random.nextInt(10) > 0) {
        members.add("\"specversion\":\"1.0\"");
      }
      if (random.nextInt(10) > 1) {
        members.add("\"type\":\"t." + i + "\"");
      }
      for (int m = random.nextInt(6); m > 0; m--) {
        members.add("\"" + names[random.nextInt(names.length)] + "\":" + values[random.nextInt(values.length)]);
      }
      java.util.Collections.shuffle(members, random);
      String blank = random.nextBoolean() ? "" : " \r\n\t";
      String body = random.nextInt(10) == 0
          ? "[" + blank + values[random.nextInt(values.length)] + "," + blank + values[random.nextInt(values.length)] + "]"
          : "{" + blank + String.join("," + blank, members) + blank + "}";
      MultiMap headers = random.nextBoolean() ? headers("Content-Type", CE) : headers();
      if (random.nextBoolean()) {
        headers.add("ce-" + names[random.nextInt(names.length)].toLowerCase(java.util.Locale.ROOT), "h" + i);
      }
      if (random.nextInt(4) == 0) {
        headers.add("X-Correlation-Id", "c-" + i);
      }
      Outcome tree = tree(Buffer.buffer(body), headers);
      assertThat(read(Buffer.buffer(body), headers)).as(body).isEqualTo(tree);
      accepted += tree.event() != null ? 1 : 0;
      try {
        readWithoutTree += EnvelopeReader.read(Buffer.buffer(body), headers.contains("Content-Type"),
            java.util.LinkedHashMap::new, SOURCE, null) != null ? 1 : 0;
      } catch (Problem refused) {
        readWithoutTree++;
      }
    }
    assertThat(accepted).as("some of them valid").isGreaterThan(300);
    assertThat(readWithoutTree).as("most of them read without a tree").isGreaterThan(1500);
  }
}
