-- Where each projection is: the last global position applied to its read model (written in the
-- same transaction as the read-model changes), and whether it is stopped at a failed event.
-- epoch is the fencing token: a runner that takes a projection over increments it, and every
-- write of a runner requires the epoch it took over with, so one that lost its lock writes nothing.
CREATE TABLE projection_checkpoints (
  name VARCHAR(100) NOT NULL PRIMARY KEY,
  position BIGINT NOT NULL,
  status VARCHAR(20) NOT NULL,
  error ${text},
  failed_event ${json},
  epoch BIGINT NOT NULL,
  runner VARCHAR(255),
  rebuild_until BIGINT,
  updated_at VARCHAR(40) NOT NULL
);

-- Events an admin chose to skip after they failed a projection, for the record.
CREATE TABLE projection_skipped_events (
  name VARCHAR(100) NOT NULL,
  position BIGINT NOT NULL,
  event ${json},
  error ${text},
  skipped_at VARCHAR(40) NOT NULL,
  PRIMARY KEY (name, position)
);
