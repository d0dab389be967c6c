CREATE TABLE agents (id text PRIMARY KEY, name text NOT NULL, endpoint text);
