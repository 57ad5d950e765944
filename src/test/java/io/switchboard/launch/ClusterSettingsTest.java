package io.switchboard.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSettingsTest {

  @TempDir
  Path dir;

  private static JsonObject cluster(JsonObject cluster) {
    return new JsonObject().put("cluster", cluster);
  }

  @Test
  void aReachableClearTextTransportNeedsTheOperatorsWord() {
    assertThatThrownBy(() -> ClusterSettings.hazelcast(cluster(new JsonObject().put("host", "0.0.0.0")), dir))
        .isInstanceOf(LaunchException.class).hasMessageContaining("0.0.0.0 (cluster.host)").hasMessageContaining("cluster.insecure: true");
    var config = ClusterSettings.hazelcast(cluster(new JsonObject().put("host", "0.0.0.0").put("insecure", true)), dir);
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    // the packaged conf/cluster.xml binds 127.0.0.1: nothing to say
    assertThat(ClusterSettings.hazelcast(cluster(new JsonObject().put("host", "127.0.0.1")), dir)).isNotNull();
  }

  @Test
  void tlsTakesThreeReadablePemFilesAndTurnsOnMutualTls() throws Exception {
    Path pem = Files.writeString(dir.resolve("any.pem"), "not checked here: Vert.x reads it");
    JsonObject tls = new JsonObject().put("cert_path", pem.toString()).put("key_path", pem.toString()).put("trust_path", pem.toString());
    var options = ClusterSettings.eventBus(cluster(new JsonObject().put("tls", tls)));
    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.REQUIRED);
    assertThat(ClusterSettings.hazelcast(cluster(new JsonObject().put("host", "0.0.0.0").put("tls", tls)), dir)).isNotNull();
    assertThatThrownBy(() -> ClusterSettings.validate(cluster(new JsonObject().put("tls", tls.copy().put("key_path", "/no/such.pem")))))
        .hasMessageContaining("cluster.tls.key_path").hasMessageContaining("cannot read /no/such.pem");
    assertThatThrownBy(() -> ClusterSettings.validate(cluster(new JsonObject().put("tls", tls.copy().put("ca", "x")))))
        .hasMessageContaining("cluster.tls.ca").hasMessageContaining("unknown field");
    assertThatThrownBy(() -> ClusterSettings.validate(cluster(new JsonObject().put("insecure", "yes"))))
        .hasMessageContaining("cluster.insecure");
  }
}
