package io.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the independent Node.js clients under src/test/node against a live hub. */
public final class NodeClients {

  private static final Path DIR = Path.of("src/test/node").toAbsolutePath();

  private NodeClients() {}

  /** Runs {@code node script args…}; fails with the script's output unless it exits 0. Returns the output. */
  public static String run(Duration timeout, String script, String... args) {
    installOnce();
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    return exec(command, timeout);
  }

  public static void requireChromium() {
    if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
      throw new AssertionError("/usr/bin/chromium is missing: scripts/test installs it (apt-get install chromium)");
    }
  }

  private static synchronized void installOnce() {
    if (!Files.isDirectory(DIR.resolve("node_modules")) || lockChanged()) {
      exec(List.of("npm", "ci", "--no-audit", "--no-fund"), Duration.ofMinutes(5));
    }
  }

  /** Whether package-lock.json changed since node_modules was installed from it (a dependency was added). */
  private static boolean lockChanged() {
    try {
      Path installed = DIR.resolve("node_modules/.package-lock.json");
      return !Files.exists(installed)
          || Files.getLastModifiedTime(DIR.resolve("package-lock.json")).compareTo(Files.getLastModifiedTime(installed)) > 0;
    } catch (IOException e) {
      return true;
    }
  }

  private static String exec(List<String> command, Duration timeout) {
    try {
      Path log = Files.createTempFile("node-client", ".log");
      Process process = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      String output = Files.readString(log);
      Files.deleteIfExists(log);
      if (!finished) {
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n" + output);
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
