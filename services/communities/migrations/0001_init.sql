-- 0001_init.sql - the communities schema: communities, their members, documented results,
-- idempotency keys (vb/write_batch.h) and the event outbox (vb/outbox.h).
-- Runs with the service's schema first on the search_path; forward only. Persons and events
-- are other services' data: they appear here as ids without foreign keys.

CREATE TABLE communities (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL CHECK (name <> ''),
    purpose            text NOT NULL DEFAULT '',
    kind               text NOT NULL CHECK (kind IN ('community', 'think_do_team', 'peer_circle',
                           'training_network', 'consortium')),
    topics             text[] NOT NULL DEFAULT '{}',   -- competence codes
    tags               text[] NOT NULL DEFAULT '{}',
    region             text NOT NULL DEFAULT '',
    visibility         text NOT NULL CHECK (visibility IN ('private', 'node', 'federated')),
    join_policy        text NOT NULL CHECK (join_policy IN ('open', 'approval')),
    capacity           integer NOT NULL DEFAULT 0 CHECK (capacity >= 0),  -- 0 = unlimited
    status             text NOT NULL CHECK (status IN ('proposed', 'active', 'declined',
                           'archived')),
    proposed_by        uuid,                             -- NULL when staff proposed for nobody
    status_reason      text NOT NULL DEFAULT '',
    version            bigint NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    status_changed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX communities_status ON communities (status, id);
CREATE INDEX communities_topics ON communities USING gin (topics);

CREATE TABLE members (
    community_id  uuid NOT NULL REFERENCES communities (id),
    person_id     uuid NOT NULL,
    role          text NOT NULL CHECK (role IN ('host', 'moderator', 'member', 'advisor')),
    status        text NOT NULL CHECK (status IN ('pending', 'active')),
    version       bigint NOT NULL DEFAULT 1,
    joined_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (community_id, person_id)             -- a person joins a community once
);
-- "my communities" (visibility of private ones)
CREATE INDEX members_person ON members (person_id, community_id);

CREATE TABLE results (
    id            uuid PRIMARY KEY,
    community_id  uuid NOT NULL REFERENCES communities (id),
    event_id      uuid,                               -- an event of the events service, if any
    title         text NOT NULL CHECK (title <> ''),
    summary       text NOT NULL DEFAULT '',
    links         jsonb NOT NULL DEFAULT '[]',        -- [{"url", "label", "kind"}]
    author_ids    text[] NOT NULL DEFAULT '{}',
    visibility    text NOT NULL CHECK (visibility IN ('private', 'node', 'federated')),
    published_by  text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX results_community ON results (community_id, id);

CREATE TABLE idempotency (
    caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,
    request_hash bytea NOT NULL, reply bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key));
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE outbox (
    position bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,                 -- the CloudEvent id (UUIDv7)
    type text NOT NULL,                      -- verbund.communities.<entity>.<verb>.v1
    subject text NOT NULL,                   -- the entity id (community id for members)
    time timestamptz NOT NULL DEFAULT clock_timestamp(),
    dataschema text NOT NULL,                -- the payload message's full name
    data bytea NOT NULL);                    -- the packed payload
CREATE INDEX outbox_subject ON outbox (subject);
