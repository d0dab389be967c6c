CREATE TABLE messages (id bigserial PRIMARY KEY, conversation_id bigint REFERENCES conversations, body text);
