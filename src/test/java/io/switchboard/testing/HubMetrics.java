package io.switchboard.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One series of a hub's GET /metrics, as an operator's scraper reads it. */
public final class HubMetrics {

  private HubMetrics() {}

  public static double value(TestHub hub, String series) {
    String body = Http.get(hub.uri("/metrics")).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
    if (!m.find()) {
      throw new AssertionError("no " + series + " on /metrics");
    }
    return Double.parseDouble(m.group(1));
  }
}
