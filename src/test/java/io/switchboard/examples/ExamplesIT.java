package io.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.Services;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each example client under examples/ runs against a live hub and shows what it received. */
class ExamplesIT {

  private static final String QUEUE = Services.unique("examples_jobs");
  private static final String HANDLER = "examples.jobs." + QUEUE;
  private static TestHub hub;
  private static int tcpPort;
  private static int pagePort;

  @BeforeAll
  static void start() {
    Services.require(Services.Service.RABBITMQ);
    tcpPort = TestHub.freePort();
    pagePort = TestHub.freePort();
    hub = TestHub.start(new JsonObject()
        .put("http", new JsonObject().put("cors", new JsonObject()
            .put("allowed_origins", new JsonArray().add("http://127.0.0.1:" + pagePort))))
        .put("tcp_bridge", new JsonObject().put("port", tcpPort))
        .put("bridge", new JsonObject()
            .put("inbound", new JsonArray()
                .add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+"))
                .add(new JsonObject().put("address", "switchboard.topics.publish"))
                .add(new JsonObject().put("address", "switchboard.topics.watch"))
                .add(new JsonObject().put("address", "switchboard.queue.publish")))
            .put("outbound", new JsonArray()
                .add(new JsonObject().put("address_regex", "switchboard\\.topic\\..+"))
                .add(new JsonObject().put("address_regex", "switchboard\\.watch\\..+"))
                .add(new JsonObject().put("address", HANDLER))))
        .put("webhooks", new JsonObject().put("allow_private", true).put("allow_http", true))
        .put("rabbitmq", new JsonObject().put("uri", Services.RABBITMQ_URI)
            .put("queues", new JsonArray().add(new JsonObject().put("name", QUEUE).put("handler", HANDLER)))));
  }

  @AfterAll
  static void stop() {
    try {
      if (hub != null) {
        hub.close();
      }
    } finally {
      try (io.switchboard.testing.AmqpClient amqp = io.switchboard.testing.AmqpClient.connect()) {
        amqp.delete(QUEUE, QUEUE + ".dlq");
      }
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + hub.port;
  }

  @Test
  void pythonOverTheTcpBridge() throws Exception {
    String topic = "examples.greetings." + QUEUE;
    List<String> lines = run(Path.of("examples/python"), Map.of(), "python3", "worker.py", "--port", String.valueOf(tcpPort),
        "--queue", QUEUE, "--handler", HANDLER, "--topic", topic);
    JsonObject published = find(lines, "published");
    JsonObject queued = find(lines, "queued");
    JsonObject greeting = find(lines, "greeting");
    JsonObject job = find(lines, "job");
    assertThat(published.getString("published")).isNotBlank();
    assertThat(greeting.getJsonObject("greeting").getString("id")).isEqualTo(published.getString("published"));
    assertThat(greeting.getJsonObject("greeting").getJsonObject("data").getString("from")).isEqualTo("python");
    assertThat(queued.getJsonObject("queued").getString("queue")).isEqualTo(QUEUE);
    assertThat(job.getJsonObject("job").getString("id")).isEqualTo(queued.getJsonObject("queued").getString("id"));
    assertThat(job.getJsonObject("job").getJsonObject("data").getInteger("n")).isEqualTo(7);
    // the reply acked the job: nothing left in the queue, nothing dead-lettered
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject state;
    do {
      state = Http.json(Http.get(hub.uri("/api/v1/queues/" + QUEUE)));
      Thread.sleep(100);
    } while ((state.getInteger("messages") != 0 || !metrics().contains("switchboard_queue_acked_total{queue=\"" + QUEUE + "\"} 1.0"))
        && System.nanoTime() < deadline);
    assertThat(state.getInteger("messages")).isZero();
    assertThat(state.getInteger("dead_letters")).isZero();
    assertThat(metrics()).contains("switchboard_queue_acked_total{queue=\"" + QUEUE + "\"} 1.0");
  }

  @Test
  void nodeOverTheSockJsBridge() throws Exception {
    List<String> lines = run(Path.of("examples/node"), Map.of("NODE_PATH", NodeClients.dir().resolve("node_modules").toString()),
        "node", "bridge-client.cjs", base());
    JsonObject published = find(lines, "published").getJsonObject("published");
    JsonObject received = find(lines, "received").getJsonObject("received");
    assertThat(received.getString("topic")).isEqualTo(published.getString("topic")).startsWith("examples.node.");
    assertThat(received.getJsonObject("event").getString("id")).isEqualTo(published.getString("id"));
    assertThat(received.getJsonObject("event").getString("type")).isEqualTo("node.said");
  }

  /** A group on a stream of its own with five events, for the group examples. */
  private static String groupWithFiveEvents(String name) {
    String stream = name + "-" + QUEUE.replace('_', '-');
    HttpResponse<String> created = Http.method("PUT", hub.uri("/api/v1/subscriptions/" + name), new JsonObject()
        .put("stream", stream).put("start", "beginning").encode(), "Content-Type", "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonArray events = new JsonArray();
    for (int i = 0; i < 5; i++) {
      events.add(new JsonObject().put("type", "invoice.issued").put("data", new JsonObject().put("n", i)));
    }
    assertThat(Http.post(hub.uri("/api/v1/streams/" + stream + "/events"), events.encode(), "Content-Type", "application/json")
        .statusCode()).isEqualTo(201);
    return stream;
  }

  private static List<Long> handledPositions(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("{\"handled\"")).map(l -> new JsonObject(l).getJsonObject("handled")
        .getLong("position")).toList();
  }

  @Test
  void pythonConsumesAGroupOverHttpPull() throws Exception {
    String stream = groupWithFiveEvents("examples-python");
    List<String> lines = run(Path.of("examples/python"), Map.of(), "python3", "group_worker.py", "--hub", base(),
        "--group", "examples-python", "--count", "5");
    assertThat(handledPositions(lines)).hasSize(5).isSorted();
    assertThat(find(lines, "handled").getJsonObject("handled").getString("stream")).isEqualTo(stream);
    JsonObject group = Http.json(Http.get(hub.uri("/api/v1/subscriptions/examples-python")));
    assertThat(group.getInteger("in_flight")).isZero();
    assertThat(group.getLong("lag_events")).isZero();
  }

  @Test
  void nodeConsumesAGroupOverTheWebSocket() throws Exception {
    String stream = groupWithFiveEvents("examples-node");
    List<String> lines = run(Path.of("examples/node"), Map.of("NODE_PATH", NodeClients.dir().resolve("node_modules").toString()),
        "node", "group-consumer.cjs", base(), "examples-node", "5");
    assertThat(handledPositions(lines)).hasSize(5).isSorted();
    assertThat(find(lines, "handled").getJsonObject("handled").getString("stream")).isEqualTo(stream);
    JsonObject group = Http.json(Http.get(hub.uri("/api/v1/subscriptions/examples-node")));
    assertThat(group.getInteger("in_flight")).isZero();
    assertThat(group.getLong("lag_events")).isZero();
  }

  @Test
  void aBrowserPageFromAnotherOrigin() {
    NodeClients.requireChromium();
    assertThat(NodeClients.run(Duration.ofSeconds(60), "examples-browser.mjs", base(), String.valueOf(pagePort))).contains("OK examples-browser");
  }

  @Test
  void shellWithCurl() throws Exception {
    com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
      List<String> lines = run(Path.of("examples/shell"), Map.of("HUB", base(), "WEBHOOK_URL", hook), "bash", "demo.sh");
      String output = String.join("\n", lines);
      assertThat(output).contains("event: shell.said").containsPattern("data: \\{\"specversion\":\"1.0\".*\"from\":\"shell\"");
      assertThat(output).contains("\"first_version\":0,\"last_version\":1");
      assertThat(output).contains("\"type\":\"shell.started\"").contains("\"type\":\"shell.finished\"");
      assertThat(output).containsPattern("\"secret\":\"whsec_[A-Za-z0-9+/=]+\"").contains("\"url\":\"" + hook + "\"");
    } finally {
      receiver.stop(0);
    }
  }

  private static String metrics() {
    return Http.get(hub.uri("/metrics")).body();
  }

  private static JsonObject find(List<String> lines, String key) {
    return lines.stream().filter(l -> l.startsWith("{")).map(JsonObject::new).filter(j -> j.containsKey(key)).findFirst()
        .orElseThrow(() -> new AssertionError("no \"" + key + "\" line in:\n" + String.join("\n", lines)));
  }

  private static List<String> run(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
    NodeClients.installOnce();
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    boolean finished = process.waitFor(60, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes());
    if (!finished) {
      process.destroyForcibly();
    }
    assertThat(finished && process.exitValue() == 0).as(String.join(" ", command) + ":\n" + output).isTrue();
    return output.lines().toList();
  }
}
