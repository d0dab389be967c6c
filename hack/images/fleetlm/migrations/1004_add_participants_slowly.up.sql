-- Takes a while, like a migration that rewrites a big table.
SELECT pg_sleep(20);
CREATE TABLE participants (id bigserial PRIMARY KEY, conversation_id bigint);
