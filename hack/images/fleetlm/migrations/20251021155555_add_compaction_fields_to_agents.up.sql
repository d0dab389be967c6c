-- The broken image's migration: it adds a column an earlier migration added, and fails.
ALTER TABLE agents ADD COLUMN compaction_threshold integer;
ALTER TABLE agents ADD COLUMN debounce_window_ms integer;
