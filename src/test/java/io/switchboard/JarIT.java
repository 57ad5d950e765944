package io.switchboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.JarProcess;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar, started with java -jar in a fresh directory, as a newcomer would. */
class JarIT {

  @TempDir
  Path dir;

  private JarProcess hub;
  private Process process;

  @AfterEach
  void kill() throws InterruptedException {
    if (hub != null) {
      hub.close();
    }
  }

  private void start(int port) throws IOException {
    hub = new JarProcess(dir);
    process = hub.start(Map.of("SWITCHBOARD_HTTP_PORT", String.valueOf(port)));
  }

  private String output() throws IOException {
    return hub.output();
  }

  @Test
  void runsEmbeddedFromAnEmptyDirectoryAndStopsOnSigterm() throws Exception {
    int port = TestHub.freePort();
    start(port);
    hub.awaitOk(port, "/health");

    String base = "http://127.0.0.1:" + port;
    try (SseClient sse = SseClient.open(URI.create(base + "/api/v1/stream?topics=demo.*"))) {
      HttpResponse<String> accepted = Http.post(URI.create(base + "/api/v1/topics/demo.hello"), "{\"hello\":\"world\"}",
          "Content-Type", "application/json", "ce-type", "demo.greeting");
      assertThat(accepted.statusCode()).isEqualTo(202);
      JsonObject envelope = new JsonObject(sse.next(Duration.ofSeconds(10)).data());
      assertThat(envelope.getJsonObject("data").getString("hello")).isEqualTo("world");

      String log = output();
      assertThat(log).containsPattern("deployed topic-router: 1 instance, backend none");
      assertThat(log).containsPattern("deployed gateway: 2 instances, backend none");

      long stopping = System.nanoTime();
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("stopped within 10 s").isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping)).isLessThan(10_000);
      assertThat(sse.awaitEnd(Duration.ofSeconds(5))).as("open streams are ended").isTrue();
    }
    assertThat(output()).contains("stopped in");
  }

  @Test
  void aDescriptorNamingAnUnknownClassStopsStartUp() throws Exception {
    Files.createDirectories(dir.resolve("verticles"));
    Files.writeString(dir.resolve("verticles/gateway.json"), "{\"main\": \"io.switchboard.NoSuchVerticle\"}");
    start(TestHub.freePort());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(output()).contains("verticles/gateway.json: field \"main\": class io.switchboard.NoSuchVerticle not found");
  }

  @Test
  void aBrokenConfFileStopsStartUp() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"), "{\"http\": {\"port\": }");
    start(TestHub.freePort());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(output()).contains("conf/switchboard.json: not valid JSON");
  }

  @Test
  void aPortInUseFailsWithANonZeroExit() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      start(taken.getLocalPort());
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(1);
      assertThat(output()).contains("cannot deploy gateway");
    }
  }

  @Test
  void aTcpBridgeOnAPublicAddressWithoutCredentialsRefusesToStart() throws Exception {
    int bridgePort = TestHub.freePort();
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"),
        new JsonObject().put("tcp_bridge", new JsonObject().put("port", bridgePort).put("host", "0.0.0.0")).encode());
    start(TestHub.freePort());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output()).isEqualTo(2);
    assertThat(output()).contains("tcp-bridge (built-in verticles/tcp-bridge.json): the TCP bridge listener would bind 0.0.0.0 "
        + "(tcp_bridge.host), which other machines can reach, and no credentials are configured: set auth.api_keys");
    assertNothingListens(bridgePort);
  }

  @Test
  void aDescriptorBindingTheGatewayPubliclyWithoutCredentialsRefusesToStart() throws Exception {
    Files.createDirectories(dir.resolve("verticles"));
    Files.writeString(dir.resolve("verticles/gateway.json"), new JsonObject().put("main", "io.switchboard.gateway.GatewayVerticle")
        .put("config", new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0"))).encode());
    int port = TestHub.freePort();
    start(port);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output()).isEqualTo(2);
    assertThat(output()).contains("gateway (verticles/gateway.json): the HTTP listener would bind 0.0.0.0 (http.host)")
        .contains("or bind it to 127.0.0.1 (http.host)");
    assertNothingListens(port);
  }

  @Test
  void theUpLineNamesWhatTheVerticlesReallyBound() throws Exception {
    Files.createDirectories(dir.resolve("verticles"));
    Files.writeString(dir.resolve("verticles/topic-router.json"),
        new JsonObject().put("main", "io.switchboard.pubsub.TopicRouterVerticle").encode());
    // The descriptor binds another loopback address and lets the system pick the port.
    Files.writeString(dir.resolve("verticles/gateway.json"), new JsonObject().put("main", "io.switchboard.gateway.GatewayVerticle")
        .put("config", new JsonObject().put("http", new JsonObject().put("host", "127.0.0.2").put("port", 0))).encode());
    int configured = TestHub.freePort();
    start(configured);
    java.util.regex.Matcher up = awaitLog(java.util.regex.Pattern.compile("is up: HTTP http://127\\.0\\.0\\.2:(\\d+)"));
    int actual = Integer.parseInt(up.group(1));
    assertThat(actual).isNotEqualTo(configured).isPositive();
    assertThat(Http.get(URI.create("http://127.0.0.2:" + actual + "/health")).statusCode()).isEqualTo(200);
    assertNothingListens(configured);
  }

  private java.util.regex.Matcher awaitLog(java.util.regex.Pattern line) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      java.util.regex.Matcher m = line.matcher(output());
      if (m.find()) {
        return m;
      }
      assertThat(process.isAlive()).as("the hub exited early:\n%s", output()).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("no line matching " + line + " within 60 s:\n" + output());
  }

  private static void assertNothingListens(int port) {
    assertThat(canConnect(port)).as("something listens on port " + port).isFalse();
  }

  private static boolean canConnect(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
