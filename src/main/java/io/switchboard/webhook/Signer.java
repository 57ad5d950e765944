package io.switchboard.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} + base64 HMAC-SHA256 of {@code {id}.{timestamp}.{body}}
 * with the secret's key; one per valid secret, space-separated (the new and, during a rotation, the
 * previous one).
 */
final class Signer {

  private Signer() {}

  static String signature(List<byte[]> keys, String webhookId, long timestampSeconds, byte[] body) {
    byte[] prefix = (webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (byte[] key : keys) {
      if (!out.isEmpty()) {
        out.append(' ');
      }
      out.append("v1,").append(Base64.getEncoder().encodeToString(hmac(key, prefix, body)));
    }
    return out.toString();
  }

  private static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(prefix);
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
