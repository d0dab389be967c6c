-- Adds a column 1002 already added: fails like a migration written against a stale schema.
ALTER TABLE conversations ADD COLUMN archived boolean;
