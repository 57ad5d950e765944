-- The event store. Every event of every stream, in one table ordered by its global position.
CREATE TABLE events (
  position BIGINT NOT NULL PRIMARY KEY,
  stream VARCHAR(200) NOT NULL,
  version BIGINT NOT NULL,
  category VARCHAR(200) NOT NULL,
  id VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  event_time VARCHAR(64) NOT NULL,
  dataversion INTEGER NOT NULL,
  data ${json},
  metadata ${json},
  -- The arbiters: a stream version is written once; an event id is stored once.
  CONSTRAINT events_stream_version UNIQUE (stream, version),
  CONSTRAINT events_id UNIQUE (id)
);

CREATE INDEX events_category_position ON events (category, position);

-- The last global position handed out. Its one row is also the append lock: see SqlEventStore.
CREATE TABLE store_head (
  id INTEGER NOT NULL PRIMARY KEY,
  last_position BIGINT NOT NULL
);

INSERT INTO store_head (id, last_position) VALUES (1, 0);

-- The latest snapshot of a stream.
CREATE TABLE snapshots (
  stream VARCHAR(200) NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  state ${json},
  taken_at VARCHAR(40) NOT NULL
);
