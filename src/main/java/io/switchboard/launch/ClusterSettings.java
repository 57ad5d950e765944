package io.switchboard.launch;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How a node joins a cluster: Hazelcast from conf/cluster.xml (or the packaged copy), with the
 * member list, port and interface from the {@code cluster} section (SWITCHBOARD_CLUSTER_MEMBERS),
 * and the event bus bound to the same host.
 *
 * <p>The clustered event bus carries every message between nodes: with {@code cluster.tls} (PEM
 * key, certificate and trusted certificates, the same on every node) it is TLS with client
 * certificates required both ways, so only holders of a trusted certificate exchange messages.
 * Hazelcast's own port (membership, the shared maps) has no TLS in its open-source edition and
 * stays a private-network requirement; it binds only the chosen interface. A cluster transport
 * that other machines can reach without {@code cluster.tls} is refused unless the operator says
 * {@code cluster.insecure: true}.
 */
public final class ClusterSettings {

  private ClusterSettings() {}

  /** Clustering shares the database between nodes: the embedded H2 file cannot be shared. */
  public static void requireSharedStore(JsonObject conf) {
    if (!Backend.POSTGRES.isConfigured(conf)) {
      throw new LaunchException("-cluster: a cluster shares one database; set SWITCHBOARD_PG_URI (postgres.uri)");
    }
  }

  public static Config hazelcast(JsonObject conf, Path workDir) {
    Path file = workDir.resolve("conf/cluster.xml");
    Config config;
    try (InputStream in = Files.isRegularFile(file) ? Files.newInputStream(file)
        : ClusterSettings.class.getClassLoader().getResourceAsStream("defaults/conf/cluster.xml")) {
      if (in == null) {
        throw new LaunchException("the jar has no defaults/conf/cluster.xml: broken build");
      }
      config = new XmlConfigBuilder(in).build();
    } catch (IOException | RuntimeException e) {
      if (e instanceof LaunchException launch) {
        throw launch;
      }
      throw new LaunchException("conf/cluster.xml: " + e.getMessage());
    }
    // The queue publish dedupe window (ids confirmed within rabbitmq.dedupe_window_ms): bounded per node.
    Object maxIds = conf.getJsonObject("rabbitmq", new JsonObject()).getValue("dedupe_max_ids");
    config.addMapConfig(new MapConfig("switchboard.queue.dedupe").setEvictionConfig(new EvictionConfig()
        .setEvictionPolicy(EvictionPolicy.LRU).setMaxSizePolicy(MaxSizePolicy.PER_NODE)
        .setSize(maxIds instanceof Integer n && n > 0 ? n : 100_000)));
    JsonObject cluster = conf.getJsonObject("cluster", new JsonObject());
    JsonArray members = cluster.getJsonArray("members", new JsonArray());
    if (!members.isEmpty()) {
      TcpIpConfig tcp = config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).clear();
      members.forEach(m -> tcp.addMember(String.valueOf(m)));
    }
    if (cluster.getString("name") != null) {
      config.setClusterName(cluster.getString("name"));
    }
    if (cluster.getInteger("port") != null) {
      config.getNetworkConfig().setPort(cluster.getInteger("port"));
    }
    String host = cluster.getString("host");
    if (host != null) {
      config.getNetworkConfig().setInterfaces(new InterfacesConfig().setEnabled(true).addInterface(host));
    }
    if (config.getProperty(BIND_ANY) == null) {
      // Hazelcast listens on every interface unless told otherwise, whatever interface it picks.
      config.setProperty(BIND_ANY, "false");
    }
    requireSecureTransport(conf, config);
    return config;
  }

  private static final String BIND_ANY = "hazelcast.socket.bind.any";

  /** Checks {@code cluster.tls} and {@code cluster.insecure}, naming the field at fault. */
  static void validate(JsonObject conf) {
    Object cluster = conf.getValue("cluster");
    if (cluster instanceof JsonObject c) {
      tls(c);
      insecure(c);
    }
  }

  /**
   * A cluster transport other machines can reach (a Hazelcast interface or the event bus host that
   * is not loopback) needs {@code cluster.tls}, or the operator's {@code cluster.insecure: true}.
   */
  static void requireSecureTransport(JsonObject conf, Config hazelcast) {
    JsonObject cluster = conf.getJsonObject("cluster", new JsonObject());
    if (tls(cluster) != null || insecure(cluster)) {
      return;
    }
    String eventBusHost = cluster.getString("host", "127.0.0.1");
    InterfacesConfig interfaces = hazelcast.getNetworkConfig().getInterfaces();
    String exposed = !loopback(eventBusHost) ? eventBusHost + " (cluster.host)"
        : !interfaces.isEnabled() ? "every interface (conf/cluster.xml enables no interface)"
        : interfaces.getInterfaces().stream().filter(i -> !loopback(i)).findFirst()
            .map(i -> i + " (conf/cluster.xml)").orElse(null);
    if (exposed != null) {
      throw new LaunchException("-cluster: the cluster transport would listen on " + exposed + ", which other machines can "
          + "reach, in clear text and without authentication: set cluster.tls {\"cert_path\", \"key_path\", \"trust_path\"} "
          + "(PEM files, the same on every node) and keep Hazelcast's port on a private network, or bind 127.0.0.1 for a "
          + "cluster on one machine, or set cluster.insecure: true to accept that risk");
    }
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false; // a wildcard such as 10.0.*.* or a name: not loopback
    }
  }

  private static boolean insecure(JsonObject cluster) {
    Object insecure = cluster.getValue("insecure");
    if (insecure != null && !(insecure instanceof Boolean)) {
      throw VerticleDescriptor.error("configuration", "cluster.insecure", "must be true or false");
    }
    return Boolean.TRUE.equals(insecure);
  }

  /** The PEM files of {@code cluster.tls}, checked, or null when it is not set. */
  static PemFiles tls(JsonObject cluster) {
    Object value = cluster.getValue("tls");
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject tls)) {
      throw VerticleDescriptor.error("configuration", "cluster.tls",
          "must be {\"cert_path\", \"key_path\", \"trust_path\"} (PEM files) or null");
    }
    for (String field : tls.fieldNames()) {
      if (!List.of("cert_path", "key_path", "trust_path").contains(field)) {
        throw VerticleDescriptor.error("configuration", "cluster.tls." + field,
            "unknown field (expected cert_path, key_path, trust_path)");
      }
    }
    return new PemFiles(file(tls, "cert_path"), file(tls, "key_path"), file(tls, "trust_path"));
  }

  /** The node's certificate chain and key, and the certificates (or CA) it trusts for other nodes. */
  record PemFiles(String cert, String key, String trust) {}

  private static String file(JsonObject tls, String field) {
    Object path = tls.getValue(field);
    if (!(path instanceof String p) || p.isBlank()) {
      throw VerticleDescriptor.error("configuration", "cluster.tls." + field, "must be the path of a PEM file");
    }
    if (!Files.isReadable(Path.of(p))) {
      throw VerticleDescriptor.error("configuration", "cluster.tls." + field, "cannot read " + p);
    }
    return p;
  }

  public static EventBusOptions eventBus(JsonObject conf) {
    JsonObject cluster = conf.getJsonObject("cluster", new JsonObject());
    String host = cluster.getString("host", "127.0.0.1");
    EventBusOptions options = new EventBusOptions().setHost(host).setPort(cluster.getInteger("event_bus_port", 0));
    PemFiles tls = tls(cluster);
    if (tls != null) {
      // Both ways: a node accepts only peers with a trusted certificate, and connects only to such peers.
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert()).setKeyPath(tls.key()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.trust()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }
}
