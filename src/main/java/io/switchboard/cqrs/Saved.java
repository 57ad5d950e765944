package io.switchboard.cqrs;

/**
 * The outcome of a command on an aggregate: the aggregate as it is now, and where its events went
 * ({@code position}: the global position of its last event, what a query's {@code min_position}
 * waits for). When the command raised nothing, the versions are equal and nothing was written.
 */
public record Saved<A extends Aggregate>(A aggregate, long firstVersion, long lastVersion, long position) {}
