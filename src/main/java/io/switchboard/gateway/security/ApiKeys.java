package io.switchboard.gateway.security;

import io.switchboard.core.TopicPattern;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * API keys, known to the hub only by their SHA-256 hash ({@code auth.api_keys} in conf).
 *
 * <p>Keys are 256 random bits, so a fast hash is enough (a slow password hash protects guessable
 * secrets, which these are not), and lookup by hash never compares the key itself.
 */
public final class ApiKeys {

  public static final String PREFIX = "sbk_";

  private final Map<String, Principal> byHash = new HashMap<>();

  ApiKeys(JsonArray entries) {
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = entries.getJsonObject(i);
      String hash = entry.getString("hash", "");
      if (!hash.startsWith("sha256:") || hash.length() != 7 + 64) {
        throw new IllegalArgumentException("auth.api_keys[" + i + "].hash must be sha256:<64 hex digits> (java -jar switchboard.jar keygen)");
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (Object scope : entry.getJsonArray("scopes", new JsonArray())) {
        scopes.add(Scope.of(String.valueOf(scope)));
      }
      JsonObject topics = entry.getJsonObject("topics");
      byHash.put(hash.substring(7), new Principal("key:" + entry.getString("name", "key-" + i), scopes,
          patterns(topics, "subscribe"), patterns(topics, "publish"), null));
    }
  }

  static List<TopicPattern> patterns(JsonObject topics, String direction) {
    if (topics == null || topics.getJsonArray(direction) == null) {
      return null;
    }
    return topics.getJsonArray(direction).stream().map(p -> TopicPattern.parse(String.valueOf(p))).toList();
  }

  boolean isEmpty() {
    return byHash.isEmpty();
  }

  /** The principal of a presented key, or null. */
  Principal find(String key) {
    return byHash.get(sha256(key));
  }

  public static String generate() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  public static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
