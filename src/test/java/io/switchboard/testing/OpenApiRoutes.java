package io.switchboard.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The (method, path) pairs listed in the hub's openapi.yaml, with path parameters filled in. */
public final class OpenApiRoutes {

  public record Route(String method, String path) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private OpenApiRoutes() {}

  public static List<Route> parse(String yaml) {
    return parse(yaml, "x");
  }

  /** The routes, with each path parameter replaced by {@code placeholder}. */
  public static List<Route> parse(String yaml, String placeholder) {
    List<Route> routes = new ArrayList<>();
    Matcher paths = Pattern.compile("(?m)^  (/\\S*):\\n((?:    .*\\n|      .*\\n)*)").matcher(yaml);
    while (paths.find()) {
      String path = paths.group(1).replaceAll("\\{[^}]+}", placeholder);
      Matcher methods = Pattern.compile("(?m)^    (get|post|put|patch|delete):").matcher(paths.group(2));
      while (methods.find()) {
        routes.add(new Route(methods.group(1).toUpperCase(), path));
      }
    }
    return routes;
  }
}
