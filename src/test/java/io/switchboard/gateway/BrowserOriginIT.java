package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default hub (no credentials, on 127.0.0.1) as web pages and forged requests find it: pages
 * of other origins, names rebound to 127.0.0.1, "simple" cross-site bodies; and a hub that lists
 * one page origin, which then works from that page.
 */
class BrowserOriginIT {

  private static TestHub closed;
  private static TestHub open;
  private static int pagePort;
  private static String pageOrigin;

  @BeforeAll
  static void start() {
    closed = TestHub.start(new JsonObject());
    pagePort = TestHub.freePort();
    pageOrigin = "http://127.0.0.1:" + pagePort;
    open = TestHub.start(new JsonObject().put("http", new JsonObject()
            .put("allowed_hosts", new JsonArray().add("hub.example.com").add("*.internal.test"))
            .put("cors", new JsonObject().put("allowed_origins", new JsonArray().add(pageOrigin).add("https://app.example.com:8443")))),
        "topic-router", "gateway", "webhook-outbox");
  }

  @AfterAll
  static void stop() {
    for (TestHub hub : new TestHub[] {closed, open}) {
      if (hub != null) {
        hub.close();
      }
    }
  }

  @Test
  void aPageOfAnotherOriginCannotDriveTheHubUnlessItsOriginIsListed() {
    NodeClients.requireChromium();
    String output = NodeClients.run(Duration.ofSeconds(120), "browser-origins.mjs",
        "http://127.0.0.1:" + closed.port, "http://127.0.0.1:" + open.port, String.valueOf(pagePort));
    assertThat(output).contains("OK browser-origins");
  }

  @Test
  void aForgedHostIsMisdirected() throws IOException {
    String rebound = raw(closed.port, "GET /api/v1/webhooks HTTP/1.1\r\nHost: rebind.evil.example:" + closed.port + "\r\n");
    assertThat(rebound).startsWith("HTTP/1.1 421").contains("application/problem+json").contains("misdirected-request")
        .contains("rebind.evil.example").doesNotContain("\"webhooks\"");
    assertThat(raw(closed.port, "GET /health HTTP/1.0\r\n")).as("no Host at all").startsWith("HTTP/1.0 421");
    for (String host : List.of("127.0.0.1:" + closed.port, "localhost:" + closed.port, "LOCALHOST", "[::1]:" + closed.port)) {
      assertThat(raw(closed.port, "GET /health HTTP/1.1\r\nHost: " + host + "\r\n")).as(host).startsWith("HTTP/1.1 200");
    }
    // names the operator added, and nothing else
    assertThat(raw(open.port, "GET /health HTTP/1.1\r\nHost: hub.example.com\r\n")).startsWith("HTTP/1.1 200");
    assertThat(raw(open.port, "GET /health HTTP/1.1\r\nHost: a.internal.test:80\r\n")).startsWith("HTTP/1.1 200");
    assertThat(raw(open.port, "GET /health HTTP/1.1\r\nHost: internal.test.evil.example\r\n")).startsWith("HTTP/1.1 421");
  }

  @Test
  void aRequestFromAnotherOriginIsRefusedBeforeItIsRead() throws IOException {
    String host = "Host: 127.0.0.1:" + closed.port + "\r\n";
    String post = raw(closed.port, "POST /api/v1/topics/pages HTTP/1.1\r\n" + host + "Origin: https://evil.example\r\n"
        + "Content-Type: application/json\r\nce-type: t\r\nContent-Length: 2\r\n\r\n{}", false);
    assertThat(post).startsWith("HTTP/1.1 403").contains("forbidden-origin").doesNotContain("Access-Control-Allow-Origin");
    assertThat(raw(closed.port, "GET /ws/x HTTP/1.1\r\n" + host + "Origin: https://evil.example\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"))
        .startsWith("HTTP/1.1 403");
    assertThat(raw(closed.port, "GET /api/v1/webhooks HTTP/1.1\r\n" + host + "Origin: null\r\n")).startsWith("HTTP/1.1 403");
    // the hub's own pages (the console) are of its own origin
    assertThat(raw(closed.port, "GET /api/v1/webhooks HTTP/1.1\r\n" + host + "Origin: http://127.0.0.1:" + closed.port + "\r\n"))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void theListedOriginsGetCorsAnswersWithCredentials() throws IOException {
    String host = "Host: 127.0.0.1:" + open.port + "\r\n";
    String preflight = raw(open.port, "OPTIONS /api/v1/topics/pages HTTP/1.1\r\n" + host + "Origin: " + pageOrigin + "\r\n"
        + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, authorization, ce-type\r\n");
    assertThat(preflight).startsWith("HTTP/1.1 204").containsIgnoringCase("access-control-allow-origin: " + pageOrigin)
        .containsIgnoringCase("access-control-allow-credentials: true").containsIgnoringCase("access-control-allow-headers: content-type, authorization, ce-type");
    assertThat(raw(open.port, "OPTIONS /api/v1/topics/pages HTTP/1.1\r\n" + host + "Origin: https://app.example.com:8443\r\n"
        + "Access-Control-Request-Method: POST\r\n")).startsWith("HTTP/1.1 204");
    assertThat(raw(open.port, "OPTIONS /api/v1/topics/pages HTTP/1.1\r\n" + host + "Origin: https://app.example.com\r\n"
        + "Access-Control-Request-Method: POST\r\n")).as("another port is another origin").startsWith("HTTP/1.1 403");
    String get = raw(open.port, "GET /health HTTP/1.1\r\n" + host + "Origin: " + pageOrigin + "\r\n");
    assertThat(get).startsWith("HTTP/1.1 200").containsIgnoringCase("access-control-allow-origin: " + pageOrigin);
    assertThat(raw(open.port, "GET /health HTTP/1.1\r\n" + host)).as("no CORS headers for requests without an origin")
        .doesNotContainIgnoringCase("access-control-allow-origin");
  }

  @Test
  void jsonRoutesTakeJsonOrNoContentTypeButNothingAPageMaySendUnasked() {
    for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/xml")) {
      var refused = Http.post(closed.uri("/api/v1/topics/pages"), "{\"a\":1}", "ce-type", "t", "Content-Type", type);
      assertThat(refused.statusCode()).as(type).isEqualTo(415);
      assertThat(Http.json(refused).getString("type")).isEqualTo("urn:switchboard:problem:unsupported-media-type");
      assertThat(Http.json(refused).getString("detail")).contains("application/json");
    }
    assertThat(Http.post(closed.uri("/api/v1/topics/pages"), "{\"a\":1}", "ce-type", "t").statusCode()).isEqualTo(202);
    assertThat(Http.post(closed.uri("/api/v1/topics/pages"), "{\"a\":1}", "ce-type", "t", "Content-Type", "application/json; charset=utf-8")
        .statusCode()).isEqualTo(202);
    assertThat(Http.post(closed.uri("/api/v1/topics/pages"), "{\"specversion\":\"1.0\",\"type\":\"t\",\"source\":\"/s\",\"id\":\"1\"}",
        "Content-Type", "application/cloudevents+json").statusCode()).isEqualTo(202);
    // an empty state-changing POST with a simple type is refused as well
    assertThat(Http.post(closed.uri("/api/v1/projections/orders/rebuild"), "", "Content-Type", "text/plain").statusCode()).isEqualTo(415);
  }

  @Test
  void withTlsTheCertificatesNamesAreServed(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    exec("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hub.test",
        "-addext", "subjectAltName=DNS:hub.test,IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString());
    try (TestHub secure = TestHub.start(new JsonObject().put("tls", new JsonObject()
        .put("cert_path", cert.toString()).put("key_path", key.toString())), "topic-router", "gateway")) {
      String resolve = "hub.test:" + secure.port + ":127.0.0.1";
      assertThat(exec("curl", "-sS", "-i", "--max-time", "10", "--cacert", cert.toString(), "--resolve", resolve,
          "https://hub.test:" + secure.port + "/health")).startsWith("HTTP/1.1 200");
      assertThat(exec("curl", "-sS", "-i", "--max-time", "10", "-k", "--resolve", "other.test:" + secure.port + ":127.0.0.1",
          "https://other.test:" + secure.port + "/health")).startsWith("HTTP/1.1 421");
    }
  }

  private static String exec(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private static String raw(int port, String head) throws IOException {
    return raw(port, head, true);
  }

  /** A request written byte by byte (any Host, any Origin), read until the hub closes (or switches protocols). */
  private static String raw(int port, String request, boolean endHead) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String text = endHead ? request + "Connection: close\r\n\r\n" : request.replaceFirst("\r\n", "\r\nConnection: close\r\n");
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) > 0; ) {
        answer.write(buffer, 0, n);
        if (answer.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 101")) {
          break; // a WebSocket accepted: it stays open
        }
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
