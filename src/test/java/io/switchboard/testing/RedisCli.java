package io.switchboard.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.HashSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The {@code redis-cli} command, as an independent Redis client: PUBLISH, and SUBSCRIBE in a
 * process of its own whose {@code --csv} output is parsed into messages.
 */
public final class RedisCli {

  private RedisCli() {}

  /** PUBLISH; returns the number of subscribers Redis delivered it to. */
  public static long publish(String channel, String payload) {
    return Long.parseLong(run(null, "PUBLISH", channel, payload).trim());
  }

  /** PUBLISH of raw bytes (read by redis-cli from stdin). */
  public static long publish(String channel, byte[] payload) {
    return Long.parseLong(run(payload, "-x", "PUBLISH", channel).trim());
  }

  /**
   * The PUBLISHes in one pipeline ({@code redis-cli --pipe}): Redis handles them in one go, so a
   * subscriber gets them in one read.
   */
  public static void publishPipelined(String channel, List<String> payloads) {
    publishPipelined(payloads.stream().map(payload -> java.util.Map.entry(channel, payload)).toList());
  }

  /** As {@link #publishPipelined(String, List)}, each payload (the value) on its own channel (the key). */
  public static void publishPipelined(List<java.util.Map.Entry<String, String>> messages) {
    java.io.ByteArrayOutputStream commands = new java.io.ByteArrayOutputStream();
    for (java.util.Map.Entry<String, String> message : messages) {
      for (String part : new String[] {"*3", bulk("PUBLISH"), bulk(message.getKey()), bulk(message.getValue())}) {
        commands.writeBytes((part + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    run(commands.toByteArray(), "--pipe");
  }

  private static String bulk(String value) {
    return "$" + value.getBytes(StandardCharsets.UTF_8).length + "\r\n" + value;
  }

  private static String run(byte[] stdin, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", "6379"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (OutputStream in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin);
        }
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 10 s");
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run redis-cli: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SUBSCRIBE (or PSUBSCRIBE with {@code pattern}) and return once Redis confirmed every channel. */
  public static Subscription subscribe(String... channels) {
    return new Subscription(false, channels);
  }

  public static Subscription psubscribe(String... patterns) {
    return new Subscription(true, patterns);
  }

  public record Message(String channel, String payload) {}

  public static final class Subscription implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final Set<String> confirmed = Collections.synchronizedSet(new HashSet<>());
    private final Thread reader;

    private Subscription(boolean patterns, String... channels) {
      List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", "6379", "--csv",
          patterns ? "PSUBSCRIBE" : "SUBSCRIBE"));
      command.addAll(List.of(channels));
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new AssertionError("cannot run redis-cli: " + e.getMessage(), e);
      }
      reader = new Thread(this::read, "redis-cli-subscriber");
      reader.setDaemon(true);
      reader.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (confirmed.size() < channels.length) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          close();
          throw new AssertionError("redis-cli " + String.join(" ", command) + " did not confirm its subscriptions");
        }
        sleep(10);
      }
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          List<String> fields = csv(line);
          if (fields.size() == 3 && (fields.get(0).equals("subscribe") || fields.get(0).equals("psubscribe"))) {
            confirmed.add(fields.get(1));
          } else if (fields.size() == 3 && fields.get(0).equals("message")) {
            messages.add(new Message(fields.get(1), fields.get(2)));
          } else if (fields.size() == 4 && fields.get(0).equals("pmessage")) {
            messages.add(new Message(fields.get(2), fields.get(3)));
          }
        }
      } catch (IOException closed) {
        // the subscription was closed
      }
    }

    /** The next message, failing the test if none arrives in time. */
    public Message next(Duration timeout) {
      try {
        Message message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
          throw new AssertionError("no Redis message within " + timeout + (process.isAlive() ? "" : " (redis-cli has exited)"));
        }
        return message;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** Every message up to and including the first that satisfies {@code last}, so duplicates show. */
    public List<Message> until(Predicate<Message> last, Duration timeout) {
      List<Message> out = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Message message = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        out.add(message);
        if (last.test(message)) {
          return out;
        }
      }
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * One line of redis-cli --csv: quoted strings with C-style escapes (every byte that is not
   * printable ASCII as {@code \xHH}, so UTF-8 is decoded after unescaping), or bare numbers.
   */
  static List<String> csv(String line) {
    List<String> fields = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      ByteArrayOutputStream field = new ByteArrayOutputStream();
      if (line.charAt(i) == '"') {
        i++;
        while (i < line.length() && line.charAt(i) != '"') {
          char c = line.charAt(i++);
          if (c == '\\' && i < line.length()) {
            char e = line.charAt(i++);
            switch (e) {
              case 'n' -> field.write('\n');
              case 'r' -> field.write('\r');
              case 't' -> field.write('\t');
              case 'a' -> field.write(7);
              case 'b' -> field.write('\b');
              case 'x' -> {
                field.write(Integer.parseInt(line.substring(i, i + 2), 16));
                i += 2;
              }
              default -> field.write(e);
            }
          } else {
            field.write(c);
          }
        }
        i++; // closing quote
      } else {
        while (i < line.length() && line.charAt(i) != ',') {
          field.write(line.charAt(i++));
        }
      }
      fields.add(field.toString(StandardCharsets.UTF_8));
      i++; // comma
    }
    return fields;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
