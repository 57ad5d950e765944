package io.switchboard.launch;

import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a node joins a cluster: Hazelcast from conf/cluster.xml (or the packaged copy), with the
 * member list, port and interface from the {@code cluster} section (SWITCHBOARD_CLUSTER_MEMBERS),
 * and the event bus bound to the same host.
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
    return config;
  }

  public static EventBusOptions eventBus(JsonObject conf) {
    JsonObject cluster = conf.getJsonObject("cluster", new JsonObject());
    String host = cluster.getString("host", "127.0.0.1");
    return new EventBusOptions().setHost(host).setPort(cluster.getInteger("event_bus_port", 0));
  }
}
