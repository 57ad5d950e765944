package io.switchboard.launch;

import io.switchboard.core.ClasspathFolder;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the launcher deploys: the configuration (built-in defaults, then conf/switchboard.json, then
 * environment overrides) and the verticle descriptors.
 */
public final class HubSettings {

  static final String BUILT_IN_CONF = "defaults/conf/switchboard.json";
  static final String BUILT_IN_VERTICLES = "defaults/verticles";

  private final JsonObject conf;
  private final List<VerticleDescriptor> verticles;

  public HubSettings(JsonObject conf, List<VerticleDescriptor> verticles) {
    this.conf = conf;
    this.verticles = verticles.stream()
        .sorted(Comparator.comparingInt(VerticleDescriptor::order).thenComparing(VerticleDescriptor::name))
        .toList();
  }

  public JsonObject conf() {
    return conf;
  }

  public List<VerticleDescriptor> verticles() {
    return verticles;
  }

  /** Loads everything from the working directory, falling back to the defaults packaged in the jar. */
  public static HubSettings load(LaunchOptions options, Map<String, String> env, Path workDir) {
    JsonObject conf = builtInConf();
    String confSource = "the built-in configuration";
    Path confFile = options.conf() != null ? workDir.resolve(options.conf()) : workDir.resolve("conf/switchboard.json");
    if (options.conf() != null || Files.isRegularFile(confFile)) {
      String source = options.conf() != null ? options.conf().toString() : "conf/switchboard.json";
      conf.mergeIn(readJson(source, confFile), true);
      confSource = source;
      ConfValidator.validate(source, conf);
    }
    EnvOverrides.apply(env, conf);
    ConfValidator.validate("environment", conf);
    ConfValidator.requireTlsPair(conf);
    fillNodeId(conf);

    Path verticleDir = options.verticles() != null ? workDir.resolve(options.verticles()) : workDir.resolve("verticles");
    List<VerticleDescriptor> verticles;
    if (options.verticles() != null || Files.isDirectory(verticleDir)) {
      String prefix = options.verticles() != null ? options.verticles().toString() : "verticles";
      verticles = readDescriptors(verticleDir, prefix);
    } else {
      verticles = builtInDescriptors();
    }
    if (verticles.isEmpty()) {
      throw new LaunchException(verticleDir + ": no verticle descriptors (*.json) found");
    }
    ConfValidator.requirePublicBindRule(conf, verticles);
    ConfValidator.requireValidSettings(env.keySet().stream().anyMatch(k -> k.startsWith("SWITCHBOARD_"))
        ? confSource + " with the environment's overrides" : confSource, conf, verticles);
    return new HubSettings(conf, verticles);
  }

  /** The embedded defaults with the given overrides merged in (tests and tools). */
  public static JsonObject defaultConf(JsonObject overrides) {
    JsonObject conf = builtInConf().mergeIn(overrides, true);
    ConfValidator.validate("overrides", conf);
    fillNodeId(conf);
    return conf;
  }

  /** The packaged verticle descriptors. */
  public static List<VerticleDescriptor> builtInDescriptors() {
    try {
      List<Path> files = ClasspathFolder.list(BUILT_IN_VERTICLES);
      if (files == null) {
        throw new LaunchException("the jar has no " + BUILT_IN_VERTICLES + ": broken build");
      }
      return readDescriptors(files, "built-in verticles");
    } catch (IOException e) {
      throw new LaunchException("cannot list " + BUILT_IN_VERTICLES + ": " + e.getMessage());
    }
  }

  private static JsonObject builtInConf() {
    try (InputStream in = HubSettings.class.getClassLoader().getResourceAsStream(BUILT_IN_CONF)) {
      if (in == null) {
        throw new LaunchException("the jar has no " + BUILT_IN_CONF + ": broken build");
      }
      return parse("built-in conf/switchboard.json", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new LaunchException("cannot read " + BUILT_IN_CONF + ": " + e.getMessage());
    }
  }

  private static List<VerticleDescriptor> readDescriptors(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      throw new LaunchException(prefix + ": not a directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      return readDescriptors(files.sorted().toList(), prefix);
    } catch (IOException e) {
      throw new LaunchException(prefix + ": cannot list: " + e.getMessage());
    }
  }

  private static List<VerticleDescriptor> readDescriptors(List<Path> files, String prefix) {
    List<VerticleDescriptor> descriptors = new ArrayList<>();
    for (Path file : files) {
      String fileName = file.getFileName().toString();
      if (!fileName.endsWith(".json")) {
        continue;
      }
      String source = prefix + "/" + fileName;
      String name = fileName.substring(0, fileName.length() - ".json".length());
      descriptors.add(VerticleDescriptor.parse(name, source, readJson(source, file)));
    }
    return descriptors;
  }

  private static JsonObject readJson(String source, Path file) {
    try {
      return parse(source, Files.readString(file));
    } catch (IOException e) {
      throw new LaunchException(source + ": cannot read: " + e.getMessage());
    }
  }

  private static JsonObject parse(String source, String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      String reason = e.getMessage() == null ? "not a JSON object" : e.getMessage().lines().findFirst().orElse("");
      throw new LaunchException(source + ": not valid JSON: " + reason);
    }
  }

  /** Every node needs a name: it is the {@code source} of the events it creates. */
  private static void fillNodeId(JsonObject conf) {
    JsonObject node = conf.getJsonObject("node", new JsonObject());
    if (node.getString("id") == null || node.getString("id").isBlank()) {
      String host;
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        host = "localhost";
      }
      node.put("id", host.replaceAll("[^A-Za-z0-9_.-]", "-") + "-" + ManagementFactory.getRuntimeMXBean().getPid());
    }
    conf.put("node", node);
  }

  static JsonArray list(String csv) {
    JsonArray out = new JsonArray();
    for (String part : csv.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
