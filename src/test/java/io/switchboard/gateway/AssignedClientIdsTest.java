package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.gateway.security.Principal;
import io.switchboard.gateway.security.Scope;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignedClientIdsTest {

  @Test
  void anAssignedIdNamesItsInstanceAndIsAValidClientId() {
    AssignedClientIds ids = AssignedClientIds.forNewInstance();
    String id = ids.next();
    assertThat(WsConnection.NAME.matcher(id).matches()).as(id).isTrue();
    assertThat(AssignedClientIds.instanceOf(id)).isEqualTo(ids.instance());
  }

  @Test
  void idsDoNotRepeatAndInstancesDiffer() {
    AssignedClientIds ids = AssignedClientIds.forNewInstance();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(ids.next())).isTrue();
    }
    Set<String> instances = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      assertThat(instances.add(AssignedClientIds.forNewInstance().instance())).isTrue();
    }
  }

  @Test
  void malformedAndForeignIdsNameNoInstance() {
    String good = AssignedClientIds.forNewInstance().next();
    for (String id : new String[] {
        null, "", "alice", "ws-", "ws--", "3f1c2b9e-7c1d-4f5e-9a8b-0c1d2e3f4a5b",
        good.toUpperCase(), good + "0", good.substring(1), "x" + good.substring(1), good.substring(0, 47),
        good.replace('-', '.'), "key:alice:" + good, good.substring(0, 15) + "_" + good.substring(16),
        "ws-abcdefghijkl-0123456789abcdef0123456789abcdeg", "ws-abcdefghijk_-0123456789abcdef0123456789abcdef",
        "ws-abcdefghijkl-0123456789abcdef0123456789abcdef\n"}) {
      assertThat(AssignedClientIds.instanceOf(id)).as(String.valueOf(id)).isNull();
    }
  }

  @Test
  void aForgedIdParsesButOnlyChoosesWhereToAsk() {
    // any id of the shape parses: what it names is asked, and answers from its own connections
    assertThat(AssignedClientIds.instanceOf("ws-abcdefghijkl-0123456789abcdef0123456789abcdef")).isEqualTo("abcdefghijkl");
  }

  @Test
  void onlyTheHoldersPrincipalReachesItsConnectionOnACredentialedHub() {
    Principal alice = new Principal("jwt:alice", EnumSet.of(Scope.SUBSCRIBE, Scope.PUBLISH), Principal.open("127.0.0.1").grants(), null);
    assertThat(InstanceMailbox.mayReach("jwt:alice", alice)).isTrue();
    assertThat(InstanceMailbox.mayReach("jwt:bob", alice)).isFalse();
    assertThat(InstanceMailbox.mayReach("key:alice", alice)).isFalse();
    assertThat(InstanceMailbox.mayReach("ip:127.0.0.1", Principal.open("127.0.0.1"))).isTrue();
  }
}
