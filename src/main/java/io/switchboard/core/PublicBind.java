package io.switchboard.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Secure by default: without credentials a hub serves only this machine. A listener bound to any
 * address other machines can reach (anything but loopback, such as 0.0.0.0) without credentials
 * configured is refused, naming the listener and what to set. Every listener goes through here,
 * on the configuration its verticle really receives.
 */
public final class PublicBind {

  /** A listener the rule refuses; the launcher turns it into exit code 2. */
  public static final class Refused extends IllegalStateException {
    Refused(String message) {
      super(message);
    }
  }

  private PublicBind() {}

  /** Throws {@link Refused} when {@code listener} may not bind its host with {@code conf}'s credentials. */
  public static void require(Listening.Listener listener, JsonObject conf) {
    if (!isLoopback(listener.hostField(), listener.host()) && !credentialsConfigured(conf)) {
      throw new Refused("the " + listener.name() + " listener would bind " + listener.host() + " (" + listener.hostField()
          + "), which other machines can reach, and no credentials are configured: set auth.api_keys (java -jar "
          + "switchboard.jar keygen prints an entry) or auth.jwt (SWITCHBOARD_JWT_SECRET), or bind it to 127.0.0.1 ("
          + listener.hostField() + ")");
    }
  }

  /** Whether any credential is configured, i.e. whether auth is on. */
  public static boolean credentialsConfigured(JsonObject conf) {
    Object auth = conf.getValue("auth");
    if (!(auth instanceof JsonObject a)) {
      return false;
    }
    boolean keys = a.getValue("api_keys") instanceof JsonArray list && !list.isEmpty();
    return keys || (a.getValue("jwt") instanceof JsonObject jwt && (jwt.getValue("hs256_secret") instanceof String
        || jwt.getValue("public_keys") instanceof JsonArray publicKeys && !publicKeys.isEmpty()));
  }

  /** Whether {@code host} (from {@code field}) is a loopback address; one that does not resolve is refused. */
  public static boolean isLoopback(String field, String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new Refused(field + " " + host + " does not resolve");
    }
  }
}
