package io.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.Main;
import io.switchboard.core.metrics.GuardedMetricsFactory;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.backends.BackendRegistries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.testing.TestHub;
import org.junit.jupiter.api.Test;

/**
 * The server metrics a connection accepted before Vert.x attached them to its server ends up with
 * (issue 19, item 1): no socket metric. Micrometer's own throw (the NullPointerException that left
 * the request unanswered); the guarded ones measure nothing and let the request go on. And a client
 * inventing HTTP methods, which must not add series to the registry.
 */
class GuardedMetricsTest {

  private static final HttpRequest REQUEST = new HttpRequest() {
    public int id() { return 1; }
    public String uri() { return "/health"; }
    public String absoluteURI() { return "http://127.0.0.1/health"; }
    public HttpMethod method() { return HttpMethod.GET; }
    public MultiMap headers() { return MultiMap.caseInsensitiveMultiMap(); }
    public SocketAddress remoteAddress() { return SocketAddress.inetSocketAddress(40000, "127.0.0.1"); }
  };

  private static final HttpResponse RESPONSE = new HttpResponse() {
    public int statusCode() { return 200; }
    public MultiMap headers() { return MultiMap.caseInsensitiveMultiMap(); }
  };

  @SuppressWarnings("unchecked")
  private static HttpServerMetrics<Object, Object, Object> serverMetrics(Vertx vertx) {
    return (HttpServerMetrics<Object, Object, Object>) ((VertxInternal) vertx).metrics()
        .createHttpServerMetrics(new HttpServerOptions(), SocketAddress.inetSocketAddress(8080, "127.0.0.1"));
  }

  private static Vertx vertx(VertxMetricsFactory factory) {
    return Vertx.builder().with(Main.vertxOptions()).withMetrics(factory).build();
  }

  @Test
  void micrometersServerMetricsThrowOnAConnectionWithoutASocketMetric() {
    Vertx vertx = vertx(new MicrometerMetricsFactory());
    try {
      HttpServerMetrics<Object, Object, Object> raw = serverMetrics(vertx);
      assertThatThrownBy(() -> raw.requestBegin(null, REQUEST)).isInstanceOf(NullPointerException.class);
    } finally {
      TestHub.await(vertx.close());
    }
  }

  @Test
  void guardedServerMetricsMeasureNothingForItAndNeverThrow() {
    Vertx vertx = vertx(GuardedMetricsFactory.micrometer());
    try {
      HttpServerMetrics<Object, Object, Object> guarded = serverMetrics(vertx);
      Object request = guarded.requestBegin(null, REQUEST);
      assertThat(request).isNull();
      guarded.requestRouted(null, "/health");
      guarded.responseBegin(null, RESPONSE);
      guarded.responseEnd(null, RESPONSE, 10);
      guarded.requestEnd(null, REQUEST, 0);
      guarded.requestReset(null);
      assertThat(guarded.connected(null, null, null)).isNull();
      guarded.disconnected(null);
      guarded.bytesRead(null, REQUEST.remoteAddress(), 10);
      guarded.bytesWritten(null, REQUEST.remoteAddress(), 10);
      guarded.disconnected(null, REQUEST.remoteAddress());
      // A connection with its socket metric is measured as before.
      Object socket = guarded.connected(REQUEST.remoteAddress(), "127.0.0.1");
      assertThat(socket).isNotNull();
      Object measured = guarded.requestBegin(socket, REQUEST);
      assertThat(measured).isNotNull();
      guarded.responseBegin(measured, RESPONSE);
      guarded.responseEnd(measured, RESPONSE, 10);
      guarded.requestEnd(measured, REQUEST, 0);
      guarded.disconnected(socket, REQUEST.remoteAddress());
    } finally {
      TestHub.await(vertx.close());
    }
  }

  @Test
  void inventedMethodsAreCountedAsOtherAndAddNoSeriesOfTheirOwn() {
    Vertx vertx = vertx(GuardedMetricsFactory.micrometer());
    try {
      HttpServer server = TestHub.await(vertx.createHttpServer()
          .requestHandler(req -> req.response().setStatusCode(req.method() == HttpMethod.GET ? 200 : 405).end())
          .listen(0, "127.0.0.1"));
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultPort(server.actualPort()));
      String before = scrape();
      double otherBefore = count(before, "vertx_http_server_requests_total{code=\"405\",method=\"OTHER\"}");
      double getBefore = count(before, "vertx_http_server_requests_total{code=\"200\",method=\"GET\"}");

      for (String method : new String[] {"GET", "BREW", "XYZZY-1", "XYZZY-2"}) {
        int status = TestHub.await(client.request(HttpMethod.valueOf(method), "/")
            .compose(req -> req.send().compose(response -> response.body().map(response.statusCode()))));
        assertThat(status).isEqualTo(method.equals("GET") ? 200 : 405);
      }

      // The server counts a request as its response is written, which the client may see first
      long deadline = System.nanoTime() + 5_000_000_000L;
      String after = scrape();
      while (count(after, "vertx_http_server_requests_total{code=\"405\",method=\"OTHER\"}") < otherBefore + 3
          && System.nanoTime() < deadline) {
        after = scrape();
      }
      assertThat(count(after, "vertx_http_server_requests_total{code=\"405\",method=\"OTHER\"}")).isEqualTo(otherBefore + 3);
      assertThat(count(after, "vertx_http_server_requests_total{code=\"200\",method=\"GET\"}")).isEqualTo(getBefore + 1);
      // (The test's own client, on the same registry, counts its invented methods: vertx_http_client_*.)
      assertThat(after.lines().filter(line -> line.startsWith("vertx_http_server")))
          .noneMatch(line -> line.contains("BREW") || line.contains("XYZZY"));
    } finally {
      TestHub.await(vertx.close());
    }
  }

  private static String scrape() {
    return ((PrometheusMeterRegistry) BackendRegistries.getDefaultNow()).scrape();
  }

  /** The value of one series in a scrape, 0 when absent. */
  private static double count(String scrape, String series) {
    return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1))).orElse(0.0);
  }
}
