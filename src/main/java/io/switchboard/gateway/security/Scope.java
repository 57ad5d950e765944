package io.switchboard.gateway.security;

import java.util.Locale;

/** What a credential may do. {@code admin} includes the others. */
public enum Scope {
  PUBLISH, SUBSCRIBE, ADMIN;

  public static Scope of(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown scope '" + name + "' (publish, subscribe, admin)");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
