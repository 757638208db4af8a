-- The node-wide event log: one row per relayed outbox event, numbered by a gapless sequence
-- that only the relay (holding the state row lock) assigns. Retention deletes old rows but
-- never renumbers; state.retained_from says where the retained range starts.
CREATE TABLE log (
    sequence bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,        -- the CloudEvent id; a re-relay is a conflict
    source text NOT NULL,           -- //verbund/<node-id>/<service>
    type text NOT NULL,             -- the topic
    subject text NOT NULL,
    time timestamptz NOT NULL,
    dataschema text NOT NULL,
    data bytea NOT NULL);
CREATE INDEX log_subject ON log (subject);
CREATE INDEX log_time ON log (time);

CREATE TABLE state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    newest_sequence bigint NOT NULL DEFAULT 0 CHECK (newest_sequence >= 0),
    retained_from bigint NOT NULL DEFAULT 1 CHECK (retained_from >= 1));
INSERT INTO state DEFAULT VALUES;
