package io.switchboard.gateway.security;

import io.netty.util.NetUtil;
import io.switchboard.core.Cidr;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who the client of a request is, for limits, logs and metrics.
 *
 * <p>The TCP peer, unless it is one of {@code http.trusted_proxies} (addresses or CIDRs): then the
 * hops its {@code Forwarded} (else {@code X-Forwarded-For}) header lists are walked from the right,
 * past further trusted proxies, to the first one that is not trusted. A client cannot forge its
 * way past a limit: headers from an untrusted peer are ignored, and the hops a client wrote itself
 * (left of the ones trusted proxies appended) are never reached while an untrusted hop stands in
 * between.
 *
 * <p>Limits count IPv6 clients per /64 ({@link #limitKey}): one host usually holds a whole /64.
 */
public final class ClientAddresses {

  private final List<Cidr> trusted;

  public ClientAddresses(JsonObject conf) {
    this.trusted = parse(conf.getJsonObject("http", new JsonObject()).getValue("trusted_proxies"));
  }

  /** Throws IllegalArgumentException naming the entry at fault. */
  static List<Cidr> parse(Object entries) {
    List<Cidr> out = new ArrayList<>();
    if (entries == null) {
      return out;
    }
    if (!(entries instanceof JsonArray list)) {
      throw new IllegalArgumentException("http.trusted_proxies: must be a list of addresses or CIDRs");
    }
    for (Object entry : list) {
      try {
        out.add(Cidr.parse(entry instanceof String text ? text : ""));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("http.trusted_proxies: " + (entry instanceof String ? e.getMessage()
            : "'" + entry + "' is not an IP address or CIDR"));
      }
    }
    return out;
  }

  /** The client's address (as text) for this request. */
  public String of(HttpServerRequest request) {
    String peer = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    List<String> hops = hops(request);
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      if (NetUtil.createByteArrayFromIpAddressString(hop) == null) {
        break; // unknown, obfuscated or garbage: keep the last address we can vouch for
      }
      client = hop;
      if (!isTrusted(hop)) {
        break;
      }
    }
    return normalize(client);
  }

  private boolean isTrusted(String address) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null) {
      return false;
    }
    if (bytes.length == 16 && NetUtil.isValidIpV6Address(address) && isMappedV4(bytes)) {
      bytes = java.util.Arrays.copyOfRange(bytes, 12, 16);
    }
    for (Cidr cidr : trusted) {
      if (cidr.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isMappedV4(byte[] v6) {
    for (int i = 0; i < 10; i++) {
      if (v6[i] != 0) {
        return false;
      }
    }
    return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
  }

  /** The hops of {@code Forwarded} ({@code for=}), else of {@code X-Forwarded-For}, left to right. */
  static List<String> hops(HttpServerRequest request) {
    List<String> hops = new ArrayList<>();
    List<String> forwarded = request.headers().getAll("Forwarded");
    if (!forwarded.isEmpty()) {
      for (String header : forwarded) {
        for (String element : header.split(",")) {
          String found = null;
          for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
              found = hostOf(pair.substring(eq + 1).trim());
            }
          }
          hops.add(found == null ? "" : found);
        }
      }
      return hops;
    }
    for (String header : request.headers().getAll("X-Forwarded-For")) {
      for (String hop : header.split(",")) {
        hops.add(hostOf(hop.trim()));
      }
    }
    return hops;
  }

  /** {@code "[2001:db8::1]:4711"}, {@code 192.0.2.1:80}, quoted or not, to the bare address. */
  private static String hostOf(String value) {
    String v = value;
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      return close > 0 ? v.substring(1, close) : "";
    }
    int colon = v.indexOf(':');
    if (colon > 0 && v.indexOf(':', colon + 1) < 0) {
      return v.substring(0, colon); // IPv4 with a port
    }
    return v;
  }

  private static String normalize(String address) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    return bytes == null ? address : NetUtil.bytesToIpAddress(bytes);
  }

  /** What limits count by: the address, or its /64 for IPv6. */
  public static String limitKey(String address) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null || bytes.length == 4) {
      return address;
    }
    if (isMappedV4(bytes)) {
      return NetUtil.bytesToIpAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
    }
    byte[] prefix = java.util.Arrays.copyOf(bytes, 16);
    java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
    return NetUtil.bytesToIpAddress(prefix) + "/64";
  }
}
