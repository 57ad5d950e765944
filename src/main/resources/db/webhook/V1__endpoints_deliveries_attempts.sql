-- Webhooks: the endpoints, the outbox of deliveries, and every attempt. Times are epoch milliseconds.
-- No foreign keys: deleting an endpoint deletes its rows itself, and a delivery written while its
-- endpoint was being deleted is an orphan the clean-up removes (it is never sent: no sender knows it).
CREATE TABLE webhook_endpoints (
  id VARCHAR(40) NOT NULL PRIMARY KEY,
  url VARCHAR(2048) NOT NULL,
  events ${json} NOT NULL,
  description VARCHAR(1000),
  secret VARCHAR(200) NOT NULL,
  -- During a rotation the previous secret still signs, until previous_secret_until.
  previous_secret VARCHAR(200),
  previous_secret_until BIGINT,
  rate_limit INTEGER,
  max_in_flight INTEGER,
  active BOOLEAN NOT NULL,
  disabled_reason VARCHAR(1000),
  -- The first failure since the last success: the endpoint is disabled once it is old enough.
  failing_since BIGINT,
  circuit VARCHAR(12) NOT NULL,
  partition_no INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- One row per (event, endpoint): the outbox. The unique key makes writing it idempotent.
CREATE TABLE webhook_deliveries (
  id VARCHAR(40) NOT NULL PRIMARY KEY,
  endpoint_id VARCHAR(40) NOT NULL,
  partition_no INTEGER NOT NULL,
  event_id VARCHAR(1024) NOT NULL,
  event_type VARCHAR(1024) NOT NULL,
  origin VARCHAR(20) NOT NULL,
  body ${text} NOT NULL,
  -- pending, delivered or failed; a claimed delivery stays pending with next_attempt_at at the end
  -- of its claim's lease, so a sender that died leaves it due again.
  status VARCHAR(12) NOT NULL,
  attempts INTEGER NOT NULL,
  schedule_step INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  claim VARCHAR(40),
  last_attempt_at BIGINT,
  last_http_status INTEGER,
  last_latency_ms INTEGER,
  last_error VARCHAR(1000),
  delivered_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT webhook_deliveries_event UNIQUE (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, status, next_attempt_at);
-- Ids grow with time (see Ids): listings, paging, "since" and the retention go by id. Every index
-- here is written on each update of a delivery (a claim, an outcome), so there are no others.
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
  id VARCHAR(40) NOT NULL PRIMARY KEY,
  delivery_id VARCHAR(40) NOT NULL,
  endpoint_id VARCHAR(40) NOT NULL,
  attempted_at BIGINT NOT NULL,
  outcome VARCHAR(12) NOT NULL,
  http_status INTEGER,
  latency_ms INTEGER,
  response_excerpt VARCHAR(1024),
  error VARCHAR(1000),
  sender VARCHAR(200) NOT NULL
);

-- Attempt ids grow with time too: the retention goes by id.
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

-- Endpoints are spread over partitions (partition_no); each partition has one sender at a time,
-- so an endpoint's circuit breaker, rate limit and concurrency cap live in one place.
CREATE TABLE webhook_partitions (
  partition_no INTEGER NOT NULL PRIMARY KEY,
  owner VARCHAR(200),
  lease_until BIGINT NOT NULL
);

-- 64 partitions: at most 64 sender instances share the work (more stand by).
INSERT INTO webhook_partitions (partition_no, owner, lease_until) VALUES
  (0, NULL, 0), (1, NULL, 0), (2, NULL, 0), (3, NULL, 0), (4, NULL, 0), (5, NULL, 0), (6, NULL, 0), (7, NULL, 0),
  (8, NULL, 0), (9, NULL, 0), (10, NULL, 0), (11, NULL, 0), (12, NULL, 0), (13, NULL, 0), (14, NULL, 0), (15, NULL, 0),
  (16, NULL, 0), (17, NULL, 0), (18, NULL, 0), (19, NULL, 0), (20, NULL, 0), (21, NULL, 0), (22, NULL, 0), (23, NULL, 0),
  (24, NULL, 0), (25, NULL, 0), (26, NULL, 0), (27, NULL, 0), (28, NULL, 0), (29, NULL, 0), (30, NULL, 0), (31, NULL, 0),
  (32, NULL, 0), (33, NULL, 0), (34, NULL, 0), (35, NULL, 0), (36, NULL, 0), (37, NULL, 0), (38, NULL, 0), (39, NULL, 0),
  (40, NULL, 0), (41, NULL, 0), (42, NULL, 0), (43, NULL, 0), (44, NULL, 0), (45, NULL, 0), (46, NULL, 0), (47, NULL, 0),
  (48, NULL, 0), (49, NULL, 0), (50, NULL, 0), (51, NULL, 0), (52, NULL, 0), (53, NULL, 0), (54, NULL, 0), (55, NULL, 0),
  (56, NULL, 0), (57, NULL, 0), (58, NULL, 0), (59, NULL, 0), (60, NULL, 0), (61, NULL, 0), (62, NULL, 0), (63, NULL, 0);

-- The live sender instances, each renewing its row; a partition's fair share is counted from them.
CREATE TABLE webhook_senders (
  id VARCHAR(200) NOT NULL PRIMARY KEY,
  lease_until BIGINT NOT NULL
);

-- Where the fan-out of store events stands in the store's global order, and which instance runs it.
CREATE TABLE webhook_checkpoints (
  name VARCHAR(50) NOT NULL PRIMARY KEY,
  position BIGINT NOT NULL,
  owner VARCHAR(200),
  lease_until BIGINT NOT NULL
);
