package io.switchboard.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.Problem;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressGuardTest {

  private final AddressGuard strict = new AddressGuard(false, false);
  private final AddressGuard lenient = new AddressGuard(true, true);

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  @Test
  void publicAddressesPass() throws Exception {
    for (String ok : new String[] {"93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "100.63.255.255", "172.32.0.1"}) {
      assertThat(strict.refusal(ip(ok))).as(ok).isNull();
    }
  }

  @Test
  void loopbackPrivateAndLinkLocalAreRefusedUnlessAllowed() throws Exception {
    for (String inside : new String[] {"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.1.1", "fe80::1", "fc00::1", "fd12:3456::1", "100.64.0.1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1"}) {
      assertThat(strict.refusal(ip(inside))).as(inside).isNotNull().contains("SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE");
      assertThat(lenient.refusal(ip(inside))).as(inside).isNull();
    }
  }

  @Test
  void cloudMetadataAndNonUnicastAreRefusedEvenWhenPrivateIsAllowed() throws Exception {
    for (String never : new String[] {"169.254.169.254", "::ffff:169.254.169.254", "169.254.170.2", "100.100.100.200",
        "fd00:ec2::254", "192.0.0.192"}) {
      assertThat(lenient.refusal(ip(never))).as(never).contains("metadata");
    }
    for (String never : new String[] {"0.0.0.0", "::", "224.0.0.1", "255.255.255.255", "ff02::1", "240.0.0.1"}) {
      assertThat(lenient.refusal(ip(never))).as(never).contains("not a unicast address");
    }
  }

  @Test
  void specialPurposeRangesThatAreNotGloballyReachableAreRefusedEvenWhenPrivateIsAllowed() throws Exception {
    String[][] never = {
        {"192.0.2.1", "TEST-NET-1"}, {"198.51.100.7", "TEST-NET-2"}, {"203.0.113.200", "TEST-NET-3"},
        {"198.18.0.1", "benchmarking"}, {"198.19.255.254", "benchmarking"}, {"240.0.0.1", "reserved"},
        {"192.0.0.1", "IETF protocol assignments"}, {"192.88.99.1", "6to4 relay"}, {"0.1.2.3", "this network"},
        {"2001:db8::1", "documentation"}, {"3fff::1", "documentation"}, {"2001:2::1", "benchmarking"},
        {"2001::1", "Teredo"}, {"2001:10::1", "ORCHID"}, {"100::1", "discard-only"}, {"64:ff9b:1::1", "translation"},
        {"5f00::1", "segment routing"}, {"::ffff:192.0.2.1", "TEST-NET-1"}, {"2002:c633:6407::1", "TEST-NET-2"}};
    for (String[] address : never) {
      assertThat(lenient.refusal(ip(address[0]))).as(address[0]).contains(address[1]).contains("not a unicast address");
      assertThat(strict.refusal(ip(address[0]))).as(address[0]).isNotNull();
    }
    // globally reachable exceptions inside those blocks, and their neighbours outside
    for (String ok : new String[] {"192.0.0.9", "192.0.0.10", "2001:1::1", "2001:3::1", "2001:4:112::1", "2001:20::1",
        "198.17.255.255", "198.20.0.1", "203.0.114.1", "2001:db9::1", "64:ff9b::808:808"}) {
      assertThat(strict.refusal(ip(ok))).as(ok).isNull();
    }
  }

  @Test
  void urlsMustBeAbsoluteHttpsWithoutCredentials() {
    assertThat(strict.target("https://example.com/hook?x=1").port()).isEqualTo(443);
    assertThat(strict.target("https://[2001:db8::1]:8443/h").host()).isEqualTo("2001:db8::1");
    assertThat(lenient.target("http://127.0.0.1:9000/h").port()).isEqualTo(9000);
    assertProblem(() -> strict.target("http://example.com/hook"), "insecure-url");
    assertProblem(() -> strict.target(null), "invalid-url");
    assertProblem(() -> strict.target(17), "invalid-url");
    assertProblem(() -> strict.target("example.com/hook"), "invalid-url");
    assertProblem(() -> strict.target("ftp://example.com/hook"), "invalid-url");
    assertProblem(() -> strict.target("https://user:pw@example.com/hook"), "invalid-url");
    assertProblem(() -> strict.target("https://example.com/hook#frag"), "invalid-url");
    assertProblem(() -> strict.target("https:///nohost"), "invalid-url");
    assertProblem(() -> strict.target("https://exa mple.com/"), "invalid-url");
    assertProblem(() -> strict.target("https://example.com/" + "a".repeat(2100)), "invalid-url");
  }

  private static void assertProblem(Runnable call, String code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(Problem.class, p -> {
      assertThat(p.status()).isEqualTo(422);
      assertThat(p.code()).isEqualTo(code);
    });
  }
}
