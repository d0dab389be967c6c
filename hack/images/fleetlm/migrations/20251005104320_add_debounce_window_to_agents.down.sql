ALTER TABLE agents DROP COLUMN debounce_window_ms;
