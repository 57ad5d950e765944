package io.switchboard.webhook;

import io.switchboard.core.Problem;
import java.security.SecureRandom;
import java.util.Base64;

/** Endpoint secrets in the Standard Webhooks form: {@code whsec_} + base64 of 24 to 64 random bytes. */
final class Secrets {

  static final String PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static String generate() {
    byte[] key = new byte[24];
    RANDOM.nextBytes(key);
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The HMAC key of a secret. */
  static byte[] key(String secret) {
    return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
  }

  /** Checks a secret given by a client; 422 saying what is wrong. */
  static String validate(Object value) {
    if (!(value instanceof String secret) || !secret.startsWith(PREFIX)) {
      throw Problem.invalid("invalid-secret", "secret must be a string " + PREFIX + "<base64 of 24 to 64 bytes>, or be left out to have one generated");
    }
    byte[] key;
    try {
      key = key(secret);
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("invalid-secret", "secret: the part after " + PREFIX + " is not base64");
    }
    if (key.length < 24 || key.length > 64) {
      throw Problem.invalid("invalid-secret", "secret: the key is " + key.length + " bytes; it must be 24 to 64 bytes");
    }
    return secret;
  }
}
