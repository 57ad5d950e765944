-- Consumer groups (durable subscriptions on the event store): their definitions as given to
-- PUT /api/v1/subscriptions/{group}.
CREATE TABLE consumer_groups (
  name VARCHAR(100) NOT NULL PRIMARY KEY,
  spec ${json} NOT NULL,
  created_at VARCHAR(40) NOT NULL,
  updated_at VARCHAR(40) NOT NULL
);

-- Where each group is: every event of its source at or below position is acked, parked or
-- skipped; done lists the positions above it that are too ([[from, to], ...]), so a coordinator
-- that takes over redelivers only what was not. epoch fences the coordinator: taking a group over
-- increments it, and every write requires the epoch its writer took over with.
CREATE TABLE group_checkpoints (
  name VARCHAR(100) NOT NULL PRIMARY KEY,
  position BIGINT NOT NULL,
  done ${json},
  epoch BIGINT NOT NULL,
  runner VARCHAR(255),
  updated_at VARCHAR(40) NOT NULL
);

-- Events a group gave up on (nack park, or retries exhausted), until replayed and acked, or dropped.
-- status: parked, or replaying (handed back to the consumers).
CREATE TABLE group_parked (
  name VARCHAR(100) NOT NULL,
  position BIGINT NOT NULL,
  event ${json} NOT NULL,
  reason ${text},
  attempts INTEGER NOT NULL,
  status VARCHAR(20) NOT NULL,
  parked_at VARCHAR(40) NOT NULL,
  PRIMARY KEY (name, position)
);
