package io.switchboard.gateway.security;

import io.switchboard.core.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps web pages from driving the hub behind their visitors' backs, with no credentials needed
 * from anyone (the default hub on 127.0.0.1 has none):
 *
 * <ul>
 *   <li>a request whose {@code Host} is not a name the hub answers to gets 421: a page on
 *       {@code rebind.evil.example} whose name an attacker pointed at 127.0.0.1 (DNS rebinding)
 *       reaches nothing;</li>
 *   <li>a request from a web page ({@code Origin}) that is neither the hub itself nor one of
 *       {@code http.cors.allowed_origins} gets 403, WebSocket and SockJS upgrades included (they are
 *       not subject to the browser's CORS checks);</li>
 *   <li>the listed origins get CORS answers (vertx-web's CorsHandler: preflights, credentials) and
 *       no one else does;</li>
 *   <li>the JSON routes refuse bodies of other content types with 415, so no "simple" cross-site
 *       request (text/plain, form or multipart, which a page may send without asking) reaches them.</li>
 * </ul>
 *
 * The hub answers to {@code localhost}, {@code 127.0.0.1}, {@code ::1}, the address it binds (every
 * local interface's and the machine's name when it binds all of them), the names in its TLS
 * certificate, and {@code http.allowed_hosts}.
 */
public final class BrowserGuard {

  private static final Logger log = LoggerFactory.getLogger(BrowserGuard.class);
  private static final Set<String> WILDCARD_BINDS = Set.of("0.0.0.0", "0:0:0:0:0:0:0:0");

  private final boolean anyHost;
  private final Set<String> hosts = new LinkedHashSet<>();
  private final List<String> domains;
  private final Set<String> origins;
  private final CorsHandler cors;

  /**
   * @param boundHost the address the HTTP server binds
   * @param certPath  the TLS certificate chain (PEM), or null without TLS
   */
  public BrowserGuard(BrowserSettings settings, String boundHost, String certPath) {
    this.anyHost = settings.allowedHosts().contains("*");
    this.domains = settings.allowedHosts().stream().filter(h -> h.startsWith("*.")).map(h -> h.substring(1)).toList();
    hosts.addAll(settings.allowedHosts());
    List.of("localhost", "127.0.0.1", "::1").forEach(h -> hosts.add(BrowserSettings.normalHost(h)));
    String bound = BrowserSettings.normalHost(boundHost);
    if (WILDCARD_BINDS.contains(bound)) {
      hosts.addAll(localNames());
    } else {
      hosts.add(bound);
    }
    if (certPath != null) {
      hosts.addAll(certificateNames(Path.of(certPath)));
    }
    this.origins = Set.copyOf(settings.allowedOrigins());
    this.cors = origins.isEmpty() ? null : CorsHandler.create()
        .addOrigins(settings.allowedOrigins())
        .allowCredentials(true)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
        .exposedHeaders(Set.of("Location", "Retry-After", "WWW-Authenticate", "X-Correlation-Id"))
        .maxAgeSeconds(600);
    log.debug("answering to hosts {}{}; web page origins {}", hosts, anyHost ? " (and any other)" : "", origins);
  }

  /** The first route handler: host, then origin, then CORS for the listed origins. */
  public void handle(RoutingContext ctx) {
    HostAndPort authority = ctx.request().authority();
    if (!anyHost && (authority == null || !answersTo(BrowserSettings.normalHost(authority.host())))) {
      throw new Problem(421, "misdirected-request", "Misdirected request", "this hub does not answer to the host "
          + (authority == null ? "(none given)" : "'" + authority.host() + "'") + ": add it to http.allowed_hosts");
    }
    String origin = ctx.request().getHeader("Origin");
    if (origin == null || sameOrigin(origin, authority)) {
      ctx.next();
      return;
    }
    String normal = BrowserSettings.normalOrigin(origin);
    if (normal == null || !origins.contains(normal)) {
      throw new Problem(403, "forbidden-origin", "Forbidden", "requests from web pages of " + origin
          + " are refused: list the origin in http.cors.allowed_origins to let its pages call the hub");
    }
    cors.handle(ctx);
  }

  /**
   * For the JSON routes, before the body is read: a body must be JSON ({@code application/json} or
   * any {@code +json} type) or come without a Content-Type; anything else is 415.
   */
  public static void requireJsonBody(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || type.isBlank()) {
      return;
    }
    int semicolon = type.indexOf(';');
    String base = (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    if (!(base.equals("application/json") || (base.startsWith("application/") && base.endsWith("+json")))) {
      throw new Problem(415, "unsupported-media-type", "Unsupported media type", "the API takes JSON: send Content-Type: "
          + "application/json (or application/cloudevents+json), not " + base);
    }
  }

  private boolean answersTo(String host) {
    return hosts.contains(host) || domains.stream().anyMatch(host::endsWith);
  }

  /** Whether a page's origin is the hub itself: the same host and port as the request was sent to. */
  private static boolean sameOrigin(String origin, HostAndPort authority) {
    String normal = BrowserSettings.normalOrigin(origin);
    if (normal == null || authority == null) {
      return false;
    }
    String scheme = normal.substring(0, normal.indexOf(':'));
    int defaultPort = scheme.equals("https") ? 443 : 80;
    String rest = normal.substring(scheme.length() + 3);
    int colon = rest.lastIndexOf(':');
    boolean explicitPort = colon > rest.lastIndexOf(']');
    String originHost = BrowserSettings.normalHost(explicitPort ? rest.substring(0, colon) : rest);
    int originPort = explicitPort ? Integer.parseInt(rest.substring(colon + 1)) : defaultPort;
    int requestPort = authority.port() == -1 ? defaultPort : authority.port();
    return originHost.equals(BrowserSettings.normalHost(authority.host())) && originPort == requestPort;
  }

  /** Every address of this machine's interfaces, and its name: what a hub bound to all of them may be called. */
  private static Set<String> localNames() {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          String text = address.getHostAddress();
          int zone = text.indexOf('%');
          names.add(BrowserSettings.normalHost(zone < 0 ? text : text.substring(0, zone)));
        }
      }
    } catch (SocketException e) {
      log.warn("cannot list the network interfaces ({}): only the configured host names are answered", e.getMessage());
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      names.add(local.getHostName().toLowerCase(Locale.ROOT));
      names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
    } catch (UnknownHostException e) {
      log.debug("this machine's name does not resolve: {}", e.getMessage());
    }
    return names;
  }

  /** The DNS names and addresses a TLS certificate is for (its subject alternative names, else its CN). */
  static Set<String> certificateNames(Path pem) {
    Set<String> names = new LinkedHashSet<>();
    try (InputStream in = Files.newInputStream(pem)) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificates(in).iterator().next();
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 7) { // dNSName, iPAddress
            names.add(BrowserSettings.normalHost(String.valueOf(san.get(1))));
          }
        }
      }
      if (names.isEmpty()) {
        for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(BrowserSettings.normalHost(String.valueOf(rdn.getValue())));
          }
        }
      }
    } catch (IOException | CertificateException | InvalidNameException | RuntimeException e) {
      // The server fails on a broken certificate anyway, with its own message.
      log.warn("cannot read the host names of {}: {}", pem, e.toString());
    }
    return names;
  }
}
