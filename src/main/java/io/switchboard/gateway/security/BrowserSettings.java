package io.switchboard.gateway.security;

import io.netty.util.NetUtil;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the gateway accepts from browsers, from the {@code http} section: the host names it answers
 * to beyond its defaults ({@code http.allowed_hosts}) and the web page origins that may call it
 * ({@code http.cors.allowed_origins}, none by default). Checked once, so a mistake stops start-up
 * with the field named.
 *
 * @param allowedHosts   host names or addresses ({@code hub.example.com}, {@code 10.0.0.5}), {@code *.example.com}
 *                       for every name under a domain, or {@code *} to answer to any (behind a proxy that checks it)
 * @param allowedOrigins origins, {@code scheme://host[:port]}, lower-case, without a default port
 */
public record BrowserSettings(List<String> allowedHosts, List<String> allowedOrigins) {

  private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9_.-]+|\\*|\\[?[0-9A-Fa-f:.]+]?");

  /** Reads and checks the settings; throws IllegalArgumentException naming the field at fault. */
  public static BrowserSettings from(JsonObject conf) {
    JsonObject http = object(conf.getValue("http"), "http");
    List<String> hosts = new ArrayList<>();
    JsonArray hostList = array(http.getValue("allowed_hosts"), "http.allowed_hosts");
    for (int i = 0; i < hostList.size(); i++) {
      if (!(hostList.getValue(i) instanceof String host) || !HOST.matcher(host).matches()) {
        throw new IllegalArgumentException("http.allowed_hosts[" + i + "]: must be a host name or address, "
            + "*.domain for the names under it, or * for any");
      }
      hosts.add(normalHost(host));
    }
    JsonObject cors = object(http.getValue("cors"), "http.cors");
    List<String> origins = new ArrayList<>();
    JsonArray originList = array(cors.getValue("allowed_origins"), "http.cors.allowed_origins");
    for (int i = 0; i < originList.size(); i++) {
      String field = "http.cors.allowed_origins[" + i + "]";
      Object origin = originList.getValue(i);
      if ("*".equals(origin)) {
        throw new IllegalArgumentException(field + ": \"*\" would let every web page call the hub with its visitors' "
            + "access: list each origin, such as https://app.example.com");
      }
      if ("null".equals(origin)) {
        throw new IllegalArgumentException(field + ": \"null\" is the origin of file:// pages and sandboxed frames, which "
            + "any web page can make: serve the page over http(s) and list that origin");
      }
      String normal = origin instanceof String text ? normalOrigin(text) : null;
      if (normal == null) {
        throw new IllegalArgumentException(field + ": must be an origin, scheme://host[:port] such as https://app.example.com "
            + "(no path)");
      }
      origins.add(normal);
    }
    for (String field : cors.fieldNames()) {
      if (!field.equals("allowed_origins")) {
        throw new IllegalArgumentException("http.cors." + field + ": unknown field (expected allowed_origins)");
      }
    }
    return new BrowserSettings(List.copyOf(hosts), List.copyOf(origins));
  }

  /** A host as compared: a name in lower case, an address in its one canonical form (IPv6 without brackets). */
  static String normalHost(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    String bare = lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    // An address literal only: a host header must never make the hub look a name up.
    InetAddress address = NetUtil.createInetAddressFromIpAddressString(bare);
    return address == null ? bare : address.getHostAddress();
  }

  /** {@code scheme://host[:port]} in the form browsers send (lower-case, no default port), or null when it is not one. */
  static String normalOrigin(String origin) {
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
          && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || !bare) {
        return null;
      }
      int port = uri.getPort();
      boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static JsonObject object(Object value, String field) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject object)) {
      throw new IllegalArgumentException(field + ": must be a JSON object");
    }
    return object;
  }

  private static JsonArray array(Object value, String field) {
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array)) {
      throw new IllegalArgumentException(field + ": must be a list");
    }
    return array;
  }
}
