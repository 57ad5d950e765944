-- Tables of the test projections (io.switchboard.cqrs.TestProjections).
-- Every event the audit projection applied: no key, so an event applied twice shows as two rows.
CREATE TABLE cqrs_test_applied (
  position BIGINT NOT NULL
);

CREATE TABLE cqrs_test_items (
  position BIGINT NOT NULL PRIMARY KEY,
  label VARCHAR(100) NOT NULL
);

CREATE TABLE cqrs_test_gated (
  position BIGINT NOT NULL PRIMARY KEY
);
