package io.switchboard.testing;

import io.switchboard.Main;
import io.switchboard.launch.Hub;
import io.switchboard.launch.HubSettings;
import io.switchboard.launch.VerticleDescriptor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.switchboard.core.metrics.GuardedMetricsFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A hub started in this JVM through the real launcher code, on a free port. */
public final class TestHub implements AutoCloseable {

  public final Vertx vertx;
  public final JsonObject conf;
  public final int port;
  private final Hub hub;
  private final Path dataDir;

  private TestHub(Vertx vertx, JsonObject conf, Hub hub, Path dataDir) {
    this.vertx = vertx;
    this.conf = conf;
    this.port = conf.getJsonObject("http").getInteger("port");
    this.hub = hub;
    this.dataDir = dataDir;
  }

  /** The built-in verticles named (all when none), with the embedded defaults plus overrides. */
  public static TestHub start(JsonObject overrides, String... verticles) {
    return start(overrides, d -> d, verticles);
  }

  /** As {@link #start(JsonObject, String...)}, letting the test change descriptors (instances, say). */
  public static TestHub start(JsonObject overrides, UnaryOperator<VerticleDescriptor> change, String... verticles) {
    Path dataDir = tempDir();
    // The embedded store gets a data directory of its own, removed when the hub closes.
    JsonObject base = new JsonObject()
        .put("node", new JsonObject().put("id", "test-" + Long.toString(System.nanoTime(), 36)))
        .put("http", new JsonObject().put("port", freePort()))
        .put("data_dir", dataDir.toString());
    JsonObject conf = HubSettings.defaultConf(base.mergeIn(overrides, true));
    List<String> names = Arrays.asList(verticles);
    List<VerticleDescriptor> descriptors = HubSettings.builtInDescriptors().stream()
        .filter(d -> names.isEmpty() || names.contains(d.name()))
        .map(change)
        .toList();
    Vertx vertx = Vertx.builder().with(Main.vertxOptions()).withMetrics(GuardedMetricsFactory.micrometer()).build();
    try {
      Hub hub = await(Hub.start(vertx, new HubSettings(conf, descriptors)));
      return new TestHub(vertx, conf, hub, dataDir);
    } catch (RuntimeException e) {
      await(vertx.close());
      throw e;
    }
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  public String nodeId() {
    return conf.getJsonObject("node").getString("id");
  }

  @Override
  public void close() {
    try {
      await(hub.stop());
    } finally {
      await(vertx.close());
      delete(dataDir);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("switchboard-hub");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory: what is left goes with the OS's clean-up
    }
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
  }

  /**
   * A port free now and never handed out before in this JVM: the OS may give a just-closed port again,
   * and two of a hub's servers on one port would share it silently (Vert.x alternates connections).
   */
  public static int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        socket.setReuseAddress(true);
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** An {@code auth.api_keys} entry for {@code key}, holding its hash as keygen prints it. */
  public static JsonObject apiKey(String name, String key, String... scopes) {
    return new JsonObject().put("name", name).put("hash", "sha256:" + io.switchboard.gateway.security.ApiKeys.sha256(key))
        .put("scopes", new io.vertx.core.json.JsonArray(List.of(scopes)));
  }

  public static Map<String, String> env(String... keyValues) {
    java.util.HashMap<String, String> env = new java.util.HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      env.put(keyValues[i], keyValues[i + 1]);
    }
    return env;
  }
}
