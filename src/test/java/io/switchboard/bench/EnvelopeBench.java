package io.switchboard.bench;

import io.switchboard.core.Envelope;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;

/**
 * What reading one published event costs on one thread, the tree's way ({@link Envelope#candidateFromHttp}
 * then {@link Envelope#of} and the encoding) beside the reader's ({@link Envelope#fromHttp}): bytes
 * allocated per event (exact, from the JVM's per-thread counter) and time per event, for the two
 * bodies the benchmarks publish (bench-topics: binary mode; a structured CloudEvent), and a Redis message
 * that is JSON but not a CloudEvent, as the relay reads it (bench-redis's payload).
 * Usage: java -cp target/test-classes:target/switchboard.jar io.switchboard.bench.EnvelopeBench [N=2000000]
 */
public final class EnvelopeBench {

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    String pad = "x".repeat(80);
    Buffer binary = Buffer.buffer("{\"sent\":1733600000000,\"seq\":12345,\"pad\":\"" + pad + "\"}");
    MultiMap binaryHeaders = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json").add("ce-type", "bench.event");
    Buffer structured = Buffer.buffer("{\"specversion\":\"1.0\",\"type\":\"bench.event\",\"source\":\"urn:bench\",\"id\":\"e-1\","
        + "\"data\":{\"sent\":1733600000000,\"seq\":12345,\"pad\":\"" + pad + "\"}}");
    MultiMap structuredHeaders = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/cloudevents+json");
    Buffer redis = Buffer.buffer("{\"sent\":0,\"pad\":\"" + "x".repeat(100) + "\"}");
    Envelope.Wrapping relay = Envelope.wrapping(new JsonObject().put("type", "switchboard.redis.message")
        .put("source", "/switchboard/bench/redis").put("datacontenttype", "application/json"), "/s");
    for (int round = 0; round < 3; round++) {
      boolean last = round == 2;
      measure("binary mode, tree  ", n, last, () -> Envelope.of(Envelope.candidateFromHttp(binary, binaryHeaders), "/s").encode());
      measure("binary mode, reader", n, last, () -> Envelope.fromHttp(binary, binaryHeaders, "/s").encode());
      measure("structured,  tree  ", n, last, () -> Envelope.of(Envelope.candidateFromHttp(structured, structuredHeaders), "/s").encode());
      measure("structured,  reader", n, last, () -> Envelope.fromHttp(structured, structuredHeaders, "/s").encode());
      measure("redis, wrapped     ", n, last, () -> Envelope.read(redis, relay).encode());
    }
  }

  private static long sink;

  private static void measure(String name, int n, boolean print, java.util.function.Supplier<String> read) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long bytes = threads.getThreadAllocatedBytes(id);
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += read.get().length();
    }
    long nanos = System.nanoTime() - start;
    bytes = threads.getThreadAllocatedBytes(id) - bytes;
    if (print) {
      System.out.printf("%s  %6.0f bytes/event  %6.2f µs/event%n", name, (double) bytes / n, nanos / 1000.0 / n);
    }
  }
}
