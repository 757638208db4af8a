-- 0002_stream_position.sql - where this service's stream followers stand (vb/stream_follow.h):
-- the last sequence of the node's event stream applied by each consumer ("erasure": the
-- person.erased events of membership), written in the same transaction as the change the
-- event caused, so a restart neither applies an event twice nor misses one.
-- Runs with the service's schema first on the search_path; forward only.

CREATE TABLE stream_position (
    consumer   text PRIMARY KEY,
    sequence   bigint NOT NULL CHECK (sequence >= 0),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
