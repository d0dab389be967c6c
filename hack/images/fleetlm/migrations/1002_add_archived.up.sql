ALTER TABLE conversations ADD COLUMN archived boolean NOT NULL DEFAULT false;
