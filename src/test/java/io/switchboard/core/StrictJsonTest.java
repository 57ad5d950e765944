package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {

  private static String compacted(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    int length = StrictJson.compactInPlace(bytes);
    return length == StrictJson.UNSURE ? null : new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  @Test
  void plainJsonComesOutWithoutTheBlanksBetweenItsTokens() {
    assertThat(compacted(" {\r\n \"a\" : [ 1 , -2.5e+3 , 0 , -0.0E-1 , true , false , null ] ,\t\"b\" : { } ,"
        + " \"s\" : \" spaced \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \" , \"e\" : [ ] } \n"))
        .isEqualTo("{\"a\":[1,-2.5e+3,0,-0.0E-1,true,false,null],\"b\":{},\"s\":\" spaced \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \",\"e\":[]}");
    assertThat(compacted("[{\"x\":{\"specversion\":\"1.0\"}}, \"specversion\"]"))
        .as("specversion below the top or as a value is data").isEqualTo("[{\"x\":{\"specversion\":\"1.0\"}},\"specversion\"]");
    assertThat(compacted("{\"x\":{\"spec\\u0076ersion\":1}}")).as("an escaped name below the top").isNotNull();
    assertThat(compacted("[" + "[".repeat(63) + "]".repeat(63) + "]")).as("64 levels").isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"specversion\":\"1.0\",\"type\":\"t\"}", // a CloudEvent
      "{\"a\":1, \"specversion\":\"1.0\"}",
      "{\"spec\\u0076ersion\":\"1.0\"}", // the same, spelled with an escape
      "{\"a\\n\":1}", // any escaped top-level name: it might spell specversion
      "{\"a\":\"été\"}", // beyond ASCII: Jackson checks the UTF-8
      "{/* note */\"a\":1}", "{\"a\":1 // note\n}", // comments, which the event bus's reader allows
      "\"text\"", "12", "true", "", "  ", // not an object or an array
      "{} x", "{}{}", "[1] [2]", // trailing content
      "[01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]", "[1e+]", "[NaN]", "[Infinity]", "[0x10]", // not RFC 8259's numbers
      "[tru]", "[nul]", "[True]", "[1,]", "{\"a\":1,}", "[,1]", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "{\"a\":1",
      "[\"a]", "[\"\\x\"]", "[\"\\u12G4\"]", "[\"\\u12\"]", "[\"tab\tinside\"]", "[\"\\", "{\"a\":1}}", "[]]",
  })
  void anythingButThePlainestJsonIsLeftToJackson(String json) {
    assertThat(compacted(json)).isNull();
  }

  @Test
  void boundsWellInsideJacksonsAreLeftToJackson() {
    assertThat(compacted("[" + "[".repeat(64) + "]".repeat(64) + "]")).as("65 levels").isNull();
    assertThat(compacted("[" + "1".repeat(101) + "]")).as("a 101-character number").isNull();
    assertThat(compacted("[" + "1".repeat(100) + "]")).isNotNull();
    assertThat(compacted("{\"" + "n".repeat(1001) + "\":1}")).as("a 1001-byte name").isNull();
  }

  /**
   * Random documents and mutations of them: whatever this class vouches for, the tree's reader
   * (Vert.x's, as the hub reads JSON elsewhere) accepts, and the bytes are the document without the
   * blanks outside its strings.
   */
  @Test
  void whatItVouchesForJacksonReadsAndItsBytesAreTheSameValue() {
    Random random = new Random(20261208);
    String mutations = " \t\n{}[]\",:\\/01-+.eEtfnu*é\u0001";
    int vouched = 0;
    int mutated = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder document = new StringBuilder();
      if (random.nextBoolean()) {
        object(document, random, 0);
      } else {
        array(document, random, 0);
      }
      if (random.nextInt(3) == 0) {
        mutated++;
        int at = random.nextInt(document.length() + 1);
        switch (random.nextInt(3)) {
          case 0 -> document.insert(at, mutations.charAt(random.nextInt(mutations.length())));
          case 1 -> { if (at < document.length()) document.deleteCharAt(at); }
          default -> { if (at < document.length()) document.setCharAt(at, mutations.charAt(random.nextInt(mutations.length()))); }
        }
      }
      String json = document.toString();
      String compact = compacted(json);
      if (compact == null) {
        continue;
      }
      vouched++;
      Object tree;
      try {
        tree = Json.decodeValue(Buffer.buffer(json));
      } catch (DecodeException e) {
        throw new AssertionError("vouched for what Jackson refuses: " + json, e);
      }
      assertThat(Json.decodeValue(Buffer.buffer(compact))).as(json).isEqualTo(tree);
      assertThat(compact).as(json).isEqualTo(withoutBlanksOutsideStrings(json));
    }
    // Unsure of the rest: a top-level name with an escape, or named specversion.
    assertThat(vouched).as("most unmutated documents vouched for").isGreaterThan((20_000 - mutated) * 3 / 4);
  }

  private static void value(StringBuilder out, Random random, int depth) {
    switch (random.nextInt(depth < 4 ? 9 : 7)) {
      case 0 -> out.append(random.nextInt(2000) - 1000);
      case 1 -> out.append(random.nextInt(100) - 50).append('.').append(random.nextInt(1000))
          .append(random.nextBoolean() ? "" : "e" + (random.nextBoolean() ? "-" : "+") + random.nextInt(20));
      case 2 -> out.append(random.nextBoolean() ? "true" : "false");
      case 3 -> out.append("null");
      case 4, 5, 6 -> string(out, random);
      case 7 -> object(out, random, depth + 1);
      default -> array(out, random, depth + 1);
    }
  }

  private static void string(StringBuilder out, Random random) {
    String[] pieces = {"a", "Z", " ", "specversion", "\\\"", "\\\\", "\\/", "\\n", "\\u0041", "\\ud83d\\ude00", "{", "]", ":", ","};
    out.append('"');
    for (int k = random.nextInt(5); k > 0; k--) {
      out.append(pieces[random.nextInt(pieces.length)]);
    }
    out.append('"');
  }

  private static void object(StringBuilder out, Random random, int depth) {
    out.append('{').append(blank(random));
    for (int m = random.nextInt(4); m > 0; m--) {
      string(out, random);
      out.append(blank(random)).append(':').append(blank(random));
      value(out, random, depth);
      out.append(blank(random)).append(m > 1 ? "," : "").append(blank(random));
    }
    out.append('}');
  }

  private static void array(StringBuilder out, Random random, int depth) {
    out.append('[').append(blank(random));
    for (int m = random.nextInt(4); m > 0; m--) {
      value(out, random, depth);
      out.append(blank(random)).append(m > 1 ? "," : "").append(blank(random));
    }
    out.append(']');
  }

  private static String blank(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> " ";
      case 1 -> "\r\n\t ";
      default -> "";
    };
  }

  private static String withoutBlanksOutsideStrings(String json) {
    StringBuilder out = new StringBuilder();
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\') {
          out.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        out.append(c);
      } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        out.append(c);
      }
    }
    return out.toString();
  }
}
