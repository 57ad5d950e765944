package io.switchboard.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A cluster of hub processes on this machine, run through scripts/cluster with per-run names and ports. */
public final class LocalCluster implements AutoCloseable {

  private final Map<String, String> env;
  private final int httpBase;
  private final int hazelcastBase;
  private final int size;
  public final String schema;

  private LocalCluster(Map<String, String> env, int httpBase, int hazelcastBase, int size, String schema) {
    this.env = env;
    this.httpBase = httpBase;
    this.hazelcastBase = hazelcastBase;
    this.size = size;
    this.schema = schema;
  }

  /** Starts {@code size} nodes; {@code conf} (merged over the defaults) goes to every node. */
  public static LocalCluster start(int size, JsonObject conf) throws IOException {
    Path dir = Path.of("target", Services.unique("cluster")).toAbsolutePath();
    Files.createDirectories(dir);
    String schema = Services.unique("sbcluster").toLowerCase();
    Path confFile = dir.resolve("switchboard.json");
    Files.writeString(confFile, conf.copy().mergeIn(new JsonObject().put("postgres", new JsonObject().put("schema", schema)), true).encode());
    int httpBase = 20_000 + ThreadLocalRandom.current().nextInt(0, 400) * 10;
    int hzBase = 24_000 + ThreadLocalRandom.current().nextInt(0, 400) * 10;
    Map<String, String> env = Map.of(
        "CLUSTER_DIR", dir.toString(),
        "CLUSTER_NAME", Services.unique("switchboard-it"),
        "CLUSTER_HTTP_BASE", String.valueOf(httpBase),
        "CLUSTER_HZ_BASE", String.valueOf(hzBase),
        "CLUSTER_CONF", confFile.toString(),
        "SWITCHBOARD_PG_URI", Services.POSTGRES_URI);
    LocalCluster cluster = new LocalCluster(env, httpBase, hzBase, size, schema);
    try {
      cluster.script("start", String.valueOf(size));
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public String base(int node) {
    return "http://127.0.0.1:" + (httpBase + node);
  }

  public URI uri(int node, String path) {
    return URI.create(base(node) + path);
  }

  /** The port node {@code node}'s Hazelcast member listens on. */
  public int hazelcastPort(int node) {
    return hazelcastBase + node;
  }

  public List<String> bases() {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      out.add(base(i));
    }
    return out;
  }

  public void kill(int node) {
    script("kill", String.valueOf(node));
  }

  public void restart(int node) {
    script("restart", String.valueOf(node));
  }

  public String log(int node) throws IOException {
    return Files.readString(Path.of(env.get("CLUSTER_DIR"), "node-" + node + ".log"));
  }

  @Override
  public void close() {
    try {
      script("stop");
    } finally {
      dropSchema();
    }
  }

  /** The nodes' tables live in a schema of this run's own; nothing of it outlives the test. */
  private void dropSchema() {
    psql("drop schema if exists " + schema + " cascade");
  }

  /** One SQL statement against the nodes' schema, as psql prints it unaligned (one row per line). */
  public String query(String sql) {
    return psql("set search_path to " + schema + "; " + sql).strip();
  }

  private static String psql(String sql) {
    try {
      Process psql = new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAtc", sql)
          .redirectErrorStream(true).start();
      String output = new String(psql.getInputStream().readAllBytes());
      if (!psql.waitFor(30, TimeUnit.SECONDS) || psql.exitValue() != 0) {
        throw new AssertionError("psql failed on " + sql + ": " + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError("cannot run psql", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private String script(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of("scripts/cluster").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(env);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError("scripts/cluster " + String.join(" ", args) + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
