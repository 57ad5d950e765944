package io.switchboard.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class BrowserSettingsTest {

  private static BrowserSettings of(JsonArray hosts, JsonArray origins) {
    return BrowserSettings.from(new JsonObject().put("http", new JsonObject().put("allowed_hosts", hosts)
        .put("cors", new JsonObject().put("allowed_origins", origins))));
  }

  @Test
  void originsAreKeptInTheFormBrowsersSend() {
    BrowserSettings settings = of(new JsonArray().add("Hub.Example.com").add("[::1]"),
        new JsonArray().add("HTTPS://App.Example.com:443").add("http://127.0.0.1:8000"));
    assertThat(settings.allowedOrigins()).containsExactly("https://app.example.com", "http://127.0.0.1:8000");
    assertThat(settings.allowedHosts()).containsExactly("hub.example.com", "0:0:0:0:0:0:0:1");
    assertThat(BrowserSettings.from(new JsonObject()).allowedOrigins()).isEmpty();
  }

  @Test
  void mistakesNameTheField() {
    assertThatThrownBy(() -> of(new JsonArray(), new JsonArray().add("*")))
        .hasMessageStartingWith("http.cors.allowed_origins[0]: \"*\" would let every web page call the hub");
    assertThatThrownBy(() -> of(new JsonArray(), new JsonArray().add("https://a.example").add("null")))
        .hasMessageStartingWith("http.cors.allowed_origins[1]: \"null\" is the origin of file:// pages");
    assertThatThrownBy(() -> of(new JsonArray(), new JsonArray().add("https://a.example/app")))
        .hasMessageStartingWith("http.cors.allowed_origins[0]: must be an origin");
    assertThatThrownBy(() -> of(new JsonArray().add("bad host"), new JsonArray()))
        .hasMessageStartingWith("http.allowed_hosts[0]: must be a host name");
    assertThatThrownBy(() -> BrowserSettings.from(new JsonObject().put("http", new JsonObject().put("cors", new JsonObject()
        .put("allowed_origin", new JsonArray()))))).hasMessageStartingWith("http.cors.allowed_origin: unknown field");
  }
}
