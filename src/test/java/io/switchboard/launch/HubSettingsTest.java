package io.switchboard.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubSettingsTest {

  @TempDir
  Path dir;

  private HubSettings load(Map<String, String> env, String... args) {
    return HubSettings.load(LaunchOptions.parse(args), env, dir);
  }

  private void write(String file, String content) throws IOException {
    Path path = dir.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }

  @Test
  void anEmptyDirectoryRunsTheBuiltInEmbeddedDefaults() {
    HubSettings settings = load(Map.of());
    assertThat(settings.conf().getJsonObject("http").getString("host")).isEqualTo("127.0.0.1");
    assertThat(settings.conf().getJsonObject("http").getInteger("port")).isEqualTo(8080);
    assertThat(settings.conf().getJsonObject("postgres").getString("uri")).isNull();
    assertThat(settings.conf().getJsonObject("node").getString("id")).isNotBlank();
    assertThat(settings.verticles()).extracting(VerticleDescriptor::name).contains("gateway", "topic-router");
    assertThat(settings.verticles().get(0).name()).isEqualTo("topic-router");
  }

  @Test
  void confFileIsMergedOverDefaultsAndEnvironmentWins() throws IOException {
    write("conf/switchboard.json", "{\"http\": {\"port\": 9000}, \"redis\": {\"uri\": \"redis://127.0.0.1:6379\"}}");
    HubSettings settings = load(Map.of("SWITCHBOARD_HTTP_PORT", "9100", "SWITCHBOARD_PG_URI", "postgresql://u:secret@127.0.0.1/test",
        "SWITCHBOARD_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702", "SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE", "true"));
    JsonObject conf = settings.conf();
    assertThat(conf.getJsonObject("http").getInteger("port")).isEqualTo(9100);
    assertThat(conf.getJsonObject("http").getString("host")).isEqualTo("127.0.0.1");
    assertThat(conf.getJsonObject("redis").getString("uri")).isEqualTo("redis://127.0.0.1:6379");
    assertThat(conf.getJsonObject("postgres").getString("uri")).isEqualTo("postgresql://u:secret@127.0.0.1/test");
    assertThat(conf.getJsonObject("cluster").getJsonArray("members")).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    assertThat(conf.getJsonObject("webhooks").getBoolean("allow_private")).isTrue();
  }

  @Test
  void brokenConfJsonNamesTheFile() throws IOException {
    write("conf/switchboard.json", "{\"http\": {\"port\": 9000,}");
    assertThatThrownBy(() -> load(Map.of())).isInstanceOf(LaunchException.class)
        .hasMessageStartingWith("conf/switchboard.json: not valid JSON");
  }

  @Test
  void wrongTypeInConfNamesTheField() throws IOException {
    write("conf/switchboard.json", "{\"http\": {\"port\": \"eighty\"}}");
    assertThatThrownBy(() -> load(Map.of())).hasMessage("conf/switchboard.json: field \"http.port\": must be an integer from 0 to 65535");
  }

  @Test
  void explicitConfMustExist() {
    assertThatThrownBy(() -> load(Map.of(), "--conf", "elsewhere.json")).hasMessageStartingWith("elsewhere.json: cannot read");
  }

  @Test
  void badEnvironmentValueNamesTheVariable() {
    assertThatThrownBy(() -> load(Map.of("SWITCHBOARD_HTTP_PORT", "http"))).hasMessage(
        "SWITCHBOARD_HTTP_PORT: must be a port number (0-65535), not 'http'");
  }

  @Test
  void descriptorNamingAnUnknownClass() throws IOException {
    write("verticles/gateway.json", "{\"main\": \"io.switchboard.Nope\", \"instances\": 1}");
    assertThatThrownBy(() -> load(Map.of())).hasMessage(
        "verticles/gateway.json: field \"main\": class io.switchboard.Nope not found");
  }

  @Test
  void descriptorFieldErrors() throws IOException {
    write("verticles/a.json", "{\"main\": \"io.switchboard.gateway.GatewayVerticle\", \"instances\": 0}");
    assertThatThrownBy(() -> load(Map.of())).hasMessage("verticles/a.json: field \"instances\": must be between 1 and 1024, not 0");
    write("verticles/a.json", "{\"main\": \"io.switchboard.gateway.GatewayVerticle\", \"instaces\": 2}");
    assertThatThrownBy(() -> load(Map.of())).hasMessageStartingWith("verticles/a.json: field \"instaces\": unknown field");
    write("verticles/a.json", "{\"main\": \"java.lang.String\"}");
    assertThatThrownBy(() -> load(Map.of())).hasMessage("verticles/a.json: field \"main\": java.lang.String is not a verticle");
    write("verticles/a.json", "{\"main\": \"io.switchboard.gateway.GatewayVerticle\", \"enabled\": \"sometimes\"}");
    assertThatThrownBy(() -> load(Map.of())).hasMessage("verticles/a.json: field \"enabled\": must be true, false or \"auto\"");
    write("verticles/a.json", "{\"main\": \"io.switchboard.gateway.GatewayVerticle\", \"enabled\": \"auto\", \"backend\": \"kafka\"}");
    assertThatThrownBy(() -> load(Map.of())).hasMessageStartingWith("verticles/a.json: field \"backend\": must be one of");
    write("verticles/a.json", "[1]");
    assertThatThrownBy(() -> load(Map.of())).hasMessageStartingWith("verticles/a.json: not valid JSON");
  }

  @Test
  void autoFollowsTheBackendConfiguration() throws IOException {
    write("verticles/relay.json", "{\"main\": \"io.switchboard.gateway.GatewayVerticle\", \"enabled\": \"auto\", \"backend\": \"redis\"}");
    VerticleDescriptor relay = load(Map.of()).verticles().get(0);
    assertThat(relay.enabledWith(load(Map.of()).conf())).isFalse();
    assertThat(relay.enabledWith(load(Map.of("SWITCHBOARD_REDIS_URI", "redis://127.0.0.1:6379")).conf())).isTrue();
  }

  @Test
  void unknownArgument() {
    assertThatThrownBy(() -> LaunchOptions.parse("--confx")).hasMessageStartingWith("unknown argument '--confx'");
    assertThatThrownBy(() -> LaunchOptions.parse("--conf")).hasMessageStartingWith("--conf needs a value");
  }

  @Test
  void passwordsAreRedactedForLogs() {
    assertThat(Backend.redact("amqp://guest:guest@127.0.0.1:5672")).isEqualTo("amqp://guest:***@127.0.0.1:5672");
    assertThat(Backend.redact("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
  }

  @Test
  void bindingBeyondLoopbackWithoutCredentialsRefusesToStart() throws IOException {
    assertThatThrownBy(() -> load(Map.of("SWITCHBOARD_HTTP_HOST", "0.0.0.0")))
        .hasMessageStartingWith("gateway (built-in verticles/gateway.json): the HTTP listener would bind 0.0.0.0 (http.host), "
            + "which other machines can reach, and no credentials are configured")
        .hasMessageContaining("auth.api_keys");
    assertThat(load(Map.of("SWITCHBOARD_HTTP_HOST", "0.0.0.0", "SWITCHBOARD_JWT_SECRET", "s3cret")).conf()
        .getJsonObject("http").getString("host")).isEqualTo("0.0.0.0");
    write("conf/switchboard.json", "{\"auth\": {\"api_keys\": [{\"name\": \"ci\", \"hash\": \"sha256:"
        + "0".repeat(64) + "\", \"scopes\": [\"admin\"]}]}}");
    assertThat(load(Map.of("SWITCHBOARD_HTTP_HOST", "0.0.0.0")).conf().getJsonObject("http").getString("host")).isEqualTo("0.0.0.0");
  }

  @Test
  void twoListenersOnOnePortRefuseToStart() throws IOException {
    assertThatThrownBy(() -> load(Map.of("SWITCHBOARD_HTTP_PORT", "9100", "SWITCHBOARD_TCP_BRIDGE_PORT", "9100")))
        .hasMessageContaining("the TCP bridge listener's port 9100 is already the HTTP (gateway) listener's");
    assertThat(load(Map.of("SWITCHBOARD_HTTP_PORT", "9100", "SWITCHBOARD_TCP_BRIDGE_PORT", "9101")).conf()
        .getJsonObject("tcp_bridge").getInteger("port")).isEqualTo(9101);
  }
}
