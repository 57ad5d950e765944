package io.switchboard.cqrs;

import io.switchboard.core.db.Dialect;
import java.time.Instant;

/** The statements on {@code projection_checkpoints} (db/cqrs/V1), in one place. */
final class Checkpoints {

  static final String RUNNING = "running";
  static final String FAILED = "failed";

  static final String SELECT_ONE = "SELECT position, status, error FROM projection_checkpoints WHERE name = $1";

  static final String SELECT_ALL = "SELECT name, position, status, error, failed_event, runner, rebuild_until, updated_at "
      + "FROM projection_checkpoints";

  static final String SELECT_TO_TAKE_OVER = "SELECT position, status, error, failed_event, epoch FROM projection_checkpoints "
      + "WHERE name = $1";

  static final String INSERT = "INSERT INTO projection_checkpoints (name, position, status, epoch, runner, updated_at) "
      + "VALUES ($1, 0, 'running', 1, $2, $3)";

  /** A new epoch, if nothing changed since the row was read (else read it again). */
  static final String TAKE_OVER = "UPDATE projection_checkpoints SET epoch = $1, runner = $2, updated_at = $3 "
      + "WHERE name = $4 AND epoch = $5 AND position = $6 AND status = $7";

  /** Every write of a runner: fenced by the epoch it took over with and the state it last wrote. */
  static final String ADVANCE = "UPDATE projection_checkpoints SET position = $1, status = $2, error = $3, failed_event = $4, "
      + "updated_at = $5 WHERE name = $6 AND epoch = $7 AND position = $8 AND status = $9";

  static final String REBUILD = "UPDATE projection_checkpoints SET position = 0, status = 'running', error = NULL, "
      + "failed_event = NULL, rebuild_until = $1, updated_at = $2 WHERE name = $3 AND epoch = $4";

  /** Records a skip; skipping a position already recorded (say, by an older hub) is not an error. */
  static String skipped(Dialect dialect) {
    return dialect == Dialect.POSTGRES
        ? "INSERT INTO projection_skipped_events (name, position, event, error, skipped_at) VALUES ($1, $2, $3, $4, $5) "
            + "ON CONFLICT (name, position) DO NOTHING"
        : "MERGE INTO projection_skipped_events (name, position, event, error, skipped_at) KEY (name, position) "
            + "VALUES ($1, $2, $3, $4, $5)";
  }

  static final String SELECT_SKIPPED = "SELECT position FROM projection_skipped_events WHERE name = $1";

  static final String SKIPPED_SUMMARY = "SELECT name, COUNT(*), MAX(position) FROM projection_skipped_events GROUP BY name";

  private Checkpoints() {}

  static String now() {
    return Instant.now().toString();
  }
}
