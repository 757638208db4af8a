/* membership_store.c - the SQL of the membership service: one table of prepared statements in
 * the "membership" schema, row callbacks that build protobuf messages in the request arena, and
 * JSON (jansson) for the array and skill columns. Every value travels as a parameter.
 * Does not: decide anything; handlers and the domain modules do. */
#include "membership_store.h"

#include <jansson.h>

#include "vb/assert.h"
#include "vb/db_query.h"
#include "membership_lifecycle.h"
#include "membership_validate.h"

/* The SQL is laid out by hand: clang-format would split it mid-clause. */
/* clang-format off */
/* RFC 3339 UTC text of a timestamptz column. */
#define TS(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* A text[] column from a JSON array parameter. */
#define TEXT_ARRAY(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb))"

#define PERSON_COLUMNS                                                                           \
    "p.id::text, p.name, coalesce(p.email, ''), coalesce(p.organization_id::text, ''),"          \
    " p.region, p.sector, array_to_json(p.languages)::text, p.skills::text,"                     \
    " array_to_json(p.interests)::text, p.visible_in_network, p.federate, p.version, "           \
    TS("p.created_at") ", " TS("p.updated_at") ", p.erased_at IS NOT NULL,"                       \
    " coalesce(" TS("p.erased_at") ", '')"

#define ORGANIZATION_COLUMNS                                                                     \
    "o.id::text, o.name, o.kind, o.region, o.sector, coalesce(o.vat_id, ''), o.version, "        \
    TS("o.created_at") ", " TS("o.updated_at")

#define MEMBERSHIP_COLUMNS                                                                       \
    "m.id::text, coalesce(m.holder_person_id::text, ''),"                                        \
    " coalesce(m.holder_organization_id::text, ''), m.type, m.status, m.contribution_cents,"     \
    " coalesce(m.contribution_currency, ''), m.contribution_cents IS NOT NULL,"                  \
    " coalesce(to_char(m.started_on, 'YYYY-MM-DD'), ''),"                                        \
    " coalesce(to_char(m.ends_on, 'YYYY-MM-DD'), ''), " TS("m.applied_at") ", "                  \
    TS("m.status_changed_at") ", m.status_reason, m.version"

#define PROFILE_COLUMNS                                                                          \
    "e.person_id::text, e.competences::text, e.hourly_rate_cents,"                               \
    " coalesce(e.hourly_rate_currency, ''), e.hourly_rate_cents IS NOT NULL, e.day_rate_cents,"  \
    " coalesce(e.day_rate_currency, ''), e.day_rate_cents IS NOT NULL,"                          \
    " array_to_json(e.languages)::text, array_to_json(e.regions)::text, e.remote,"               \
    " e.hours_per_month, e.version, " TS("e.updated_at")

static const vb_db_statement_t s_statements[] = {
    /* persons */
    /* a new person; the timestamps come from the service ($12), nothing is read back */
    {"person_insert_new",
     "INSERT INTO persons (id, name, email, organization_id, region, sector, languages,"
     " skills, interests, visible_in_network, federate, created_at, updated_at)"
     " VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6, " TEXT_ARRAY("$7") ", $8::jsonb, "
     TEXT_ARRAY("$9") ", $10::boolean, $11::boolean, $12::timestamptz, $12::timestamptz)"},
    {"person_get", "SELECT " PERSON_COLUMNS " FROM persons p WHERE p.id = $1::uuid"},
    {"person_get_for_update",
     "SELECT " PERSON_COLUMNS " FROM persons p WHERE p.id = $1::uuid FOR UPDATE"},
    {"person_update",
     "UPDATE persons AS p SET name = $2, email = $3, organization_id = $4::uuid, region = $5,"
     " sector = $6, languages = " TEXT_ARRAY("$7") ", skills = $8::jsonb,"
     " interests = " TEXT_ARRAY("$9") ", visible_in_network = $10::boolean,"
     " federate = $11::boolean, version = p.version + 1, updated_at = clock_timestamp()"
     " WHERE p.id = $1::uuid AND p.version = $12::bigint AND p.erased_at IS NULL"
     " RETURNING " PERSON_COLUMNS},
    {"person_list",
     "SELECT " PERSON_COLUMNS " FROM persons p"
     " LEFT JOIN organizations o ON o.id = p.organization_id"
     " WHERE p.erased_at IS NULL"
     " AND ($1::uuid IS NULL OR p.id > $1::uuid)"
     " AND ($2::text IS NULL OR strpos(lower(p.name), lower($2)) > 0"
     "      OR strpos(lower(p.email), lower($2)) > 0"
     "      OR strpos(lower(coalesce(o.name, '')), lower($2)) > 0)"
     " AND ($3::text IS NULL OR p.skills @> jsonb_build_array(jsonb_build_object('code', $3::text)))"
     " AND ($4::text IS NULL OR lower(p.region) = lower($4))"
     " AND ($5::uuid IS NULL OR p.organization_id = $5::uuid)"
     " ORDER BY p.id LIMIT $6::integer"},
    {"person_erase",
     "UPDATE persons AS p SET name = '', email = NULL, organization_id = NULL, region = '',"
     " sector = '', languages = '{}', skills = '[]', interests = '{}',"
     " visible_in_network = false, federate = false, erased_at = clock_timestamp(),"
     " updated_at = clock_timestamp(), version = p.version + 1"
     " WHERE p.id = $1::uuid AND p.erased_at IS NULL RETURNING " PERSON_COLUMNS},

    /* organisations */
    {"organization_insert",
     "INSERT INTO organizations AS o (id, name, kind, region, sector, vat_id, created_at,"
     " updated_at) VALUES ($1::uuid, $2, $3, $4, $5, NULLIF($6, ''), clock_timestamp(),"
     " clock_timestamp()) RETURNING " ORGANIZATION_COLUMNS},
    {"organization_get",
     "SELECT " ORGANIZATION_COLUMNS " FROM organizations o WHERE o.id = $1::uuid"},
    {"organization_list",
     "SELECT " ORGANIZATION_COLUMNS " FROM organizations o"
     " WHERE ($1::uuid IS NULL OR o.id > $1::uuid)"
     " AND ($2::text IS NULL OR strpos(lower(o.name), lower($2)) > 0)"
     " AND ($3::text IS NULL OR lower(o.region) = lower($3))"
     " AND ($4::text IS NULL OR o.kind = $4)"
     " AND ($5::text IS NULL OR lower(o.sector) = lower($5))"
     " ORDER BY o.id LIMIT $6::integer"},

    /* memberships */
    {"membership_insert",
     "INSERT INTO memberships AS m (id, holder_person_id, holder_organization_id, type, status,"
     " contribution_cents, contribution_currency, applied_at, status_changed_at, status_reason)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::bigint, $7, clock_timestamp(),"
     " clock_timestamp(), '') RETURNING " MEMBERSHIP_COLUMNS},
    {"membership_get", "SELECT " MEMBERSHIP_COLUMNS " FROM memberships m WHERE m.id = $1::uuid"},
    {"membership_get_for_update",
     "SELECT " MEMBERSHIP_COLUMNS " FROM memberships m WHERE m.id = $1::uuid FOR UPDATE"},
    {"membership_save_status",
     "UPDATE memberships AS m SET status = $2, started_on = NULLIF($3, '')::date,"
     " ends_on = NULLIF($4, '')::date, status_reason = $5,"
     " status_changed_at = $6::timestamptz, version = m.version + 1"
     " WHERE m.id = $1::uuid AND m.version = $7::bigint RETURNING " MEMBERSHIP_COLUMNS},
    {"membership_list",
     "SELECT " MEMBERSHIP_COLUMNS " FROM memberships m"
     " WHERE ($1::uuid IS NULL OR m.id > $1::uuid)"
     " AND ($2::text IS NULL OR m.type = $2)"
     " AND ($3::text IS NULL OR m.status = $3)"
     " AND ($4::uuid IS NULL OR m.holder_person_id = $4::uuid"
     "      OR m.holder_organization_id = $4::uuid)"
     " ORDER BY m.id LIMIT $5::integer"},
    {"membership_list_by_person",
     "SELECT " MEMBERSHIP_COLUMNS " FROM memberships m WHERE m.holder_person_id = $1::uuid"
     " ORDER BY m.id"},

    /* expert profiles */
    {"expert_profile_put",
     "INSERT INTO expert_profiles AS e (person_id, competences, hourly_rate_cents,"
     " hourly_rate_currency, day_rate_cents, day_rate_currency, languages, regions, remote,"
     " hours_per_month, version, updated_at)"
     " VALUES ($1::uuid, $2::jsonb, $3::bigint, $4, $5::bigint, $6, " TEXT_ARRAY("$7") ", "
     TEXT_ARRAY("$8") ", $9::boolean, $10::integer, 1, clock_timestamp())"
     " ON CONFLICT (person_id) DO UPDATE SET competences = EXCLUDED.competences,"
     " hourly_rate_cents = EXCLUDED.hourly_rate_cents,"
     " hourly_rate_currency = EXCLUDED.hourly_rate_currency,"
     " day_rate_cents = EXCLUDED.day_rate_cents, day_rate_currency = EXCLUDED.day_rate_currency,"
     " languages = EXCLUDED.languages, regions = EXCLUDED.regions, remote = EXCLUDED.remote,"
     " hours_per_month = EXCLUDED.hours_per_month, version = e.version + 1,"
     " updated_at = clock_timestamp() RETURNING " PROFILE_COLUMNS},
    {"expert_profile_get",
     "SELECT " PROFILE_COLUMNS " FROM expert_profiles e WHERE e.person_id = $1::uuid"},
    {"expert_profile_delete", "DELETE FROM expert_profiles WHERE person_id = $1::uuid"},
    {"expert_profile_list",
     "SELECT " PROFILE_COLUMNS " FROM expert_profiles e"
     " WHERE ($1::uuid IS NULL OR e.person_id > $1::uuid)"
     " ORDER BY e.person_id LIMIT $2::integer"},

    /* tokens */
    {"token_insert",
     "INSERT INTO tokens AS t (id, hash, role, person_id, label, expires_at, created_at,"
     " topic_prefixes)"
     " VALUES ($1::uuid, $2, $3, $4::uuid, $5,"
     " clock_timestamp() + make_interval(secs => $6::bigint), clock_timestamp(),"
     " string_to_array($7, ','))"
     " RETURNING " TS("t.expires_at")},
    {"token_find",
     "SELECT t.id::text, t.role, coalesce(t.person_id::text, ''),"
     " t.expires_at IS NOT NULL AND t.expires_at <= clock_timestamp(),"
     " t.revoked_at IS NOT NULL, coalesce(" TS("t.expires_at") ", ''),"
     " array_to_string(t.topic_prefixes, ',')"
     " FROM tokens t WHERE t.hash = $1"},
    {"token_revoke_person",
     "UPDATE tokens SET revoked_at = clock_timestamp()"
     " WHERE person_id = $1::uuid AND revoked_at IS NULL"},
    {"token_bootstrap",
     "INSERT INTO tokens (id, hash, role, label, expires_at, created_at)"
     " VALUES ($1::uuid, $2, 'admin', $3, NULL, clock_timestamp())"
     " ON CONFLICT (hash) DO UPDATE SET role = 'admin', label = EXCLUDED.label,"
     " expires_at = NULL, revoked_at = NULL"},
    {"token_bootstrap_retire",
     "UPDATE tokens SET revoked_at = clock_timestamp()"
     " WHERE label = $2 AND hash <> $1 AND revoked_at IS NULL"},

    /* audit */
    {"audit_insert",
     "INSERT INTO audit (id, action, subject_id, actor_id, actor_role, reason, at)"
     " VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, clock_timestamp())"},
    {"audit_list",
     "SELECT a.id::text, a.action, a.subject_id::text, a.actor_id, a.actor_role, a.reason, "
     TS("a.at") " FROM audit a WHERE a.subject_id = $1::uuid ORDER BY a.id"},

    /* taxonomy */
    {"taxonomy_load", "SELECT code, area, label_de, label_en FROM competences ORDER BY code"},
};
/* clang-format on */

const vb_db_statement_t *
membership_store_statements(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_statements);
    return s_statements;
}

/* ---- helpers: parameters ---- */

/* [{"code": ..., "level": ...}] in the arena, or NULL on invalid text. */
static const char *
s_skills_json(vb_arena_t *arena, membership_skill_t **skills, size_t count)
{
    json_t *array = json_array();
    VB_ASSERT(array);
    for (size_t i = 0; i < count; i++) {
        json_t *code = json_string(skills[i]->code);
        if (!code) {
            json_decref(array);
            return NULL;
        }
        json_array_append_new(
            array, json_pack("{s:o, s:i}", "code", code, "level", (int)skills[i]->level));
    }
    return vb_db_param_json(arena, array);
}

/* ---- helpers: rows ---- */

/* Parses text as a JSON array into *array (NULL when text is not one; json_decref it) and
 * returns room in arena for its *count items, slot_size bytes each (NULL when it is empty). */
static void *
s_parse_array(vb_arena_t *arena, const char *text, size_t slot_size, json_t **array,
              size_t *count)
{
    *count = 0;
    *array = json_loads(text, 0, NULL);
    if (!json_is_array(*array)) {
        json_decref(*array);
        *array = NULL;
        return NULL;
    }
    size_t n = json_array_size(*array);
    if (n == 0)
        return NULL;
    *count = n;
    return vb_arena_alloc(arena, n * slot_size);
}

static void
s_parse_skills(vb_arena_t *arena, const char *text, membership_skill_t ***items, size_t *count)
{
    json_t *array = NULL;
    *items = s_parse_array(arena, text, sizeof(membership_skill_t *), &array, count);
    for (size_t i = 0; i < *count; i++) {
        json_t *item = json_array_get(array, i);
        membership_skill_t *skill =
            vb_arena_message(arena, &verbund__membership__v1__skill__descriptor);
        skill->code = vb_arena_strdup(arena, json_string_value(json_object_get(item, "code")));
        skill->level = (int32_t)json_integer_value(json_object_get(item, "level"));
        (*items)[i] = skill;
    }
    json_decref(array);
}

static membership_money_t *
s_money(vb_arena_t *arena, const vb_db_row_t *row, int cents_column, int currency_column)
{
    membership_money_t *money = vb_arena_message(arena, &verbund__common__v1__money__descriptor);
    money->cents = vb_db_row_int64(row, cents_column);
    money->currency = vb_db_row_strdup(arena, row, currency_column);
    return money;
}

static void *
s_build_person(vb_arena_t *arena, const vb_db_row_t *row)
{
    membership_person_t *p = vb_arena_message(arena, &verbund__membership__v1__person__descriptor);
    p->id = vb_db_row_strdup(arena, row, 0);
    p->name = vb_db_row_strdup(arena, row, 1);
    p->email = vb_db_row_strdup(arena, row, 2);
    p->organization_id = vb_db_row_strdup(arena, row, 3);
    p->region = vb_db_row_strdup(arena, row, 4);
    p->sector = vb_db_row_strdup(arena, row, 5);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 6), &p->languages, &p->n_languages);
    s_parse_skills(arena, vb_db_row_text(row, 7), &p->skills, &p->n_skills);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 8), &p->interests, &p->n_interests);
    p->consents = vb_arena_message(arena, &verbund__membership__v1__consents__descriptor);
    p->consents->visible_in_network = vb_db_row_bool(row, 9);
    p->consents->federate = vb_db_row_bool(row, 10);
    p->version = vb_db_row_int64(row, 11);
    p->created_at = vb_db_row_strdup(arena, row, 12);
    p->updated_at = vb_db_row_strdup(arena, row, 13);
    p->erased = vb_db_row_bool(row, 14);
    return p;
}

static void *
s_build_organization(vb_arena_t *arena, const vb_db_row_t *row)
{
    membership_organization_t *o =
        vb_arena_message(arena, &verbund__membership__v1__organization__descriptor);
    o->id = vb_db_row_strdup(arena, row, 0);
    o->name = vb_db_row_strdup(arena, row, 1);
    membership_kind_t kind = MEMBERSHIP_KIND_UNSPECIFIED;
    (void)membership_kind_parse(vb_db_row_text(row, 2), &kind); /* the CHECK allows no other */
    o->kind = kind;
    o->region = vb_db_row_strdup(arena, row, 3);
    o->sector = vb_db_row_strdup(arena, row, 4);
    o->vat_id = vb_db_row_strdup(arena, row, 5);
    o->version = vb_db_row_int64(row, 6);
    o->created_at = vb_db_row_strdup(arena, row, 7);
    o->updated_at = vb_db_row_strdup(arena, row, 8);
    return o;
}

static void *
s_build_membership(vb_arena_t *arena, const vb_db_row_t *row)
{
    membership_record_t *m =
        vb_arena_message(arena, &verbund__membership__v1__membership__descriptor);
    m->id = vb_db_row_strdup(arena, row, 0);
    m->holder_person_id = vb_db_row_strdup(arena, row, 1);
    m->holder_organization_id = vb_db_row_strdup(arena, row, 2);
    /* the table's CHECK constraints allow only known names */
    (void)membership_type_parse(vb_db_row_text(row, 3), &m->type);
    (void)membership_status_parse(vb_db_row_text(row, 4), &m->status);
    if (vb_db_row_bool(row, 7))
        m->yearly_contribution = s_money(arena, row, 5, 6);
    m->started_on = vb_db_row_strdup(arena, row, 8);
    m->ends_on = vb_db_row_strdup(arena, row, 9);
    m->applied_at = vb_db_row_strdup(arena, row, 10);
    m->status_changed_at = vb_db_row_strdup(arena, row, 11);
    m->status_reason = vb_db_row_strdup(arena, row, 12);
    m->version = vb_db_row_int64(row, 13);
    return m;
}

static void *
s_build_profile(vb_arena_t *arena, const vb_db_row_t *row)
{
    membership_expert_profile_t *e =
        vb_arena_message(arena, &verbund__membership__v1__expert_profile__descriptor);
    e->person_id = vb_db_row_strdup(arena, row, 0);
    s_parse_skills(arena, vb_db_row_text(row, 1), &e->competences, &e->n_competences);
    if (vb_db_row_bool(row, 4))
        e->hourly_rate = s_money(arena, row, 2, 3);
    if (vb_db_row_bool(row, 7))
        e->day_rate = s_money(arena, row, 5, 6);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 8), &e->languages, &e->n_languages);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 9), &e->regions, &e->n_regions);
    e->remote = vb_db_row_bool(row, 10);
    e->hours_per_month = (int32_t)vb_db_row_int64(row, 11);
    e->version = vb_db_row_int64(row, 12);
    e->updated_at = vb_db_row_strdup(arena, row, 13);
    return e;
}

static void *
s_build_audit(vb_arena_t *arena, const vb_db_row_t *row)
{
    membership_audit_t *a =
        vb_arena_message(arena, &verbund__membership__v1__audit_record__descriptor);
    a->id = vb_db_row_strdup(arena, row, 0);
    a->action = vb_db_row_strdup(arena, row, 1);
    a->subject_id = vb_db_row_strdup(arena, row, 2);
    a->actor_id = vb_db_row_strdup(arena, row, 3);
    a->actor_role = vb_db_row_strdup(arena, row, 4);
    a->reason = vb_db_row_strdup(arena, row, 5);
    a->at = vb_db_row_strdup(arena, row, 6);
    return a;
}

/* A person with the text of its column 15 (erased_at), as person_get and person_erase return. */
typedef struct {
    membership_person_t *person;
    const char *erased_at;
} s_erased_person_t;

static void *
s_build_erased_person(vb_arena_t *arena, const vb_db_row_t *row)
{
    s_erased_person_t *erased = vb_arena_alloc(arena, sizeof *erased);
    erased->person = s_build_person(arena, row);
    erased->erased_at = vb_db_row_strdup(arena, row, 15);
    return erased;
}

/* vb_db_query_one for a statement returning PERSON_COLUMNS; *erased_at (may be NULL) receives
 * the erased_at text ("" when the person is not erased). */
static vb_status_t
s_query_person(vb_db_t *db, vb_arena_t *arena, const char *statement, const char *const *params,
               int param_count, membership_person_t **out, const char **erased_at)
{
    s_erased_person_t *erased = NULL;
    vb_status_t status = vb_db_query_one(db, arena, statement, params, param_count,
                                         s_build_erased_person, (void **)&erased);
    if (status != VB_STATUS_OK)
        return status;
    *out = erased->person;
    if (erased_at)
        *erased_at = erased->erased_at;
    return VB_STATUS_OK;
}

/* ---- persons ---- */

static int
s_person_params(vb_arena_t *arena, const membership_person_t *person, const char *params[11])
{
    params[0] = person->id;
    params[1] = person->name;
    params[2] = person->email;
    params[3] = vb_db_param_null_if_empty(person->organization_id);
    params[4] = person->region;
    params[5] = person->sector;
    params[6] = vb_db_param_json_strings(arena, person->languages, person->n_languages);
    params[7] = s_skills_json(arena, person->skills, person->n_skills);
    params[8] = vb_db_param_json_strings(arena, person->interests, person->n_interests);
    params[9] = vb_db_param_bool(person->consents && person->consents->visible_in_network);
    params[10] = vb_db_param_bool(person->consents && person->consents->federate);
    return params[6] && params[7] && params[8] ? 0 : -1;
}

vb_status_t
membership_store_person_insert_new(vb_db_t *db, vb_arena_t *arena,
                                   const membership_person_t *person)
{
    const char *params[12];
    if (s_person_params(arena, person, params) != 0)
        return VB_STATUS_BAD_REQUEST;
    params[11] = person->created_at;
    return vb_db_write(db, "person_insert_new", params, 12);
}

vb_status_t
membership_store_person_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                            membership_person_t **out, const char **erased_at)
{
    const char *params[] = {id};
    return s_query_person(db, arena, for_update ? "person_get_for_update" : "person_get", params,
                          1, out, erased_at);
}

vb_status_t
membership_store_person_update(vb_db_t *db, vb_arena_t *arena, const membership_person_t *person,
                               int64_t expected_version, membership_person_t **out)
{
    const char *params[12];
    if (s_person_params(arena, person, params) != 0)
        return VB_STATUS_BAD_REQUEST;
    params[11] = vb_db_param_int(arena, expected_version);
    return vb_db_query_one(db, arena, "person_update", params, 12, s_build_person, (void **)out);
}

vb_status_t
membership_store_person_list(vb_db_t *db, vb_arena_t *arena,
                             const membership_person_filter_t *filter, membership_person_t ***items,
                             size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(filter->after_id),
        vb_db_param_null_if_empty(filter->text),
        vb_db_param_null_if_empty(filter->skill),
        vb_db_param_null_if_empty(filter->region),
        vb_db_param_null_if_empty(filter->organization_id),
        vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "person_list", params, 6, s_build_person, (void ***)items,
                            count);
}

vb_status_t
membership_store_person_erase(vb_db_t *db, vb_arena_t *arena, const char *id,
                              membership_person_t **out, const char **erased_at)
{
    const char *params[] = {id};
    return s_query_person(db, arena, "person_erase", params, 1, out, erased_at);
}

/* ---- organisations ---- */

vb_status_t
membership_store_organization_insert(vb_db_t *db, vb_arena_t *arena,
                                     const membership_organization_t *organization,
                                     membership_organization_t **out)
{
    const char *kind = membership_kind_name(organization->kind);
    VB_ASSERT(kind); /* validated by the handler */
    const char *params[] = {organization->id,     organization->name,   kind,
                            organization->region, organization->sector, organization->vat_id};
    return vb_db_query_one(db, arena, "organization_insert", params, 6, s_build_organization,
                           (void **)out);
}

vb_status_t
membership_store_organization_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                  membership_organization_t **out)
{
    const char *params[] = {id};
    return vb_db_query_one(db, arena, "organization_get", params, 1, s_build_organization,
                           (void **)out);
}

vb_status_t
membership_store_organization_list(vb_db_t *db, vb_arena_t *arena,
                                   const membership_organization_filter_t *filter,
                                   membership_organization_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(filter->after_id), vb_db_param_null_if_empty(filter->text),
        vb_db_param_null_if_empty(filter->region),   vb_db_param_null_if_empty(filter->kind),
        vb_db_param_null_if_empty(filter->sector),   vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "organization_list", params, 6, s_build_organization,
                            (void ***)items, count);
}

/* ---- memberships ---- */

static const char *
s_status_text(membership_status_t status)
{
    VB_ASSERT(status != MEMBERSHIP_STATUS_UNSPECIFIED);
    return membership_status_name(status);
}

vb_status_t
membership_store_membership_insert(vb_db_t *db, vb_arena_t *arena,
                                   const membership_record_t *membership, membership_record_t **out)
{
    const char *type = membership_type_name(membership->type);
    VB_ASSERT(type); /* validated by the handler */
    const membership_money_t *money = membership->yearly_contribution;
    const char *params[] = {
        membership->id,
        vb_db_param_null_if_empty(membership->holder_person_id),
        vb_db_param_null_if_empty(membership->holder_organization_id),
        type,
        s_status_text(membership->status),
        money ? vb_db_param_int(arena, money->cents) : NULL,
        money ? money->currency : NULL,
    };
    return vb_db_query_one(db, arena, "membership_insert", params, 7, s_build_membership,
                           (void **)out);
}

vb_status_t
membership_store_membership_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                                membership_record_t **out)
{
    const char *params[] = {id};
    return vb_db_query_one(db, arena, for_update ? "membership_get_for_update" : "membership_get",
                           params, 1, s_build_membership, (void **)out);
}

vb_status_t
membership_store_membership_save_status(vb_db_t *db, vb_arena_t *arena,
                                        const membership_record_t *membership,
                                        int64_t expected_version, membership_record_t **out)
{
    const char *params[] = {
        membership->id,
        s_status_text(membership->status),
        membership->started_on,
        membership->ends_on,
        membership->status_reason,
        membership->status_changed_at,
        vb_db_param_int(arena, expected_version),
    };
    return vb_db_query_one(db, arena, "membership_save_status", params, 7, s_build_membership,
                           (void **)out);
}

vb_status_t
membership_store_membership_list(vb_db_t *db, vb_arena_t *arena,
                                 const membership_membership_filter_t *filter,
                                 membership_record_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(filter->after_id), vb_db_param_null_if_empty(filter->type),
        vb_db_param_null_if_empty(filter->status),   vb_db_param_null_if_empty(filter->holder_id),
        vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "membership_list", params, 5, s_build_membership,
                            (void ***)items, count);
}

vb_status_t
membership_store_membership_list_by_person(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                           membership_record_t ***items, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "membership_list_by_person", params, 1, s_build_membership,
                            (void ***)items, count);
}

/* ---- expert profiles ---- */

vb_status_t
membership_store_expert_profile_put(vb_db_t *db, vb_arena_t *arena,
                                    const membership_expert_profile_t *profile,
                                    membership_expert_profile_t **out)
{
    const char *params[] = {
        profile->person_id,
        s_skills_json(arena, profile->competences, profile->n_competences),
        profile->hourly_rate ? vb_db_param_int(arena, profile->hourly_rate->cents) : NULL,
        profile->hourly_rate ? profile->hourly_rate->currency : NULL,
        profile->day_rate ? vb_db_param_int(arena, profile->day_rate->cents) : NULL,
        profile->day_rate ? profile->day_rate->currency : NULL,
        vb_db_param_json_strings(arena, profile->languages, profile->n_languages),
        vb_db_param_json_strings(arena, profile->regions, profile->n_regions),
        vb_db_param_bool(profile->remote),
        vb_db_param_int(arena, profile->hours_per_month),
    };
    if (!params[1] || !params[6] || !params[7])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_query_one(db, arena, "expert_profile_put", params, 10, s_build_profile,
                           (void **)out);
}

vb_status_t
membership_store_expert_profile_get(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                    membership_expert_profile_t **out)
{
    const char *params[] = {person_id};
    return vb_db_query_one(db, arena, "expert_profile_get", params, 1, s_build_profile,
                           (void **)out);
}

vb_status_t
membership_store_expert_profile_list(vb_db_t *db, vb_arena_t *arena, const char *after_person_id,
                                     int limit, membership_expert_profile_t ***items,
                                     size_t *count)
{
    const char *params[] = {vb_db_param_null_if_empty(after_person_id),
                            vb_db_param_int(arena, limit + 1)};
    return vb_db_query_rows(db, arena, "expert_profile_list", params, 2, s_build_profile,
                            (void ***)items, count);
}

vb_status_t
membership_store_expert_profile_delete(vb_db_t *db, const char *person_id)
{
    const char *params[] = {person_id};
    return vb_db_run(db, "expert_profile_delete", params, 1, NULL, NULL, NULL);
}

/* ---- tokens ---- */

typedef struct {
    vb_arena_t *arena;
    const char **columns[7]; /* where each column's text goes (NULL: skip) */
    bool *flags[7];          /* where each boolean column goes (NULL: skip) */
    bool found;
} s_token_row_t;

static int
s_token_row(void *arg, const vb_db_row_t *row)
{
    s_token_row_t *token = arg;
    token->found = true;
    for (int i = 0; i < 7 && i < vb_db_row_columns(row); i++) {
        if (token->columns[i])
            *token->columns[i] = vb_db_row_strdup(token->arena, row, i);
        if (token->flags[i])
            *token->flags[i] = vb_db_row_bool(row, i);
    }
    return 1;
}

vb_status_t
membership_store_token_insert(vb_db_t *db, vb_arena_t *arena, const char *id, const char *hash,
                              const char *role, const char *person_id, const char *label,
                              int64_t ttl_seconds, const char *topic_prefixes,
                              const char **expires_at)
{
    const char *topics = topic_prefixes ? topic_prefixes : "";
    const char *params[] = {id, hash, role, vb_db_param_null_if_empty(person_id),
                            label, vb_db_param_int(arena, ttl_seconds), topics};
    s_token_row_t token = {.arena = arena, .columns = {expires_at}};
    vb_status_t status = vb_db_run(db, "token_insert", params, 7, s_token_row, &token, NULL);
    if (status == VB_STATUS_OK && !token.found)
        return VB_STATUS_INTERNAL;
    return status;
}

vb_status_t
membership_store_token_find(vb_db_t *db, vb_arena_t *arena, const char *hash, const char **id,
                            const char **role, const char **person_id, bool *expired, bool *revoked,
                            const char **expires_at, const char **topic_prefixes)
{
    const char *params[] = {hash};
    s_token_row_t token = {
        .arena = arena,
        .columns = {id, role, person_id, NULL, NULL, expires_at, topic_prefixes},
        .flags = {NULL, NULL, NULL, expired, revoked, NULL, NULL},
    };
    vb_status_t status = vb_db_run(db, "token_find", params, 1, s_token_row, &token, NULL);
    if (status == VB_STATUS_OK && !token.found)
        return VB_STATUS_NOT_FOUND;
    return status;
}

vb_status_t
membership_store_token_revoke_person(vb_db_t *db, const char *person_id)
{
    const char *params[] = {person_id};
    return vb_db_run(db, "token_revoke_person", params, 1, NULL, NULL, NULL);
}

vb_status_t
membership_store_token_bootstrap(vb_db_t *db, const char *id, const char *hash, const char *label)
{
    const char *params[] = {id, hash, label};
    vb_status_t status = vb_db_run(db, "token_bootstrap", params, 3, NULL, NULL, NULL);
    if (status != VB_STATUS_OK)
        return status;
    const char *retire[] = {hash, label};
    return vb_db_run(db, "token_bootstrap_retire", retire, 2, NULL, NULL, NULL);
}

/* ---- audit ---- */

vb_status_t
membership_store_audit_insert(vb_db_t *db, const membership_audit_t *record)
{
    const char *params[] = {record->id,       record->action,     record->subject_id,
                            record->actor_id, record->actor_role, record->reason};
    return vb_db_run(db, "audit_insert", params, 6, NULL, NULL, NULL);
}

vb_status_t
membership_store_audit_list(vb_db_t *db, vb_arena_t *arena, const char *subject_id,
                            membership_audit_t ***items, size_t *count)
{
    const char *params[] = {subject_id};
    return vb_db_query_rows(db, arena, "audit_list", params, 1, s_build_audit, (void ***)items,
                            count);
}

/* ---- taxonomy, snapshots ---- */

static int
s_taxonomy_row(void *arg, const vb_db_row_t *row)
{
    vb_taxonomy_t *taxonomy = arg;
    /* the primary key makes duplicates impossible; a failure here is out of memory */
    VB_ASSERT(vb_taxonomy_add(taxonomy, vb_db_row_text(row, 0), vb_db_row_text(row, 1),
                                      vb_db_row_text(row, 2), vb_db_row_text(row, 3)) == 0);
    return 0;
}

vb_status_t
membership_store_taxonomy_load(vb_db_t *db, vb_taxonomy_t *taxonomy)
{
    return vb_db_run(db, "taxonomy_load", NULL, 0, s_taxonomy_row, taxonomy, NULL);
}

vb_status_t
membership_store_snapshot_begin(vb_db_t *db)
{
    vb_status_t status = vb_db_begin(db);
    if (status != VB_STATUS_OK)
        return status;
    status = vb_db_exec(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL, 0,
                        NULL, NULL, NULL);
    if (status != VB_STATUS_OK)
        (void)vb_db_rollback(db);
    return status;
}
