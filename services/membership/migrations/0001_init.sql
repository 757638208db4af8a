-- 0001_init.sql - the membership schema: persons, organisations, memberships, expert profiles,
-- the competence taxonomy, API tokens, the audit trail and idempotency keys.
-- Runs with the service's schema first on the search_path; forward only.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    kind        text NOT NULL CHECK (kind IN ('company', 'nonprofit', 'public_body',
                    'education_provider', 'social_enterprise', 'association')),
    region      text NOT NULL DEFAULT '',
    sector      text NOT NULL DEFAULT '',
    vat_id      text,                              -- NULL when none
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_region ON organizations (region, id);
CREATE INDEX organizations_kind ON organizations (kind, id);

CREATE TABLE persons (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,             -- '' once erased
    email               text,                      -- NULL once erased
    organization_id     uuid REFERENCES organizations (id),
    region              text NOT NULL DEFAULT '',
    sector              text NOT NULL DEFAULT '',
    languages           text[] NOT NULL DEFAULT '{}',
    skills              jsonb NOT NULL DEFAULT '[]',   -- [{"code": "fs.collaboration", "level": 3}]
    interests           text[] NOT NULL DEFAULT '{}',
    visible_in_network  boolean NOT NULL DEFAULT false,
    federate            boolean NOT NULL DEFAULT false,
    version             bigint NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    erased_at           timestamptz,
    CHECK (erased_at IS NULL OR (email IS NULL AND name = ''))
);
CREATE UNIQUE INDEX persons_email_unique ON persons (lower(email)) WHERE erased_at IS NULL;
CREATE INDEX persons_organization ON persons (organization_id, id);
CREATE INDEX persons_skills ON persons USING gin (skills jsonb_path_ops);

CREATE TABLE memberships (
    id                      uuid PRIMARY KEY,
    holder_person_id        uuid REFERENCES persons (id),
    holder_organization_id  uuid REFERENCES organizations (id),
    type                    text NOT NULL CHECK (type IN ('supporting', 'community', 'partner',
                                'expert')),
    status                  text NOT NULL CHECK (status IN ('applied', 'active', 'suspended',
                                'terminated', 'lapsed')),
    contribution_cents      bigint CHECK (contribution_cents >= 0),
    contribution_currency   text,
    started_on              date,
    ends_on                 date,
    applied_at              timestamptz NOT NULL DEFAULT now(),
    status_changed_at       timestamptz NOT NULL DEFAULT now(),
    status_reason           text NOT NULL DEFAULT '',
    version                 bigint NOT NULL DEFAULT 1,
    CHECK (num_nonnulls(holder_person_id, holder_organization_id) = 1),
    CHECK ((contribution_cents IS NULL) = (contribution_currency IS NULL))
);
CREATE INDEX memberships_holder_person ON memberships (holder_person_id, id);
CREATE INDEX memberships_holder_organization ON memberships (holder_organization_id, id);

CREATE TABLE expert_profiles (
    person_id               uuid PRIMARY KEY REFERENCES persons (id),
    competences             jsonb NOT NULL DEFAULT '[]',
    hourly_rate_cents       bigint CHECK (hourly_rate_cents >= 0),
    hourly_rate_currency    text,
    day_rate_cents          bigint CHECK (day_rate_cents >= 0),
    day_rate_currency       text,
    languages               text[] NOT NULL DEFAULT '{}',
    regions                 text[] NOT NULL DEFAULT '{}',
    remote                  boolean NOT NULL DEFAULT false,
    hours_per_month         integer NOT NULL DEFAULT 0 CHECK (hours_per_month BETWEEN 0 AND 744),
    version                 bigint NOT NULL DEFAULT 1,
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- The competence taxonomy; rows come from 0002_taxonomy.sql (data shipped with the project).
CREATE TABLE competences (
    code      text PRIMARY KEY,
    area      text NOT NULL CHECK (area IN ('future_skills', 'digcomp')),
    label_de  text NOT NULL,
    label_en  text NOT NULL
);

-- API tokens: only the BLAKE2b hash (hex) of a token is kept.
CREATE TABLE tokens (
    id          uuid PRIMARY KEY,
    hash        text NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('admin', 'staff', 'member', 'service')),
    person_id   uuid REFERENCES persons (id),
    label       text NOT NULL DEFAULT '',
    expires_at  timestamptz,                       -- NULL: never (the bootstrap admin token)
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'member' OR person_id IS NOT NULL)
);
CREATE INDEX tokens_person ON tokens (person_id) WHERE person_id IS NOT NULL;

-- Who did what to whom, e.g. erasures; kept after the subject is erased.
CREATE TABLE audit (
    id          uuid PRIMARY KEY,
    action      text NOT NULL,                     -- "person.erased"
    subject_id  uuid NOT NULL,
    actor_id    text NOT NULL,
    actor_role  text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_subject ON audit (subject_id, id);

-- Idempotency keys of vb_write_batch (common/include/vb/write_batch.h), kept 24 hours.
CREATE TABLE idempotency (
    caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,
    request_hash bytea NOT NULL, reply bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key));
CREATE INDEX idempotency_created ON idempotency (created_at);
