CREATE TABLE conversations (id bigserial PRIMARY KEY, title text);
