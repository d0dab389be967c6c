CREATE TABLE fastpaca_messages (context_id text NOT NULL, seq bigint NOT NULL, body jsonb, PRIMARY KEY (context_id, seq));
