CREATE VIEW conversation_sizes AS SELECT conversation_id, count(*) FROM messages GROUP BY 1;
