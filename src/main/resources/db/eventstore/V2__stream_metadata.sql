-- The store's lifecycle (retention, truncation, deletion): see SqlEventStore and StreamMetadata.
-- When the store recorded an event (epoch ms): what max_age_ms counts from. Older rows have none
-- and never expire.
ALTER TABLE events ADD COLUMN recorded_at BIGINT;

-- A stream's metadata. Rules hide events from every read at once; the scavenger deletes them
-- later. last_version keeps a stream's version going once its events are gone (versions are never
-- reused); deleted is 'soft' or 'hard' (a tombstone: the stream is gone for good).
CREATE TABLE stream_meta (
  stream VARCHAR(200) NOT NULL PRIMARY KEY,
  max_age_ms BIGINT,
  max_count BIGINT,
  truncate_before BIGINT,
  last_version BIGINT,
  deleted VARCHAR(8),
  updated_at VARCHAR(40)
);
-- Hard deletes and erasures so far: a writer that cached stream versions before one drops its cache.
ALTER TABLE store_head ADD COLUMN deletions BIGINT DEFAULT 0 NOT NULL;
