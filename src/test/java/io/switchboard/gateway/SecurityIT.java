package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.gateway.security.ApiKeys;
import io.switchboard.gateway.security.Authenticator;
import io.switchboard.testing.Http;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.OpenApiRoutes;
import io.switchboard.testing.SseClient;
import io.switchboard.testing.TestHub;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Who may do what, over every transport, against a hub with API keys and JWTs configured. */
class SecurityIT {

  private static final String SECRET = UUID.randomUUID().toString();
  private static final String PUBLISHER = ApiKeys.generate();
  private static final String READER = ApiKeys.generate();
  private static final String ADMIN = ApiKeys.generate();
  private static final String NOTHING = ApiKeys.generate();
  private static final Set<String> PUBLIC = Set.of("GET /health", "GET /ready", "GET /metrics", "GET /api/v1/openapi.yaml",
      "GET /", "GET /console/index.html");
  private static final Set<String> ANY_CREDENTIAL = Set.of("GET /ws", "GET /ws/x", "GET /eventbus/info", "GET /api/v1/whoami");

  private static TestHub hub;
  private static JWTAuth jwt;

  @BeforeAll
  static void start() {
    hub = TestHub.start(new JsonObject()
        .put("auth", new JsonObject()
            .put("api_keys", new JsonArray()
                .add(TestHub.apiKey("publisher", PUBLISHER, "publish"))
                .add(TestHub.apiKey("reader", READER, "subscribe"))
                .add(TestHub.apiKey("admin", ADMIN, "admin"))
                .add(TestHub.apiKey("nothing", NOTHING)))
            .put("jwt", new JsonObject().put("hs256_secret", SECRET)))
        .put("ws", new JsonObject().put("max_frame_bytes", 1024)));
    jwt = JWTAuth.create(hub.vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  @AfterAll
  static void stop() {
    hub.close();
  }


  private static String token(JsonObject claims, int expiresInSeconds) {
    return jwt.generateToken(claims, new JWTOptions().setExpiresInSeconds(expiresInSeconds));
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void everyProtectedRouteAnswers401WithoutCredentialsAnd403WithoutTheScope() {
    List<OpenApiRoutes.Route> routes = OpenApiRoutes.parse(Http.get(hub.uri("/api/v1/openapi.yaml")).body());
    assertThat(routes).hasSizeGreaterThan(10);
    for (OpenApiRoutes.Route route : routes) {
      String body = route.method().equals("GET") ? null : "{}";
      HttpResponse<String> anonymous = Http.method(route.method(), hub.uri(route.path()), body);
      HttpResponse<String> scopeless = Http.method(route.method(), hub.uri(route.path()), body, "Authorization", bearer(NOTHING));
      if (PUBLIC.contains(route.toString())) {
        assertThat(anonymous.statusCode()).as(route + " is public").isNotIn(401, 403);
      } else if (ANY_CREDENTIAL.contains(route.toString())) {
        assertThat(anonymous.statusCode()).as(route + " without credentials").isEqualTo(401);
        assertThat(scopeless.statusCode()).as(route + " with any credential").isNotIn(401, 403);
      } else {
        assertThat(anonymous.statusCode()).as(route + " without credentials").isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as(route.toString()).hasValue("Bearer realm=\"switchboard\"");
        assertThat(Http.json(anonymous).getString("type")).isEqualTo("urn:switchboard:problem:unauthorized");
        assertThat(scopeless.statusCode()).as(route + " without the scope").isEqualTo(403);
        assertThat(Http.json(scopeless).getString("type")).isEqualTo("urn:switchboard:problem:forbidden");
      }
    }
  }

  @Test
  void scopesDecide() {
    String event = "{\"a\":1}";
    assertThat(Http.post(hub.uri("/api/v1/topics/t.x"), event, "ce-type", "t", "Authorization", bearer(PUBLISHER)).statusCode()).isEqualTo(202);
    assertThat(Http.post(hub.uri("/api/v1/topics/t.x"), event, "ce-type", "t", "Authorization", bearer(READER)).statusCode()).isEqualTo(403);
    assertThat(Http.post(hub.uri("/api/v1/topics/t.x"), event, "ce-type", "t", "Authorization", bearer(ADMIN)).statusCode()).isEqualTo(202);
    assertThat(Http.post(hub.uri("/api/v1/broadcast"), event, "Authorization", bearer(PUBLISHER)).statusCode()).isEqualTo(403);
    assertThat(Http.post(hub.uri("/api/v1/broadcast"), event, "Authorization", bearer(ADMIN)).statusCode()).isEqualTo(202);
  }

  @Test
  void refusedCredentialsAreToldNothingOfWhyAndTheLogSaysItAtDebug() {
    Logger logger = (Logger) LoggerFactory.getLogger(Authenticator.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Level level = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logger.addAppender(log);
    try {
      JWTAuth otherIssuer = JWTAuth.create(hub.vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("not-the-secret")));
      String[] refused = {
          ApiKeys.generate(),                                                          // unknown key
          otherIssuer.generateToken(new JsonObject().put("sub", "mallory")),           // wrong signature
          jwt.generateToken(new JsonObject().put("sub", "old").put("exp", System.currentTimeMillis() / 1000 - 60)), // expired
          "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.",                               // alg none
          "garbage"};
      for (String credential : refused) {
        HttpResponse<String> answer = Http.get(hub.uri("/api/v1/rooms/r"), "Authorization", bearer(credential));
        assertThat(answer.statusCode()).as(credential).isEqualTo(401);
        assertThat(Http.json(answer).getString("detail")).as(credential).isEqualTo("invalid or expired credential");
      }
      List<String> reasons = log.list.stream().filter(e -> e.getLevel() == Level.DEBUG).map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(reasons).anyMatch(r -> r.contains("unknown API key")).anyMatch(r -> r.contains("expired"))
          .anyMatch(r -> r.contains("Signature")).hasSizeGreaterThanOrEqualTo(refused.length);
      assertThat(String.join("\n", reasons)).doesNotContain(refused[0]).doesNotContain(refused[1]);
    } finally {
      logger.detachAppender(log);
      logger.setLevel(level);
    }
  }

  @Test
  void aTokenLimitedToOrdersCannotTouchUsersOverSse() {
    String orders = token(new JsonObject().put("sub", "browser").put("topics", new JsonArray().add("orders.*")), 60);
    HttpResponse<String> refused = Http.get(hub.uri("/api/v1/stream?topics=users.*"), "Authorization", bearer(orders));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(Http.json(refused).getString("detail")).contains("users.*");
    assertThat(Http.get(hub.uri("/api/v1/stream?topics=orders.*,users.x&token=" + orders)).statusCode()).isEqualTo(403);
    assertThat(Http.post(hub.uri("/api/v1/topics/users.created"), "{}", "ce-type", "t", "Authorization", bearer(orders)).statusCode())
        .isEqualTo(403);
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=orders.*&token=" + orders))) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(Http.post(hub.uri("/api/v1/topics/orders.created"), "{\"n\":1}", "ce-type", "t", "Authorization", bearer(orders))
          .statusCode()).isEqualTo(202);
      assertThat(new JsonObject(sse.next(Duration.ofSeconds(10)).data()).getJsonObject("data").getInteger("n")).isEqualTo(1);
    }
  }

  @Test
  void webSocketAndSockJsEnforceTopicsAndCloseOnExpiry() {
    String orders = token(new JsonObject().put("sub", "browser").put("topics", new JsonArray().add("orders.*")), 60);
    String shortLived = token(new JsonObject().put("sub", "brief").put("topics", new JsonArray().add("orders.*")), 3);
    String output = NodeClients.run(Duration.ofSeconds(60), "auth-clients.mjs", "http://127.0.0.1:" + hub.port, orders, shortLived, "3");
    assertThat(output).contains("OK auth-clients");
  }

  @Test
  void aClientIdBelongsToTheCredentialThatTookIt() {
    String alice = token(new JsonObject().put("sub", "alice"), 120);
    String bob = token(new JsonObject().put("sub", "bob"), 120);
    String output = NodeClients.run(Duration.ofSeconds(60), "client-ids.mjs", "http://127.0.0.1:" + hub.port, alice, bob, ADMIN);
    assertThat(output).contains("OK client-ids");
  }

  @Test
  void anSseStreamIsClosedWhenItsTokenExpires() throws InterruptedException {
    String brief = token(new JsonObject().put("sub", "brief").put("topics", new JsonArray().add("#")), 2);
    try (SseClient sse = SseClient.open(hub.uri("/api/v1/stream?topics=anything"), "Authorization", bearer(brief))) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.awaitEnd(Duration.ofSeconds(8))).as("closed at expiry").isTrue();
    }
    HttpResponse<String> expired = Http.get(hub.uri("/api/v1/stream?topics=anything"), "Authorization",
        bearer(jwt.generateToken(new JsonObject().put("sub", "old").put("exp", System.currentTimeMillis() / 1000 - 60))));
    assertThat(expired.statusCode()).isEqualTo(401);
  }

  @Test
  void anOversizedWebSocketFrameEndsTheConnectionUnanswered() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", hub.port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws?token=" + ADMIN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      assertThat(readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 101");
      out.write(frame("{\"type\":\"ping\",\"ref\":\"small\",\"pad\":\"" + "x".repeat(900) + "\"}"));
      out.flush();
      assertThat(readUntil(in, "\"ref\":\"small\"}")).as("a frame under the limit is answered").endsWith("\"ref\":\"small\"}");
      out.write(frame("{\"type\":\"ping\",\"ref\":\"big\",\"pad\":\"" + "x".repeat(2000) + "\"}"));
      out.flush();
      String answers = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // until the hub closes
      assertThat(answers).doesNotContain("\"ref\":\"big\"");
      int close = answers.indexOf((char) 0x88);
      if (close >= 0) {
        assertThat(((answers.charAt(close + 2) & 0xff) << 8) | (answers.charAt(close + 3) & 0xff)).isEqualTo(1009);
      }
    }
    assertThat(Http.get(hub.uri("/health")).statusCode()).isEqualTo(200);
  }

  /** A masked client text frame (payloads under 64 KiB). */
  private static byte[] frame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] frame = new byte[4 + 4 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | 126);
    frame[2] = (byte) (payload.length >> 8);
    frame[3] = (byte) payload.length;
    System.arraycopy(payload, 0, frame, 8, payload.length); // mask 0,0,0,0
    return frame;
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder seen = new StringBuilder();
    while (!seen.toString().endsWith(end)) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      seen.append((char) c);
    }
    return seen.toString();
  }

  @Test
  void publishRatePerKeyAndConnectionsPerAddressAreLimited() {
    String first = ApiKeys.generate();
    String second = ApiKeys.generate();
    try (TestHub limited = TestHub.start(new JsonObject()
        .put("auth", new JsonObject().put("api_keys", new JsonArray()
            .add(TestHub.apiKey("first", first, "publish", "subscribe")).add(TestHub.apiKey("second", second, "publish"))))
        .put("limits", new JsonObject().put("publish_rate", 2).put("publish_burst", 2).put("connections_per_ip", 2)),
        "topic-router", "gateway")) {
      for (int i = 0; i < 2; i++) {
        assertThat(Http.post(limited.uri("/api/v1/topics/r"), "{}", "ce-type", "t", "Authorization", bearer(first)).statusCode())
            .isEqualTo(202);
      }
      HttpResponse<String> tooMany = Http.post(limited.uri("/api/v1/topics/r"), "{}", "ce-type", "t", "Authorization", bearer(first));
      assertThat(tooMany.statusCode()).isEqualTo(429);
      assertThat(tooMany.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(Http.json(tooMany).getString("type")).isEqualTo("urn:switchboard:problem:rate-limited");
      assertThat(Http.post(limited.uri("/api/v1/topics/r"), "{}", "ce-type", "t", "Authorization", bearer(second)).statusCode())
          .as("another key has its own budget").isEqualTo(202);

      try (SseClient one = SseClient.open(limited.uri("/api/v1/stream?topics=a&token=" + first));
           SseClient two = SseClient.open(limited.uri("/api/v1/stream?topics=a&token=" + first))) {
        assertThat(one.response().statusCode()).isEqualTo(200);
        assertThat(two.response().statusCode()).isEqualTo(200);
        HttpResponse<String> third = Http.get(limited.uri("/api/v1/stream?topics=a&token=" + first));
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(Http.json(third).getString("type")).isEqualTo("urn:switchboard:problem:too-many-connections");
      }
    }
  }

  @Test
  void tlsServesHttpsWithHstsAndRefusesPlainHttp(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0)
        .as(new String(openssl.getInputStream().readAllBytes())).isTrue();
    try (TestHub secure = TestHub.start(new JsonObject().put("tls", new JsonObject()
        .put("cert_path", cert.toString()).put("key_path", key.toString())), "topic-router", "gateway")) {
      String https = curl("--cacert", cert.toString(), "-sS", "-i", "https://127.0.0.1:" + secure.port + "/health");
      assertThat(https).startsWith("HTTP/1.1 200").containsIgnoringCase("strict-transport-security: max-age=31536000")
          .contains("\"status\":\"UP\"");
      String plain = curl("-sS", "-i", "http://127.0.0.1:" + secure.port + "/health");
      assertThat(plain).doesNotContain("\"status\":\"UP\"").contains("curl:");
    }
  }

  private static String curl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "--max-time", "10"));
    command.addAll(List.of(args));
    Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
