package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built jar run with {@code java -jar} in a directory of the test's own, as a user would, with
 * no SWITCHBOARD_* variables but those given; its output goes to out.log there (appended, so a
 * restarted hub's log follows the first's). Closing kills what still runs.
 */
public final class JarProcess implements AutoCloseable {

  private static final Path JAR = Path.of(System.getProperty("switchboard.jar", "target/switchboard.jar")).toAbsolutePath();

  private final Path dir;
  private Process process;

  public JarProcess(Path dir) {
    this.dir = dir;
  }

  public Process start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    builder.environment().putAll(env);
    process = builder.start();
    return process;
  }

  /** Waits (60 s at most) until {@code path} on the hub answers 200; fails at once if it exits. */
  public void awaitOk(int port, String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("the hub exited early:\n%s", output()).isTrue();
      try {
        if (Http.get(URI.create("http://127.0.0.1:" + port + path)).statusCode() == 200) {
          return;
        }
      } catch (IllegalStateException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no 200 from " + path + " within 60 s:\n" + output());
  }

  public Process process() {
    return process;
  }

  public String output() throws IOException {
    return Files.readString(dir.resolve("out.log"));
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
