package io.switchboard.webhook;

import io.switchboard.core.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (iana-ipv4-special-registry,
 * iana-ipv6-special-registry), plus multicast, as webhooks see them: an address in a range that is
 * not globally reachable is refused ({@code NEVER}), unless it is one of the ranges a private
 * network uses and the operator allowed private targets ({@code PRIVATE}). The registries mark some
 * small ranges inside larger refused blocks as globally reachable ({@code GLOBAL}); the longest
 * matching prefix decides.
 */
final class SpecialRanges {

  enum Kind { GLOBAL, PRIVATE, NEVER }

  record Range(String cidr, Cidr block, Kind kind, String name) {}

  private static final List<Range> RANGES = new ArrayList<>();

  static {
    // IPv4
    add("0.0.0.0/8", Kind.NEVER, "\"this network\"");
    add("10.0.0.0/8", Kind.PRIVATE, "private");
    add("100.64.0.0/10", Kind.PRIVATE, "shared (carrier-grade NAT)");
    add("127.0.0.0/8", Kind.PRIVATE, "loopback");
    add("169.254.0.0/16", Kind.PRIVATE, "link-local");
    add("172.16.0.0/12", Kind.PRIVATE, "private");
    add("192.0.0.0/24", Kind.NEVER, "IETF protocol assignments");
    add("192.0.0.9/32", Kind.GLOBAL, "Port Control Protocol anycast");
    add("192.0.0.10/32", Kind.GLOBAL, "TURN anycast");
    add("192.0.2.0/24", Kind.NEVER, "documentation (TEST-NET-1)");
    add("192.88.99.0/24", Kind.NEVER, "deprecated 6to4 relay anycast");
    add("192.168.0.0/16", Kind.PRIVATE, "private");
    add("198.18.0.0/15", Kind.NEVER, "benchmarking");
    add("198.51.100.0/24", Kind.NEVER, "documentation (TEST-NET-2)");
    add("203.0.113.0/24", Kind.NEVER, "documentation (TEST-NET-3)");
    add("224.0.0.0/4", Kind.NEVER, "multicast");
    add("240.0.0.0/4", Kind.NEVER, "reserved");
    add("255.255.255.255/32", Kind.NEVER, "limited broadcast");
    // IPv6 (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96 and 6to4 addresses are judged by their IPv4 address)
    add("::/128", Kind.NEVER, "unspecified");
    add("::1/128", Kind.PRIVATE, "loopback");
    add("64:ff9b:1::/48", Kind.NEVER, "local-use IPv4/IPv6 translation");
    add("100::/64", Kind.NEVER, "discard-only");
    add("100:0:0:1::/64", Kind.NEVER, "dummy IPv6 prefix");
    add("2001::/23", Kind.NEVER, "IETF protocol assignments");
    add("2001::/32", Kind.NEVER, "Teredo");
    add("2001:1::1/128", Kind.GLOBAL, "Port Control Protocol anycast");
    add("2001:1::2/128", Kind.GLOBAL, "TURN anycast");
    add("2001:1::3/128", Kind.GLOBAL, "DNS-SD service registration anycast");
    add("2001:2::/48", Kind.NEVER, "benchmarking");
    add("2001:3::/32", Kind.GLOBAL, "AMT");
    add("2001:4:112::/48", Kind.GLOBAL, "AS112-v6");
    add("2001:10::/28", Kind.NEVER, "deprecated ORCHID");
    add("2001:20::/28", Kind.GLOBAL, "ORCHIDv2");
    add("2001:30::/28", Kind.GLOBAL, "drone remote ID");
    add("2001:db8::/32", Kind.NEVER, "documentation");
    add("3fff::/20", Kind.NEVER, "documentation");
    add("5f00::/16", Kind.NEVER, "segment routing SIDs");
    add("fc00::/7", Kind.PRIVATE, "private (unique local)");
    add("fe80::/10", Kind.PRIVATE, "link-local");
    add("fec0::/10", Kind.PRIVATE, "site-local");
    add("ff00::/8", Kind.NEVER, "multicast");
  }

  private SpecialRanges() {}

  private static void add(String cidr, Kind kind, String name) {
    RANGES.add(new Range(cidr, Cidr.parse(cidr), kind, name));
  }

  /** The most specific special range holding the address, or null for an ordinary global unicast address. */
  static Range find(InetAddress address) {
    byte[] bytes = address.getAddress();
    Range best = null;
    for (Range range : RANGES) {
      if (range.block().contains(bytes) && (best == null || range.block().bits() > best.block().bits())) {
        best = range;
      }
    }
    return best;
  }
}
