package io.switchboard.webhook;

import io.switchboard.core.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps webhooks from being turned against the hub's own network (SSRF): a target URL must be
 * {@code https} (unless {@code webhooks.allow_http}), and every address its host resolves to must be
 * globally reachable: in no range of the IANA special-purpose registries that is not
 * ({@link SpecialRanges}). {@code webhooks.allow_private} admits loopback, private, shared and
 * link-local ones; documentation, benchmarking, reserved and the other special ranges, and cloud
 * metadata addresses, are refused always: no webhook has business there.
 *
 * <p>The check runs when an endpoint is registered and again before every attempt, and the sender
 * then connects to the very address it checked, so a DNS answer that changes in between (DNS
 * rebinding) cannot steer a request inside.
 */
final class AddressGuard {

  /** Where an endpoint's URL points: scheme, host and port, checked for shape. */
  record Target(URI uri, boolean https, String host, int port) {}

  private static final int MAX_URL = 2048;
  private static final Set<String> METADATA = Set.of(
      "169.254.169.254",                       // AWS, GCP, Azure, OpenStack, DigitalOcean ...
      "169.254.170.2",                         // AWS ECS task metadata
      "100.100.100.200",                       // Alibaba Cloud
      "192.0.0.192",                           // Oracle Cloud
      "fd00:ec2:0:0:0:0:0:254");               // AWS over IPv6

  private final boolean allowPrivate;
  private final boolean allowHttp;

  AddressGuard(boolean allowPrivate, boolean allowHttp) {
    this.allowPrivate = allowPrivate;
    this.allowHttp = allowHttp;
  }

  /** Parses and checks the URL's shape; 422 {@code invalid-url} saying what is wrong. */
  Target target(Object value) {
    if (!(value instanceof String url) || url.isBlank()) {
      throw invalidUrl("url is required: the absolute https:// URL to POST events to");
    }
    if (url.length() > MAX_URL) {
      throw invalidUrl("url is longer than " + MAX_URL + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalidUrl("url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http"))) {
      throw invalidUrl("url must be an absolute http(s) URL, not '" + url + "'");
    }
    if (scheme.equals("http") && !allowHttp) {
      throw new Problem(422, "insecure-url", "Invalid content",
          "url must use https (plain http is allowed only with webhooks.allow_http / SWITCHBOARD_WEBHOOKS_ALLOW_HTTP)");
    }
    if (uri.getRawUserInfo() != null) {
      throw invalidUrl("url must not carry credentials (user:password@): they would be sent with every event");
    }
    if (uri.getRawFragment() != null) {
      throw invalidUrl("url must not have a #fragment: it is never sent");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw invalidUrl("url has no host name");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    return new Target(uri, scheme.equals("https"), host, port);
  }

  /**
   * Resolves the target's host (on a worker thread) and checks every address it has: all must be
   * allowed, or none is used. The future holds the address to connect to, or fails with a 422
   * problem ({@code forbidden-address}, {@code unresolvable-host}).
   */
  Future<InetAddress> resolve(Vertx vertx, Target target) {
    return vertx.executeBlocking(() -> {
      InetAddress[] addresses;
      try {
        addresses = InetAddress.getAllByName(target.host());
      } catch (UnknownHostException e) {
        throw new Problem(422, "unresolvable-host", "Invalid content", "the host " + target.host() + " does not resolve");
      }
      for (InetAddress address : addresses) {
        String refusal = refusal(address);
        if (refusal != null) {
          throw new Problem(422, "forbidden-address", "Invalid content", "the host " + target.host() + " resolves to "
              + address.getHostAddress() + ", " + refusal);
        }
      }
      return addresses[0];
    }, false);
  }

  /** Why the address may not be a webhook target, or null when it may. */
  String refusal(InetAddress address) {
    InetAddress effective = embeddedIpv4(address);
    String text = effective.getHostAddress();
    if (METADATA.contains(text) || METADATA.contains(address.getHostAddress())) {
      return "a cloud metadata address, which webhooks never target";
    }
    // An address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by the IPv4 address.
    SpecialRanges.Range range = SpecialRanges.find(effective);
    if (range == null) {
      return null;
    }
    return switch (range.kind()) {
      case GLOBAL -> null;
      case PRIVATE -> allowPrivate ? null
          : "a " + range.name() + " address (allowed only with webhooks.allow_private / SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE)";
      case NEVER -> "in " + range.cidr() + " (" + range.name() + "), which is not a unicast address webhooks can target";
    };
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address; else the address. */
  static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    byte[] v4 = null;
    if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      v4 = new byte[] {b[12], b[13], b[14], b[15]};                                   // ::ffff:a.b.c.d
    } else if (allZero(b, 0, 12) && !(allZero(b, 12, 15) && (b[15] == 0 || b[15] == 1))) {
      v4 = new byte[] {b[12], b[13], b[14], b[15]};                                   // ::a.b.c.d
    } else if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && allZero(b, 4, 12)) {
      v4 = new byte[] {b[12], b[13], b[14], b[15]};                                   // 64:ff9b::a.b.c.d
    } else if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
      v4 = new byte[] {b[2], b[3], b[4], b[5]};                                       // 2002:aabb:ccdd::
    }
    if (v4 == null) {
      return address;
    }
    try {
      return InetAddress.getByAddress(v4);
    } catch (UnknownHostException impossible) {
      return address;
    }
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Problem invalidUrl(String detail) {
    return new Problem(422, "invalid-url", "Invalid content", detail);
  }
}
