package io.switchboard.gateway.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
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

  private static final Set<String> FIELDS = Set.of("name", "hash", "scopes", "topics", "streams", "queues", "commands",
      "queries", "description");

  /** Reads {@code auth.api_keys}; throws IllegalArgumentException naming the entry and field at fault. */
  ApiKeys(JsonArray entries) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "auth.api_keys[" + i + "]";
      if (!(entries.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException(where + ": must be an object {\"name\", \"hash\", \"scopes\", ...}");
      }
      for (String field : entry.fieldNames()) {
        if (!FIELDS.contains(field)) {
          // A misspelt grant ("stream") would otherwise leave the key unlimited.
          throw new IllegalArgumentException(where + "." + field + ": unknown field (expected one of "
              + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
        }
      }
      String hash = entry.getValue("hash") instanceof String h ? h : "";
      if (!hash.matches("sha256:[0-9a-f]{64}")) {
        throw new IllegalArgumentException(where + ".hash: must be sha256:<64 lower-case hex digits> "
            + "(java -jar switchboard.jar keygen)");
      }
      if (!(entry.getValue("name") instanceof String name) || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw new IllegalArgumentException(where + ".name: must be 1-64 characters of A-Z a-z 0-9 _ . -");
      }
      if (!names.add(name)) {
        // The name is the key's identity: its client ids and its rate limit.
        throw new IllegalArgumentException(where + ".name: another key is already named " + name);
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (Object scope : Grants.list(entry.getValue("scopes", new JsonArray()), where + ".scopes")) {
        try {
          scopes.add(Scope.of(String.valueOf(scope)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ".scopes: " + e.getMessage());
        }
      }
      Grants grants = Grants.from(entry, "topics", Grants.Holder.API_KEY, where);
      byHash.put(hash.substring(7), new Principal("key:" + name, scopes, grants, null));
    }
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
