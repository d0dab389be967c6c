ALTER TABLE conversations DROP COLUMN archived;
