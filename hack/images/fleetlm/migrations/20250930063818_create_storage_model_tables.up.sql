CREATE TABLE sessions (id text PRIMARY KEY, inserted_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE messages (session_id text NOT NULL REFERENCES sessions (id), seq bigint NOT NULL, body jsonb, PRIMARY KEY (session_id, seq));
