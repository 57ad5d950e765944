package io.switchboard.gateway.security;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Names a credential may use (streams, queues, commands, queries): exact names, or globs where
 * {@code *} stands for any run of characters ({@code orders-*}, {@code Get*}). {@link #ANY} allows
 * every name.
 */
public final class NamePatterns {

  static final NamePatterns ANY = new NamePatterns(null, List.of());
  static final NamePatterns NONE = new NamePatterns(List.of(), List.of());

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.:*-]{1,256}");

  private final List<String> texts;
  private final List<Pattern> compiled;

  private NamePatterns(List<String> texts, List<Pattern> compiled) {
    this.texts = texts;
    this.compiled = compiled;
  }

  /** Parses the entries; throws IllegalArgumentException naming the entry ({@code field[i]}) that is not a pattern. */
  static NamePatterns of(List<?> entries, String field) {
    List<String> texts = new java.util.ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!(entries.get(i) instanceof String text) || !VALID.matcher(text).matches()) {
        throw new IllegalArgumentException(field + "[" + i + "]: must be a name or a glob of A-Z a-z 0-9 _ . : - and *");
      }
      texts.add(text);
    }
    return new NamePatterns(List.copyOf(texts), texts.stream().map(NamePatterns::glob).toList());
  }

  static Pattern glob(String text) {
    StringBuilder regex = new StringBuilder();
    for (String literal : text.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(literal));
    }
    return Pattern.compile(regex.toString());
  }

  /** The same globs with each text transformed first (for matching names in another form). */
  NamePatterns map(java.util.function.UnaryOperator<String> transform) {
    if (texts == null) {
      return this;
    }
    List<String> mapped = texts.stream().map(transform).toList();
    return new NamePatterns(mapped, mapped.stream().map(NamePatterns::glob).toList());
  }

  boolean any() {
    return texts == null;
  }

  boolean matches(String name) {
    if (texts == null) {
      return true;
    }
    for (Pattern pattern : compiled) {
      if (pattern.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return texts == null ? "any" : texts.toString();
  }
}
