package io.switchboard;

import io.switchboard.gateway.security.ApiKeys;
import io.switchboard.gateway.security.Scope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code java -jar switchboard.jar keygen [--name NAME] [--scopes publish,subscribe,admin]}: prints a
 * new API key once, and the entry for {@code auth.api_keys} that holds only its hash.
 */
final class KeyGen {

  private KeyGen() {}

  static int run(String... args) {
    String name = "key";
    String scopes = "publish,subscribe";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--name" -> name = i + 1 < args.length ? args[++i] : name;
        case "--scopes" -> scopes = i + 1 < args.length ? args[++i] : scopes;
        default -> {
          System.err.println("usage: java -jar switchboard.jar keygen [--name NAME] [--scopes publish,subscribe,admin]");
          return 2;
        }
      }
    }
    JsonArray scopeList = new JsonArray();
    try {
      for (String scope : scopes.split(",")) {
        scopeList.add(Scope.of(scope).toString());
      }
    } catch (IllegalArgumentException e) {
      System.err.println("keygen: " + e.getMessage());
      return 2;
    }
    String key = ApiKeys.generate();
    System.out.println("API key (shown once; the hub keeps only its hash):");
    System.out.println("  " + key);
    System.out.println("Add this entry to auth.api_keys in conf/switchboard.json:");
    System.out.println("  " + new JsonObject().put("name", name).put("hash", "sha256:" + ApiKeys.sha256(key))
        .put("scopes", scopeList).encode());
    return 0;
  }
}
