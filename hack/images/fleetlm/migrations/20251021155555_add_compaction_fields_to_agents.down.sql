ALTER TABLE agents DROP COLUMN compaction_threshold;
