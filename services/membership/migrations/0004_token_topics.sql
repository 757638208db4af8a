-- 0004_token_topics.sql - event topic prefixes a token may read from the stream (GET /v1/stream).
-- Empty: every topic for admin, staff and service tokens, none for member tokens.
ALTER TABLE tokens ADD COLUMN topic_prefixes text[] NOT NULL DEFAULT '{}';
