package io.switchboard.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {

  @Test
  void limitsCountIpv6ClientsPerSlash64AndIpv4PerAddress() {
    assertThat(ClientAddresses.limitKey("2001:db8:1:2::1")).isEqualTo(ClientAddresses.limitKey("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertThat(ClientAddresses.limitKey("2001:db8:1:2::1")).isNotEqualTo(ClientAddresses.limitKey("2001:db8:1:3::1"));
    assertThat(ClientAddresses.limitKey("10.0.0.1")).isEqualTo("10.0.0.1");
  }

  @Test
  void aTrustedProxyEntryThatIsNoAddressOrCidrIsRefusedByName() {
    assertThatThrownBy(() -> ClientAddresses.parse(new JsonArray().add("proxy.example.com")))
        .hasMessageContaining("http.trusted_proxies").hasMessageContaining("proxy.example.com");
    assertThatThrownBy(() -> ClientAddresses.parse(new JsonArray().add("10.0.0.0/33"))).hasMessageContaining("prefix");
    assertThat(ClientAddresses.parse(new JsonArray().add("10.0.0.0/8").add("::1").add("fd00::/8"))).hasSize(3);
  }
}
