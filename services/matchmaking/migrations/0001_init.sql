-- 0001_init.sql - the matchmaking schema: project needs, training offers, their ratings, the
-- idempotency keys of the write batch and the event outbox (vb/outbox.h).
-- Persons, expert profiles and organisations are NOT stored here: the service keeps an
-- in-memory read model of them, loaded from membership and fed by the stream.
-- Runs with the service's schema first on the search_path; forward only.

CREATE TABLE needs (
    id                     uuid PRIMARY KEY,
    owner_person_id        uuid,                    -- exactly one owner is set
    owner_organization_id  uuid,
    title                  text NOT NULL CHECK (title <> ''),
    competences            jsonb NOT NULL,          -- [{"code": "dc.2.4", "level": 4}]
    budget_cents           bigint CHECK (budget_cents >= 0),
    budget_currency        text,
    hours                  integer NOT NULL DEFAULT 0 CHECK (hours >= 0),
    languages              text[] NOT NULL DEFAULT '{}',
    region                 text NOT NULL DEFAULT '',
    remote                 boolean NOT NULL DEFAULT false,
    starts_on              date,
    ends_on                date,
    created_by             text NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((owner_person_id IS NULL) <> (owner_organization_id IS NULL)),
    CHECK (starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on)
);
CREATE INDEX needs_owner_person ON needs (owner_person_id, id);
CREATE INDEX needs_owner_organization ON needs (owner_organization_id, id);

CREATE TABLE offers (
    id                        uuid PRIMARY KEY,
    provider_organization_id  uuid NOT NULL,
    title                     text NOT NULL CHECK (title <> ''),
    competences               jsonb NOT NULL,
    price_cents               bigint NOT NULL CHECK (price_cents >= 0),
    price_currency            text NOT NULL,
    region                    text NOT NULL DEFAULT '',
    format                    text NOT NULL CHECK (format IN ('online', 'on_site')),
    starts_on                 date,
    ends_on                   date,
    rating_count              integer NOT NULL DEFAULT 0,
    rating_sum                integer NOT NULL DEFAULT 0,   -- stars summed: average = sum / count
    created_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on)
);
CREATE INDEX offers_provider ON offers (provider_organization_id, id);
CREATE INDEX offers_competences ON offers USING gin (competences jsonb_path_ops);

-- One rating per person and offer; a repeat replaces the stars.
CREATE TABLE ratings (
    offer_id   uuid NOT NULL REFERENCES offers (id),
    person_id  uuid NOT NULL,
    stars      integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (offer_id, person_id)
);

CREATE TABLE idempotency (
    caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,
    request_hash bytea NOT NULL, reply bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key));

CREATE TABLE outbox (
    position bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,                 -- the CloudEvent id (UUIDv7)
    type text NOT NULL,                      -- verbund.<service>.<entity>.<verb>.v1
    subject text NOT NULL,                   -- the entity id
    time timestamptz NOT NULL DEFAULT clock_timestamp(),
    dataschema text NOT NULL,                -- the payload message's full name
    data bytea NOT NULL);                    -- the packed payload
CREATE INDEX outbox_subject ON outbox (subject);
