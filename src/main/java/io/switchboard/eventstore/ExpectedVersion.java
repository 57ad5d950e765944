package io.switchboard.eventstore;

import io.switchboard.core.Problem;

/**
 * What an append expects of its stream: {@code any}, {@code no_stream} (also -1),
 * {@code stream_exists}, or the exact version of the stream's last event.
 */
record ExpectedVersion(Kind kind, long version) {

  enum Kind { ANY, NO_STREAM, STREAM_EXISTS, EXACT }

  static final ExpectedVersion ANY = new ExpectedVersion(Kind.ANY, -2);

  static ExpectedVersion parse(Object value) {
    if (value == null) {
      return ANY;
    }
    if (value instanceof Number n && (n instanceof Integer || n instanceof Long)) {
      return exact(n.longValue());
    }
    if (value instanceof String s) {
      switch (s.trim()) {
        case "", "any" -> {
          return ANY;
        }
        case "no_stream" -> {
          return new ExpectedVersion(Kind.NO_STREAM, -1);
        }
        case "stream_exists" -> {
          return new ExpectedVersion(Kind.STREAM_EXISTS, -2);
        }
        default -> {
          try {
            return exact(Long.parseLong(s.trim()));
          } catch (NumberFormatException e) {
            // reported below
          }
        }
      }
    }
    throw Problem.badRequest("invalid-expected-version", "expected version must be any, no_stream, stream_exists or the "
        + "version of the stream's last event (a number from -1), not '" + value + "'");
  }

  private static ExpectedVersion exact(long version) {
    if (version == -1) {
      return new ExpectedVersion(Kind.NO_STREAM, -1);
    }
    if (version < 0) {
      throw Problem.badRequest("invalid-expected-version", "expected version must be -1 (no stream) or more, not " + version);
    }
    return new ExpectedVersion(Kind.EXACT, version);
  }

  /** Whether a stream whose last version is {@code current} (-1: none) meets this expectation. */
  boolean matches(long current) {
    return switch (kind) {
      case ANY -> true;
      case NO_STREAM -> current == -1;
      case STREAM_EXISTS -> current >= 0;
      case EXACT -> current == version;
    };
  }

  /** Whether an earlier write that started at {@code firstVersion} is the one this append repeats. */
  boolean wouldHaveStartedAt(long firstVersion) {
    return switch (kind) {
      case ANY -> true;
      case NO_STREAM -> firstVersion == 0;
      case STREAM_EXISTS -> firstVersion >= 1;
      case EXACT -> firstVersion == version + 1;
    };
  }

  @Override
  public String toString() {
    return kind == Kind.EXACT ? Long.toString(version) : kind.name().toLowerCase();
  }
}
