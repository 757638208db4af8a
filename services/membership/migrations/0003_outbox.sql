-- 0003_outbox.sql - the membership service's event outbox (vb/outbox.h): events are written
-- here in the same transaction as the change they describe; the stream service moves them into
-- the node-wide log and deletes them. Forward only.

CREATE TABLE outbox (
    position bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,                 -- the CloudEvent id (UUIDv7)
    type text NOT NULL,                      -- verbund.<service>.<entity>.<verb>.v1
    subject text NOT NULL,                   -- the entity id
    time timestamptz NOT NULL DEFAULT clock_timestamp(),
    dataschema text NOT NULL,                -- the payload message's full name
    data bytea NOT NULL);                    -- the packed payload

-- vb_outbox_redact finds a subject's waiting events on erasure.
CREATE INDEX outbox_subject ON outbox (subject);
