-- The slow image's migration: a data migration that takes 20 s, and has no down part.
SELECT pg_sleep(20);
ALTER TABLE agents ADD COLUMN context_strategy text NOT NULL DEFAULT 'last_n';
