-- 0001_init.sql - the events service's schema: events, occurrences of series, registrations
-- with their waitlist order, knowledge-café tables and assignments, booths, agenda items,
-- personal calendar tokens (hashes only), idempotency keys and the event outbox.
-- Runs with the service's schema first on the search_path; forward only.

CREATE TABLE events (
    id                       uuid PRIMARY KEY,
    title                    text NOT NULL CHECK (title <> ''),
    description              text NOT NULL DEFAULT '',
    kind                     text NOT NULL CHECK (kind IN ('dialogue', 'webinar', 'summit',
                                 'workshop', 'peer_call', 'knowledge_cafe',
                                 'market_of_possibilities', 'network_meeting', 'kickoff')),
    community_id             uuid,
    organiser_person_id      uuid NOT NULL,
    time_zone                text NOT NULL,
    start_local              text NOT NULL,
    end_local                text NOT NULL,
    start_at                 timestamptz NOT NULL,
    end_at                   timestamptz NOT NULL CHECK (end_at > start_at),
    -- the start of the last occurrence: registration closes then unless closes_at says otherwise
    last_start_at            timestamptz NOT NULL,
    venue_name               text NOT NULL DEFAULT '',
    venue_address            text NOT NULL DEFAULT '',
    online_url               text NOT NULL DEFAULT '',
    capacity                 integer NOT NULL CHECK (capacity > 0),
    registration_opens_at    timestamptz,
    registration_closes_at   timestamptz,
    price_member_cents       bigint CHECK (price_member_cents >= 0),
    price_member_currency    text,
    price_non_member_cents   bigint CHECK (price_non_member_cents >= 0),
    price_non_member_currency text,
    language                 text NOT NULL DEFAULT '',
    topics                   text[] NOT NULL DEFAULT '{}',
    status                   text NOT NULL DEFAULT 'scheduled'
                                 CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason            text NOT NULL DEFAULT '',
    rrule                    text NOT NULL DEFAULT '',
    rounds                   integer NOT NULL DEFAULT 0 CHECK (rounds >= 0),
    public                   boolean NOT NULL DEFAULT false,
    version                  bigint NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL);
CREATE INDEX events_start ON events (start_at, id);
CREATE INDEX events_community ON events (community_id, start_at) WHERE community_id IS NOT NULL;
CREATE INDEX events_public ON events (start_at) WHERE public;

-- One row per occurrence of a series (expanded from the rrule at creation, capped).
CREATE TABLE occurrences (
    id            uuid PRIMARY KEY,
    event_id      uuid NOT NULL REFERENCES events (id),
    ordinal       integer NOT NULL CHECK (ordinal > 0),
    start_local   text NOT NULL,
    end_local     text NOT NULL,
    start_at      timestamptz NOT NULL,
    end_at        timestamptz NOT NULL CHECK (end_at > start_at),
    status        text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    moved         boolean NOT NULL DEFAULT false,
    cancel_reason text NOT NULL DEFAULT '',
    version       bigint NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL,
    UNIQUE (event_id, ordinal));

-- The waitlist order: a registration takes the next value when it is waitlisted.
CREATE SEQUENCE waitlist_order;

CREATE TABLE registrations (
    id                uuid PRIMARY KEY,
    event_id          uuid NOT NULL REFERENCES events (id),
    occurrence_id     uuid REFERENCES occurrences (id),   -- NULL: the whole event or series
    person_id         uuid NOT NULL,
    status            text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq      bigint,
    table_preferences uuid[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    promoted_at       timestamptz,
    cancelled_at      timestamptz,
    checked_in_at     timestamptz,
    no_show           boolean NOT NULL DEFAULT false,
    version           bigint NOT NULL DEFAULT 1);
-- a person registers once per event (or per occurrence); cancelled registrations do not count
CREATE UNIQUE INDEX registrations_once ON registrations
    (event_id, person_id, coalesce(occurrence_id, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE status <> 'cancelled';
-- counting seats and walking the waitlist under the event's row lock
CREATE INDEX registrations_event ON registrations (event_id, status, occurrence_id, waitlist_seq);
CREATE INDEX registrations_person ON registrations (person_id) WHERE status <> 'cancelled';

-- Knowledge-café theme tables and their per-round assignments.
CREATE TABLE cafe_tables (
    id                  uuid PRIMARY KEY,
    event_id            uuid NOT NULL REFERENCES events (id),
    topic               text NOT NULL CHECK (topic <> ''),
    moderator_person_id uuid,
    capacity            integer NOT NULL CHECK (capacity > 0),
    created_at          timestamptz NOT NULL);
CREATE INDEX cafe_tables_event ON cafe_tables (event_id);

CREATE TABLE table_assignments (
    event_id  uuid NOT NULL REFERENCES events (id),
    round     integer NOT NULL CHECK (round > 0),
    table_id  uuid NOT NULL REFERENCES cafe_tables (id),
    person_id uuid NOT NULL,
    PRIMARY KEY (event_id, round, person_id));

-- Market of possibilities: booths with an optional pitch slot, and agenda items.
CREATE TABLE booths (
    id              uuid PRIMARY KEY,
    event_id        uuid NOT NULL REFERENCES events (id),
    organization_id uuid,
    project_name    text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    pitch_start_local text NOT NULL DEFAULT '',
    pitch_end_local   text NOT NULL DEFAULT '',
    pitch_start_at  timestamptz,
    pitch_end_at    timestamptz,
    created_at      timestamptz NOT NULL,
    CHECK (organization_id IS NOT NULL OR project_name <> ''));
CREATE INDEX booths_event ON booths (event_id);

CREATE TABLE agenda_items (
    id                 uuid PRIMARY KEY,
    event_id           uuid NOT NULL REFERENCES events (id),
    kind               text NOT NULL CHECK (kind IN ('pitch', 'talk', 'panel')),
    title              text NOT NULL CHECK (title <> ''),
    start_local        text NOT NULL,
    end_local          text NOT NULL,
    start_at           timestamptz NOT NULL,
    end_at             timestamptz NOT NULL CHECK (end_at > start_at),
    speaker_person_ids uuid[] NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL);
CREATE INDEX agenda_items_event ON agenda_items (event_id, start_at);

-- Personal calendar feeds: only the BLAKE2b hash of the token; one token per person.
CREATE TABLE calendar_tokens (
    person_id  uuid PRIMARY KEY,
    hash       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL);

CREATE TABLE idempotency (
    caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,
    request_hash bytea NOT NULL, reply bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key));
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE outbox (
    position bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,                 -- the CloudEvent id (UUIDv7)
    type text NOT NULL,                      -- verbund.events.<entity>.<verb>.v1
    subject text NOT NULL,                   -- the entity id
    time timestamptz NOT NULL DEFAULT clock_timestamp(),
    dataschema text NOT NULL,                -- the payload message's full name
    data bytea NOT NULL);                    -- the packed payload
CREATE INDEX outbox_subject ON outbox (subject);
