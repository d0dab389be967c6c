ALTER TABLE agents ADD COLUMN debounce_window_ms integer NOT NULL DEFAULT 500;
