package io.switchboard.core;

import io.netty.util.NetUtil;

/**
 * An IPv4 or IPv6 address block: the trusted proxies of the gateway and the special-purpose ranges
 * webhooks refuse are both lists of these.
 */
public record Cidr(byte[] network, int bits) {

  /**
   * {@code 10.0.0.0/8}, {@code fd00::/8}, or one address (a block of one). Throws
   * IllegalArgumentException saying what is wrong, for the caller to name the setting.
   */
  public static Cidr parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? trimmed : trimmed.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
    }
    int bits = address.length * 8;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(trimmed.substring(slash + 1));
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > address.length * 8) {
        throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
      }
    }
    return new Cidr(address, bits);
  }

  /** Whether the address (4 or 16 bytes) is in this block; never across families. */
  public boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = bits / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = bits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }
}
