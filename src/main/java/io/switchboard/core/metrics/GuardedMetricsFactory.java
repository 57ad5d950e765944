package io.switchboard.core.metrics;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Micrometer metrics, guarded so that a metric can never fail a connection or a request.
 *
 * <p>Why: in Vert.x 5.0.7 an HTTP connection's socket metric (taken when the channel is set up)
 * and the server's HTTP metrics (taken later, when its HTTP/1 handler is configured) are read
 * separately from the server's metrics field, which is assigned late (in the bind listener, a plain
 * field, copied by each instance sharing the port at its own listen). A connection that saw no
 * metrics first and the metrics second gets {@code requestBegin(null, …)}: Micrometer throws a
 * NullPointerException inside Netty's pipeline and the request is never answered. Here the server
 * metrics treat a missing socket (or request) metric as "not measured", and any exception a metric
 * throws is swallowed (logged at debug): measurement is never worth a request.
 *
 * <p>A request whose method is not one of HTTP's own (any token is a method on the wire) is measured
 * as {@code OTHER}: the request meters are tagged with the method, and a client inventing methods
 * would add series to the registry without bound (six per method, before any credential is read).
 */
public final class GuardedMetricsFactory implements VertxMetricsFactory {

  private static final Logger log = LoggerFactory.getLogger(GuardedMetricsFactory.class);

  private final VertxMetricsFactory delegate;

  public GuardedMetricsFactory(VertxMetricsFactory delegate) {
    this.delegate = delegate;
  }

  /** What every node runs: Micrometer (Prometheus), guarded. */
  public static GuardedMetricsFactory micrometer() {
    return new GuardedMetricsFactory(new MicrometerMetricsFactory());
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics metrics = delegate.metrics(options);
    return metrics == null ? null : new GuardedVertxMetrics(metrics);
  }

  @Override
  public MetricsOptions newOptions() {
    return delegate.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return delegate.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return delegate.newOptions(json);
  }

  static void quietly(Runnable metric) {
    try {
      metric.run();
    } catch (RuntimeException e) {
      log.debug("a metric failed (ignored): {}", e.toString());
    }
  }

  static <T> T quietly(Supplier<T> metric) {
    try {
      return metric.get();
    } catch (RuntimeException e) {
      log.debug("a metric failed (ignored): {}", e.toString());
      return null;
    }
  }

  /** Delegates everything; wraps the server metrics, where the socket metric may be missing. */
  private static final class GuardedVertxMetrics implements VertxMetrics {
    private final VertxMetrics d;

    GuardedVertxMetrics(VertxMetrics delegate) {
      this.d = delegate;
    }

    @Override
    public EventBusMetrics createEventBusMetrics() {
      return d.createEventBusMetrics();
    }

    @Override
    @SuppressWarnings("unchecked")
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> metrics = d.createHttpServerMetrics(options, localAddress);
      return metrics == null ? null : new GuardedHttpServerMetrics((HttpServerMetrics<Object, Object, Object>) metrics);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return d.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return d.createHttpClientMetrics(options);
    }

    @Override
    @SuppressWarnings("unchecked")
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      TCPMetrics<?> metrics = d.createNetServerMetrics(options, localAddress);
      return metrics == null ? null : new GuardedTcpMetrics<>((TCPMetrics<Object>) metrics);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return d.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return d.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return d.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      d.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return d.isMetricsEnabled();
    }

    @Override
    public void close() {
      d.close();
    }
  }

  /** A server's connection metrics: a missing socket metric is "not measured". */
  static class GuardedTcpMetrics<M extends TCPMetrics<Object>> implements TCPMetrics<Object> {
    final M d;

    GuardedTcpMetrics(M delegate) {
      this.d = delegate;
    }

    @Override
    public Object connected(SocketAddress remoteAddress, String remoteName) {
      return quietly(() -> d.connected(remoteAddress, remoteName));
    }

    @Override
    public void disconnected(Object socketMetric, SocketAddress remoteAddress) {
      if (socketMetric != null) {
        quietly(() -> d.disconnected(socketMetric, remoteAddress));
      }
    }

    @Override
    public void bytesRead(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        quietly(() -> d.bytesRead(socketMetric, remoteAddress, numberOfBytes));
      }
    }

    @Override
    public void bytesWritten(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        quietly(() -> d.bytesWritten(socketMetric, remoteAddress, numberOfBytes));
      }
    }

    @Override
    public void exceptionOccurred(Object socketMetric, SocketAddress remoteAddress, Throwable t) {
      if (socketMetric != null) {
        quietly(() -> d.exceptionOccurred(socketMetric, remoteAddress, t));
      }
    }

    @Override
    public void close() {
      quietly(d::close);
    }
  }

  private static final HttpMethod OTHER_METHOD = HttpMethod.valueOf("OTHER");
  private static final Set<HttpMethod> HTTP_METHODS = Set.copyOf(HttpMethod.values());

  /** A request whose invented method is measured as {@link #OTHER_METHOD}. */
  private record OtherMethod(HttpRequest request) implements HttpRequest {
    @Override
    public HttpMethod method() {
      return OTHER_METHOD;
    }

    @Override
    public int id() {
      return request.id();
    }

    @Override
    public String uri() {
      return request.uri();
    }

    @Override
    public String absoluteURI() {
      return request.absoluteURI();
    }

    @Override
    public MultiMap headers() {
      return request.headers();
    }

    @Override
    public SocketAddress remoteAddress() {
      return request.remoteAddress();
    }
  }

  /** A request without a socket metric (or a response without a request metric) is not measured. */
  static final class GuardedHttpServerMetrics extends GuardedTcpMetrics<HttpServerMetrics<Object, Object, Object>>
      implements HttpServerMetrics<Object, Object, Object> {

    GuardedHttpServerMetrics(HttpServerMetrics<Object, Object, Object> delegate) {
      super(delegate);
    }

    @Override
    public Object requestBegin(Object socketMetric, HttpRequest request) {
      if (socketMetric == null) {
        return null;
      }
      HttpRequest measured = HTTP_METHODS.contains(request.method()) ? request : new OtherMethod(request);
      return quietly(() -> d.requestBegin(socketMetric, measured));
    }

    @Override
    public void requestEnd(Object requestMetric, HttpRequest request, long bytesRead) {
      if (requestMetric != null) {
        quietly(() -> d.requestEnd(requestMetric, request, bytesRead));
      }
    }

    @Override
    public void requestReset(Object requestMetric) {
      if (requestMetric != null) {
        quietly(() -> d.requestReset(requestMetric));
      }
    }

    @Override
    public void responseBegin(Object requestMetric, HttpResponse response) {
      if (requestMetric != null) {
        quietly(() -> d.responseBegin(requestMetric, response));
      }
    }

    @Override
    public Object responsePushed(Object socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return socketMetric == null ? null : quietly(() -> d.responsePushed(socketMetric, method, uri, response));
    }

    @Override
    public void responseEnd(Object requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric != null) {
        quietly(() -> d.responseEnd(requestMetric, response, bytesWritten));
      }
    }

    @Override
    public Object connected(Object socketMetric, Object requestMetric, ServerWebSocket serverWebSocket) {
      return socketMetric == null || requestMetric == null ? null
          : quietly(() -> d.connected(socketMetric, requestMetric, serverWebSocket));
    }

    @Override
    public void disconnected(Object webSocketMetric) {
      if (webSocketMetric != null) {
        quietly(() -> d.disconnected(webSocketMetric));
      }
    }

    @Override
    public void requestRouted(Object requestMetric, String route) {
      if (requestMetric != null) {
        quietly(() -> d.requestRouted(requestMetric, route));
      }
    }
  }
}
