package io.switchboard.launch;

import java.nio.file.Path;

/**
 * Command-line options: {@code --conf FILE}, {@code --verticles DIR}, {@code -cluster}.
 *
 * @param conf      the configuration file, or null for conf/switchboard.json (else the built-in default)
 * @param verticles the descriptor directory, or null for verticles/ (else the built-in defaults)
 * @param cluster   join a Hazelcast cluster
 */
public record LaunchOptions(Path conf, Path verticles, boolean cluster) {

  public static final String USAGE = String.join("\n",
      "usage: java -jar switchboard.jar [--conf FILE] [--verticles DIR] [-cluster]",
      "  --conf FILE       configuration (default conf/switchboard.json, else the built-in embedded defaults)",
      "  --verticles DIR   one deployment descriptor per verticle (default verticles/, else built-in)",
      "  -cluster          join a Hazelcast cluster (members from conf/cluster.xml or SWITCHBOARD_CLUSTER_MEMBERS)");

  public static LaunchOptions parse(String... args) {
    Path conf = null;
    Path verticles = null;
    boolean cluster = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--conf", "-conf" -> conf = Path.of(value(args, ++i, arg));
        case "--verticles" -> verticles = Path.of(value(args, ++i, arg));
        case "-cluster", "--cluster" -> cluster = true;
        default -> throw new LaunchException("unknown argument '" + arg + "'\n" + USAGE);
      }
    }
    return new LaunchOptions(conf, verticles, cluster);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new LaunchException(option + " needs a value\n" + USAGE);
    }
    return args[i];
  }
}
