package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.launch.HubSettings;
import io.switchboard.testing.NodeClients;
import io.switchboard.testing.TestHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml is a valid OpenAPI 3.1 document for a standard validator (swagger-parser, run by
 * Node), and every route the gateway's router serves is in it.
 */
class OpenApiIT {

  private static final Path DOCUMENT = Path.of("src/main/resources/openapi.yaml").toAbsolutePath();

  @Test
  void theDocumentIsValidAndListsEveryRouteTheRouterServes() {
    // Fails (exit 1, with the validator's findings) on an invalid document.
    String output = NodeClients.run(Duration.ofSeconds(60), "openapi-validate.mjs", DOCUMENT.toString());
    Set<String> documented = new TreeSet<>();
    for (String line : output.strip().split("\n")) {
      documented.add(normalise(line.strip()));
    }
    assertThat(documented).hasSizeGreaterThan(30);

    List<String> missing = new ArrayList<>();
    int checked = 0;
    Vertx vertx = Vertx.vertx();
    try {
      GatewayVerticle gateway = new GatewayVerticle();
      JsonObject conf = HubSettings.defaultConf(new JsonObject().put("http", new JsonObject().put("port", 0)));
      TestHub.await(vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(conf)));
      for (Route route : gateway.routes()) {
        if (route.getPath() == null) {
          continue; // handlers for every request (guards, bodies), not routes
        }
        Set<HttpMethod> methods = route.methods() == null ? Set.of(HttpMethod.GET) : route.methods();
        for (HttpMethod method : methods) {
          String served = normalise(method.name() + " " + route.getPath());
          checked++;
          if (!covered(documented, served, route.isExactPath())) {
            missing.add(served);
          }
        }
      }
    } finally {
      TestHub.await(vertx.close());
    }
    assertThat(checked).isGreaterThan(30);
    assertThat(missing).as("routes the router serves that openapi.yaml does not list").isEmpty();
  }

  /** Path parameters as {}: ":topic" and "{topic}" alike. */
  private static String normalise(String operation) {
    return operation.replaceAll(":[^/]+", "{}").replaceAll("\\{[^}]*}", "{}");
  }

  /** A wildcard route (static files, SockJS transports) is covered by a documented path under its prefix. */
  private static boolean covered(Set<String> documented, String served, boolean exact) {
    if (exact) {
      return documented.contains(served);
    }
    String firstSegment = served.substring(0, served.indexOf('/', served.indexOf(' ') + 2) + 1);
    return documented.stream().anyMatch(d -> d.startsWith(firstSegment));
  }
}
