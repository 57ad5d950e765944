package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignerTest {

  private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsTheStandardWebhooksTestVector() {
    String signature = Signer.signature(List.of(Secrets.key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, BODY);
    assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void duringARotationBothSecretsSignSpaceSeparated() {
    String old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    String fresh = Secrets.generate();
    String signature = Signer.signature(List.of(Secrets.key(fresh), Secrets.key(old)), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, BODY);
    String[] parts = signature.split(" ");
    assertThat(parts).hasSize(2);
    assertThat(parts[0]).startsWith("v1,").isNotEqualTo(parts[1]);
    assertThat(parts[1]).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void endpointSignsWithThePreviousSecretOnlyDuringItsGracePeriod() {
    String fresh = Secrets.generate();
    String old = Secrets.generate();
    Endpoint e = new Endpoint("wh_x", "https://example.com", new io.vertx.core.json.JsonArray(), null, fresh, old, 2_000L,
        null, null, true, null, null, "closed", 0, 0, 0);
    assertThat(e.signingKeys(1_999)).hasSize(2);
    assertThat(e.signingKeys(2_000)).hasSize(1);
  }

  @Test
  void generatedSecretsAreStandardWebhooksSecrets() {
    String secret = Secrets.generate();
    assertThat(secret).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(24);
    assertThat(Secrets.validate(secret)).isEqualTo(secret);
    assertThat(Secrets.generate()).isNotEqualTo(secret);
  }

  @Test
  void secretsGivenByClientsAreChecked() {
    assertThatThrownBy(() -> Secrets.validate("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).isInstanceOf(Problem.class)
        .hasMessageContaining("whsec_");
    assertThatThrownBy(() -> Secrets.validate("whsec_***")).hasMessageContaining("not base64");
    assertThatThrownBy(() -> Secrets.validate("whsec_c2hvcnQ=")).hasMessageContaining("24 to 64 bytes");
    assertThatThrownBy(() -> Secrets.validate(42)).isInstanceOf(Problem.class);
  }
}
