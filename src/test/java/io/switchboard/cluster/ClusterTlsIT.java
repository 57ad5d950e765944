package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.JarProcess;
import io.switchboard.testing.LocalCluster;
import io.switchboard.testing.Services;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes whose clustered event bus speaks TLS with client certificates (cluster.tls), probed as
 * someone on the network would: without the cluster's certificate the event-bus port gives
 * nothing, Hazelcast listens on the cluster interface only, and a node whose cluster transport
 * others could reach in clear text does not start.
 */
class ClusterTlsIT {

  private static Path certs;
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Services.require(Services.Service.POSTGRES);
    // Made for this run and removed after it: no private key is ever committed.
    certs = Files.createTempDirectory("switchboard-cluster-tls");
    exec("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=switchboard-cluster",
        "-keyout", certs.resolve("node.key").toString(), "-out", certs.resolve("node.crt").toString());
    cluster = LocalCluster.start(2, new JsonObject().put("cluster", new JsonObject().put("tls", new JsonObject()
        .put("cert_path", certs.resolve("node.crt").toString())
        .put("key_path", certs.resolve("node.key").toString())
        .put("trust_path", certs.resolve("node.crt").toString()))));
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      try (var files = Files.list(certs)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(certs);
    }
  }

  @Test
  void messagesCrossTheNodesOverTls() throws Exception {
    try (SseClient sse = SseClient.open(cluster.uri(2, "/api/v1/stream?topics=tls.hello"))) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(Http.post(cluster.uri(1, "/api/v1/topics/tls.hello"), "{\"over\":\"tls\"}", "ce-type", "tls.said").statusCode())
          .isEqualTo(202);
      assertThat(new JsonObject(sse.next(Duration.ofSeconds(15)).data()).getJsonObject("data").getString("over")).isEqualTo("tls");
    }
    for (int node = 1; node <= 2; node++) {
      assertThat(cluster.log(node)).containsPattern("is up: HTTP http://127\\.0\\.0\\.1:\\d+, cluster event bus 127\\.0\\.0\\.1:\\d+ \\(TLS\\)");
    }
  }

  @Test
  void theEventBusPortGivesNothingWithoutTheClustersCertificate() throws Exception {
    int port = eventBusPort(1);
    // A TLS client with no certificate, staying to read: the node demands one and ends the connection.
    String anonymous = exec(false, "sh", "-c", "sleep 2 | openssl s_client -connect 127.0.0.1:" + port
        + " -CAfile " + certs.resolve("node.crt") + " 2>&1");
    assertThat(anonymous).containsPattern("(?i)alert (certificate required|handshake failure|bad certificate)");
    // Plain bytes, as an event-bus frame in clear text would be: the connection is closed unanswered.
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(new byte[] {0, 0, 0, 20, 1, 0, 1, 0, 0, 0, 20, 's', 'w', 'i', 't', 'c', 'h', 'b', 'o', 'a', 'r', 'd', '.', 'x'});
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] answer = in.readNBytes(64);
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("switchboard");
      assertThat(in.read()).as("closed").isEqualTo(-1);
    } catch (java.net.SocketException reset) {
      // reset by the node: closed as well
    }
    // With the cluster's certificate the handshake completes: the port is the TLS event bus.
    String member = exec(false, "sh", "-c", "sleep 2 | openssl s_client -connect 127.0.0.1:" + port
        + " -CAfile " + certs.resolve("node.crt") + " -cert " + certs.resolve("node.crt") + " -key " + certs.resolve("node.key") + " 2>&1");
    assertThat(member).contains("Verify return code: 0 (ok)").doesNotContainPattern("(?i)alert");
  }

  @Test
  void hazelcastListensOnTheClusterInterfaceOnly() throws Exception {
    int port = cluster.hazelcastPort(1);
    // ss: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
    List<String> locals = exec(true, "ss", "-Hltn", "sport = :" + port).lines().map(line -> line.trim().split("\\s+")[3]).toList();
    assertThat(locals).as("where port " + port + " listens").isNotEmpty()
        .allMatch(local -> local.matches("(\\[::ffff:)?127\\.0\\.0\\.1]?:" + port));
    for (InetAddress outside : outsideAddresses()) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(outside, port), 2000);
        throw new AssertionError("Hazelcast answers on " + outside.getHostAddress() + ":" + port);
      } catch (IOException refused) {
        // not reachable from that interface
      }
    }
  }

  @Test
  void aClusterTransportOthersCanReachInClearTextDoesNotStart(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.json"), new JsonObject().put("cluster", new JsonObject().put("host", "0.0.0.0")).encode());
    try (JarProcess node = new JarProcess(dir)) {
      Process process = node.start(Map.of("SWITCHBOARD_PG_URI", Services.POSTGRES_URI,
          "SWITCHBOARD_HTTP_PORT", String.valueOf(TestHub.freePort())), "-cluster");
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(node.output()).isEqualTo(2);
      assertThat(node.output()).contains("the cluster transport would listen on 0.0.0.0 (cluster.host)")
          .contains("set cluster.tls").contains("cluster.insecure: true");
    }
  }

  private static int eventBusPort(int node) throws IOException {
    Matcher m = Pattern.compile("cluster event bus 127\\.0\\.0\\.1:(\\d+) \\(TLS\\)").matcher(cluster.log(node));
    assertThat(m.find()).as("the up line names the event bus:\n" + cluster.log(node)).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static List<InetAddress> outsideAddresses() throws IOException {
    return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).toList();
  }

  private static String exec(String... command) throws Exception {
    return exec(true, command);
  }

  private static String exec(boolean mustSucceed, String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (mustSucceed) {
      assertThat(process.exitValue()).as(output).isZero();
    }
    return output;
  }
}
