package io.switchboard.gateway;

import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ids the server gives a WebSocket that did not choose one ({@code GET /ws}):
 * {@code ws-{instance}-{random}}, where {@code instance} names the gateway instance that holds the
 * connection and {@code random} is 128 bits from a {@link SecureRandom} (as unguessable as the
 * UUIDs they replace: on a hub without credentials knowing an id is what lets one message it).
 *
 * <p>Naming the instance is what lets these connections skip the cluster-wide presence entry: a
 * personal message goes straight to that instance's own address ({@link RealtimeAddresses#instance})
 * and is answered there from its own connections. Parsing is strict, and nothing is trusted because
 * of it: a forged or stale id only chooses where to ask, and the answer is the holder's.
 */
final class AssignedClientIds {

  private static final Pattern SHAPE = Pattern.compile("ws-([0-9a-z]{12})-[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();
  /** 36^12: instance tokens are 12 base-36 digits. */
  private static final long INSTANCE_TOKENS = 4_738_381_338_321_616_896L;

  private final String instance;

  private AssignedClientIds(String instance) {
    this.instance = instance;
  }

  /** Ids for a new gateway instance, with a token of its own (62 random bits: unique in any cluster). */
  static AssignedClientIds forNewInstance() {
    String token = Long.toString(Math.floorMod(RANDOM.nextLong(), INSTANCE_TOKENS), 36);
    return new AssignedClientIds("0".repeat(12 - token.length()) + token);
  }

  /** This instance's token: the part of its ids that names it. */
  String instance() {
    return instance;
  }

  String next() {
    return "ws-" + instance + "-" + hex(RANDOM.nextLong()) + hex(RANDOM.nextLong());
  }

  /** The instance token named by {@code clientId}, or null when it does not have an assigned id's shape. */
  static String instanceOf(String clientId) {
    if (clientId == null || clientId.length() != 48) {
      return null;
    }
    Matcher matcher = SHAPE.matcher(clientId);
    return matcher.matches() ? matcher.group(1) : null;
  }

  private static String hex(long bits) {
    String digits = Long.toHexString(bits);
    return "0".repeat(16 - digits.length()) + digits;
  }
}
