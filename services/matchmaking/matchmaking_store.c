/* matchmaking_store.c - every SQL statement of the matchmaking service (see the header):
 * parameters as text (NULL = SQL NULL), rows through callbacks into arena messages.
 * Does not: validate, authorise or open transactions (the write batch does). */
#include "matchmaking_store.h"

#include <string.h>

#include <jansson.h>

#include "vb/assert.h"
#include "vb/db_query.h"

#define TS(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* A text[] column from a JSON array parameter. */
#define TEXT_ARRAY(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb))"
#define DATE_TEXT(column) "coalesce(to_char(" column ", 'YYYY-MM-DD'), '')"

#define NEED_COLUMNS                                                                               \
    "n.id::text, coalesce(n.owner_person_id::text, ''),"                                           \
    " coalesce(n.owner_organization_id::text, ''), n.title, n.competences::text,"                  \
    " n.budget_cents, coalesce(n.budget_currency, ''), n.budget_cents IS NOT NULL, n.hours,"       \
    " array_to_json(n.languages)::text, n.region, n.remote, " DATE_TEXT(                           \
        "n.starts_on") ", " DATE_TEXT("n.ends_on") ", n.created_by, " TS("n.created_at")

#define OFFER_COLUMNS                                                                              \
    "o.id::text, o.provider_organization_id::text, o.title, o.competences::text,"                  \
    " o.price_cents, o.price_currency, o.region, o.format, " DATE_TEXT(                            \
        "o.starts_on") ", " DATE_TEXT("o.ends_on") ", o.rating_count, o.rating_sum, " TS("o."      \
                                                                                         "created" \
                                                                                         "_at")

// clang-format off
static const vb_db_statement_t s_statements[] = {
    /* needs */
    {"need_insert",
     "INSERT INTO needs (id, owner_person_id, owner_organization_id, title, competences,"
     " budget_cents, budget_currency, hours, languages, region, remote, starts_on, ends_on,"
     " created_by, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::jsonb, $6::bigint, $7, $8::integer, "
     TEXT_ARRAY("$9") ", $10, $11::boolean, NULLIF($12, '')::date, NULLIF($13, '')::date, $14,"
     " $15::timestamptz)"},
    {"need_get", "SELECT " NEED_COLUMNS " FROM needs n WHERE n.id = $1::uuid"},
    {"need_list",
     "SELECT " NEED_COLUMNS " FROM needs n"
     " WHERE ($1::uuid IS NULL OR n.id > $1::uuid)"
     " AND ($2::uuid IS NULL OR n.owner_person_id = $2::uuid)"
     " AND ($3::uuid IS NULL OR n.owner_organization_id = $3::uuid)"
     " ORDER BY n.id LIMIT $4::integer"},

    /* offers */
    {"offer_insert",
     "INSERT INTO offers (id, provider_organization_id, title, competences, price_cents,"
     " price_currency, region, format, starts_on, ends_on, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, $5::bigint, $6, $7, $8,"
     " NULLIF($9, '')::date, NULLIF($10, '')::date, $11::timestamptz)"},
    {"offer_get", "SELECT " OFFER_COLUMNS " FROM offers o WHERE o.id = $1::uuid"},
    {"offer_get_for_update",
     "SELECT " OFFER_COLUMNS " FROM offers o WHERE o.id = $1::uuid FOR UPDATE"},
    {"offer_list",
     "SELECT " OFFER_COLUMNS " FROM offers o"
     " WHERE ($1::uuid IS NULL OR o.id > $1::uuid)"
     " AND ($2::uuid IS NULL OR o.provider_organization_id = $2::uuid)"
     " AND ($3::text IS NULL OR o.competences @> jsonb_build_array(jsonb_build_object('code', $3::text)))"
     " ORDER BY o.id LIMIT $4::integer"},

    /* ratings: the previous stars (if any) are read before the upsert in the same snapshot,
     * so the offer's count and sum change by exactly this rating */
    {"rating_put",
     "WITH previous AS (SELECT r.stars FROM ratings r"
     "                  WHERE r.offer_id = $1::uuid AND r.person_id = $2::uuid),"
     " stored AS (INSERT INTO ratings AS r (offer_id, person_id, stars, rated_at)"
     "            VALUES ($1::uuid, $2::uuid, $3::integer, clock_timestamp())"
     "            ON CONFLICT (offer_id, person_id) DO UPDATE SET stars = EXCLUDED.stars,"
     "            rated_at = EXCLUDED.rated_at RETURNING r.rated_at)"
     " UPDATE offers AS o SET"
     " rating_count = o.rating_count + CASE WHEN EXISTS (SELECT 1 FROM previous) THEN 0 ELSE 1 END,"
     " rating_sum = o.rating_sum + $3::integer - coalesce((SELECT stars FROM previous), 0)"
     " WHERE o.id = $1::uuid"
     " RETURNING " OFFER_COLUMNS ", EXISTS (SELECT 1 FROM previous),"
     " (SELECT " TS("rated_at") " FROM stored)"},

    /* erasure of a person: its needs, and its ratings with the offers' count and sum */
    {"erase_needs",
     "DELETE FROM needs AS n WHERE n.owner_person_id = $1::uuid RETURNING n.id::text"},
    {"erase_ratings",
     "WITH removed AS (DELETE FROM ratings r WHERE r.person_id = $1::uuid"
     "                 RETURNING r.offer_id, r.stars),"
     " per_offer AS (SELECT offer_id, count(*) AS n, sum(stars) AS s FROM removed"
     "               GROUP BY offer_id)"
     " UPDATE offers AS o SET rating_count = o.rating_count - p.n,"
     " rating_sum = o.rating_sum - p.s"
     " FROM per_offer p WHERE o.id = p.offer_id"
     " RETURNING " OFFER_COLUMNS},
};
// clang-format on

const vb_db_statement_t *
matchmaking_store_statements(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_statements);
    return s_statements;
}

/* ---- parameters ---- */

/* [{"code": ..., "level": ...}], or NULL when a code is not valid UTF-8. */
static const char *
s_competences_json(vb_arena_t *arena, Verbund__Matchmaking__V1__CompetenceLevel **items,
                   size_t count)
{
    json_t *array = json_array();
    VB_ASSERT(array);
    for (size_t i = 0; i < count; i++) {
        json_t *code = json_string(items[i]->code);
        if (!code) {
            json_decref(array);
            return NULL;
        }
        json_array_append_new(array,
                              json_pack("{s:o, s:i}", "code", code, "level", (int)items[i]->level));
    }
    return vb_db_param_json(arena, array);
}

/* ---- rows ---- */

static void
s_parse_competences(vb_arena_t *arena, const char *text,
                    Verbund__Matchmaking__V1__CompetenceLevel ***items, size_t *count)
{
    json_t *array = json_loads(text, 0, NULL);
    *count = json_is_array(array) ? json_array_size(array) : 0;
    *items = *count ? vb_arena_alloc(arena, *count * sizeof **items) : NULL;
    for (size_t i = 0; i < *count; i++) {
        json_t *item = json_array_get(array, i);
        Verbund__Matchmaking__V1__CompetenceLevel *competence =
            vb_arena_message(arena, &verbund__matchmaking__v1__competence_level__descriptor);
        const char *code = json_string_value(json_object_get(item, "code"));
        competence->code = vb_arena_strdup(arena, code ? code : "");
        competence->level = (int32_t)json_integer_value(json_object_get(item, "level"));
        (*items)[i] = competence;
    }
    json_decref(array);
}

static Verbund__Common__V1__Money *
s_money(vb_arena_t *arena, const vb_db_row_t *row, int cents_column, int currency_column)
{
    Verbund__Common__V1__Money *money =
        vb_arena_message(arena, &verbund__common__v1__money__descriptor);
    money->cents = vb_db_row_int64(row, cents_column);
    money->currency = vb_db_row_strdup(arena, row, currency_column);
    return money;
}

static void *
s_build_need(vb_arena_t *arena, const vb_db_row_t *row)
{
    matchmaking_need_t *n = vb_arena_message(arena, &verbund__matchmaking__v1__need__descriptor);
    n->id = vb_db_row_strdup(arena, row, 0);
    n->owner_person_id = vb_db_row_strdup(arena, row, 1);
    n->owner_organization_id = vb_db_row_strdup(arena, row, 2);
    n->title = vb_db_row_strdup(arena, row, 3);
    s_parse_competences(arena, vb_db_row_text(row, 4), &n->competences, &n->n_competences);
    if (vb_db_row_bool(row, 7))
        n->budget = s_money(arena, row, 5, 6);
    n->hours = (int32_t)vb_db_row_int64(row, 8);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 9), &n->languages, &n->n_languages);
    n->region = vb_db_row_strdup(arena, row, 10);
    n->remote = vb_db_row_bool(row, 11);
    n->starts_on = vb_db_row_strdup(arena, row, 12);
    n->ends_on = vb_db_row_strdup(arena, row, 13);
    n->created_by = vb_db_row_strdup(arena, row, 14);
    n->created_at = vb_db_row_strdup(arena, row, 15);
    return n;
}

static void *
s_build_offer(vb_arena_t *arena, const vb_db_row_t *row)
{
    matchmaking_offer_t *o = vb_arena_message(arena, &verbund__matchmaking__v1__offer__descriptor);
    o->id = vb_db_row_strdup(arena, row, 0);
    o->provider_organization_id = vb_db_row_strdup(arena, row, 1);
    o->title = vb_db_row_strdup(arena, row, 2);
    s_parse_competences(arena, vb_db_row_text(row, 3), &o->competences, &o->n_competences);
    o->price = s_money(arena, row, 4, 5);
    o->region = vb_db_row_strdup(arena, row, 6);
    o->format = strcmp(vb_db_row_text(row, 7), "online") == 0
                    ? VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ONLINE
                    : VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ON_SITE;
    o->starts_on = vb_db_row_strdup(arena, row, 8);
    o->ends_on = vb_db_row_strdup(arena, row, 9);
    o->rating_count = (int32_t)vb_db_row_int64(row, 10);
    int64_t sum = vb_db_row_int64(row, 11);
    o->rating_average = o->rating_count > 0 ? (double)sum / o->rating_count : 0.0;
    o->created_at = vb_db_row_strdup(arena, row, 12);
    return o;
}

/* ---- needs ---- */

vb_status_t
matchmaking_store_need_insert(vb_db_t *db, vb_arena_t *arena, const matchmaking_need_t *need)
{
    const char *params[] = {
        need->id,
        vb_db_param_null_if_empty(need->owner_person_id),
        vb_db_param_null_if_empty(need->owner_organization_id),
        need->title,
        s_competences_json(arena, need->competences, need->n_competences),
        need->budget ? vb_db_param_int(arena, need->budget->cents) : NULL,
        need->budget ? need->budget->currency : NULL,
        vb_db_param_int(arena, need->hours),
        vb_db_param_json_strings(arena, need->languages, need->n_languages),
        need->region,
        vb_db_param_bool(need->remote),
        need->starts_on,
        need->ends_on,
        need->created_by,
        need->created_at,
    };
    if (!params[4] || !params[8])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_write(db, "need_insert", params, (int)VB_ARRAY_SIZE(params));
}

vb_status_t
matchmaking_store_need_get(vb_db_t *db, vb_arena_t *arena, const char *id, matchmaking_need_t **out)
{
    const char *params[] = {id};
    return vb_db_query_one(db, arena, "need_get", params, 1, s_build_need, (void **)out);
}

vb_status_t
matchmaking_store_need_list(vb_db_t *db, vb_arena_t *arena, const char *owner_person_id,
                            const char *owner_organization_id, const char *after_id, int limit,
                            matchmaking_need_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(after_id), vb_db_param_null_if_empty(owner_person_id),
        vb_db_param_null_if_empty(owner_organization_id), vb_db_param_int(arena, limit + 1)};
    return vb_db_query_rows(db, arena, "need_list", params, 4, s_build_need, (void ***)items,
                            count);
}

/* ---- offers ---- */

vb_status_t
matchmaking_store_offer_insert(vb_db_t *db, vb_arena_t *arena, const matchmaking_offer_t *offer)
{
    const char *params[] = {
        offer->id,
        offer->provider_organization_id,
        offer->title,
        s_competences_json(arena, offer->competences, offer->n_competences),
        vb_db_param_int(arena, offer->price->cents),
        offer->price->currency,
        offer->region,
        offer->format == VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ONLINE ? "online"
                                                                                     : "on_site",
        offer->starts_on,
        offer->ends_on,
        offer->created_at,
    };
    if (!params[3])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_write(db, "offer_insert", params, (int)VB_ARRAY_SIZE(params));
}

vb_status_t
matchmaking_store_offer_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                            matchmaking_offer_t **out)
{
    const char *params[] = {id};
    return vb_db_query_one(db, arena, for_update ? "offer_get_for_update" : "offer_get", params, 1,
                           s_build_offer, (void **)out);
}

vb_status_t
matchmaking_store_offer_list(vb_db_t *db, vb_arena_t *arena, const char *provider_organization_id,
                             const char *competence, const char *after_id, int limit,
                             matchmaking_offer_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(after_id), vb_db_param_null_if_empty(provider_organization_id),
        vb_db_param_null_if_empty(competence), vb_db_param_int(arena, limit + 1)};
    return vb_db_query_rows(db, arena, "offer_list", params, 4, s_build_offer, (void ***)items,
                            count);
}

/* ---- ratings ---- */

typedef struct {
    vb_arena_t *arena;
    matchmaking_offer_t *offer;
    bool replaced;
    char *rated_at;
    bool found;
} s_rating_row_t;

static int
s_rating_row(void *arg, const vb_db_row_t *row)
{
    s_rating_row_t *out = arg;
    out->offer = s_build_offer(out->arena, row);
    out->replaced = vb_db_row_bool(row, 13);
    out->rated_at = vb_db_row_strdup(out->arena, row, 14);
    out->found = true;
    return 0;
}

vb_status_t
matchmaking_store_rating_put(vb_db_t *db, vb_arena_t *arena, const char *offer_id,
                             const char *person_id, int stars, bool *replaced,
                             matchmaking_rating_t **rating_out, matchmaking_offer_t **offer_out)
{
    const char *params[] = {offer_id, person_id, vb_db_param_int(arena, stars)};
    s_rating_row_t out = {.arena = arena};
    vb_status_t status = vb_db_run(db, "rating_put", params, 3, s_rating_row, &out, NULL);
    if (status != VB_STATUS_OK)
        return status;
    if (!out.found)
        return VB_STATUS_NOT_FOUND;
    matchmaking_rating_t *rating =
        vb_arena_message(arena, &verbund__matchmaking__v1__rating__descriptor);
    rating->offer_id = out.offer->id;
    rating->person_id = vb_arena_strdup(arena, person_id);
    rating->stars = stars;
    rating->rated_at = out.rated_at;
    *replaced = out.replaced;
    *rating_out = rating;
    *offer_out = out.offer;
    return VB_STATUS_OK;
}

/* ---- erasure ---- */

static void *
s_build_text(vb_arena_t *arena, const vb_db_row_t *row)
{
    return vb_db_row_strdup(arena, row, 0);
}

vb_status_t
matchmaking_store_erase_needs(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                              char ***ids, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "erase_needs", params, 1, s_build_text, (void ***)ids,
                            count);
}

vb_status_t
matchmaking_store_erase_ratings(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                matchmaking_offer_t ***offers, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "erase_ratings", params, 1, s_build_offer,
                            (void ***)offers, count);
}
