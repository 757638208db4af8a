/* communities_store.c - the SQL of the communities service: one table of prepared statements in
 * the "communities" schema, and row callbacks that build protobuf messages in the request
 * arena (JSON through jansson for the array and link columns). Every value travels as a
 * parameter. Does not: decide anything; handlers and the domain modules do. */
#include "communities_store.h"

#include <jansson.h>

#include "vb/assert.h"
#include "vb/db_query.h"
#include "communities_validate.h"

/* The SQL is laid out by hand: clang-format would split it mid-clause. */
/* clang-format off */
/* RFC 3339 UTC text of a timestamptz column. */
#define TS(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* A text[] column from a JSON array parameter. */
#define TEXT_ARRAY(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb))"

#define COMMUNITY_COLUMNS                                                                        \
    "c.id::text, c.name, c.purpose, c.kind, array_to_json(c.topics)::text,"                      \
    " array_to_json(c.tags)::text, c.region, c.visibility, c.join_policy, c.capacity, c.status," \
    " coalesce(c.proposed_by::text, ''), c.status_reason,"                                       \
    " (SELECT count(*) FROM members a WHERE a.community_id = c.id AND a.status = 'active'),"     \
    " c.version, " TS("c.created_at") ", " TS("c.updated_at") ", " TS("c.status_changed_at")

#define MEMBER_COLUMNS                                                                           \
    "m.community_id::text, m.person_id::text, m.role, m.status, " TS("m.joined_at") ","          \
    " m.version, " TS("m.updated_at")

#define RESULT_COLUMNS                                                                           \
    "r.id::text, r.community_id::text, coalesce(r.event_id::text, ''), r.title, r.summary,"      \
    " r.links::text, array_to_json(r.author_ids)::text, r.visibility, r.published_by, "          \
    TS("r.created_at")

static const vb_db_statement_t s_statements[] = {
    /* communities */
    {"community_insert",
     "INSERT INTO communities AS c (id, name, purpose, kind, topics, tags, region, visibility,"
     " join_policy, capacity, status, proposed_by, status_reason, created_at, updated_at,"
     " status_changed_at)"
     " VALUES ($1::uuid, $2, $3, $4, " TEXT_ARRAY("$5") ", " TEXT_ARRAY("$6") ", $7, $8, $9,"
     " $10::integer, $11, $12::uuid, '', clock_timestamp(), clock_timestamp(), clock_timestamp())"
     " RETURNING " COMMUNITY_COLUMNS},
    {"community_get", "SELECT " COMMUNITY_COLUMNS " FROM communities c WHERE c.id = $1::uuid"},
    {"community_get_for_update",
     "SELECT " COMMUNITY_COLUMNS " FROM communities c WHERE c.id = $1::uuid FOR UPDATE"},
    {"community_save_status",
     "UPDATE communities AS c SET status = $2, status_reason = $3,"
     " status_changed_at = $4::timestamptz, updated_at = clock_timestamp(),"
     " version = c.version + 1"
     " WHERE c.id = $1::uuid AND c.version = $5::bigint RETURNING " COMMUNITY_COLUMNS},
    /* visibility: staff and services see all ($5); others what is active or archived and not
     * private, private ones they belong to (also as pending), and their own proposals */
    {"community_list",
     "SELECT " COMMUNITY_COLUMNS " FROM communities c"
     " WHERE ($1::uuid IS NULL OR c.id > $1::uuid)"
     " AND ($2::text IS NULL OR c.kind = $2)"
     " AND ($3::text IS NULL OR c.status = $3)"
     " AND ($4::text IS NULL OR c.topics @> ARRAY[$4::text])"
     " AND ($5::boolean OR c.proposed_by = $6::uuid"
     "      OR (c.status IN ('active', 'archived') AND (c.visibility <> 'private'"
     "          OR EXISTS (SELECT 1 FROM members v WHERE v.community_id = c.id"
     "                     AND v.person_id = $6::uuid))))"
     " ORDER BY c.id LIMIT $7::integer"},

    /* members */
    {"member_get",
     "SELECT " MEMBER_COLUMNS " FROM members m"
     " WHERE m.community_id = $1::uuid AND m.person_id = $2::uuid"},
    {"member_insert",
     "INSERT INTO members AS m (community_id, person_id, role, status, joined_at, updated_at)"
     " VALUES ($1::uuid, $2::uuid, $3, $4, clock_timestamp(), clock_timestamp())"
     " RETURNING " MEMBER_COLUMNS},
    {"member_update",
     "UPDATE members AS m SET role = $3, status = $4, version = m.version + 1,"
     " updated_at = clock_timestamp()"
     " WHERE m.community_id = $1::uuid AND m.person_id = $2::uuid AND m.version = $5::bigint"
     " RETURNING " MEMBER_COLUMNS},
    {"member_delete",
     "DELETE FROM members AS m WHERE m.community_id = $1::uuid AND m.person_id = $2::uuid"
     " RETURNING " MEMBER_COLUMNS},
    {"member_count_active",
     "SELECT count(*) FROM members WHERE community_id = $1::uuid AND status = 'active'"},
    {"member_list",
     "SELECT " MEMBER_COLUMNS " FROM members m WHERE m.community_id = $1::uuid"
     " AND ($2::text IS NULL OR m.status = $2)"
     " AND ($3::uuid IS NULL OR m.person_id > $3::uuid)"
     " ORDER BY m.person_id LIMIT $4::integer"},

    /* results */
    {"result_insert",
     "INSERT INTO results AS r (id, community_id, event_id, title, summary, links, author_ids,"
     " visibility, published_by, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::jsonb, " TEXT_ARRAY("$7") ", $8, $9,"
     " clock_timestamp()) RETURNING " RESULT_COLUMNS},
    {"result_list",
     "SELECT " RESULT_COLUMNS " FROM results r WHERE r.community_id = $1::uuid"
     " AND ($2::boolean OR r.visibility <> 'private')"
     " AND ($3::uuid IS NULL OR r.id > $3::uuid)"
     " ORDER BY r.id LIMIT $4::integer"},

    /* erasure of a person (communities_erase.c) */
    {"erase_members",
     "DELETE FROM members AS m WHERE m.person_id = $1::uuid RETURNING " MEMBER_COLUMNS},
    {"erase_proposer",
     "UPDATE communities AS c SET proposed_by = NULL, version = c.version + 1,"
     " updated_at = clock_timestamp() WHERE c.proposed_by = $1::uuid"
     " RETURNING " COMMUNITY_COLUMNS},
    {"erase_results",
     "UPDATE results SET author_ids = array_remove(author_ids, $1::text),"
     " published_by = CASE WHEN published_by = $1::text THEN '' ELSE published_by END"
     " WHERE $1::text = ANY(author_ids) OR published_by = $1::text"},
};
/* clang-format on */

const vb_db_statement_t *
communities_store_statements(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_statements);
    return s_statements;
}

/* ---- helpers: parameters ---- */

/* [{"url", "label", "kind"}] in the arena, or NULL on invalid text. */
static const char *
s_links_json(vb_arena_t *arena, communities_link_t **links, size_t count)
{
    json_t *array = json_array();
    VB_ASSERT(array);
    for (size_t i = 0; i < count; i++) {
        const char *kind = communities_link_kind_name(links[i]->kind);
        json_t *url = json_string(links[i]->url);
        json_t *label = json_string(links[i]->label);
        if (!url || !label) {
            json_decref(url);
            json_decref(label);
            json_decref(array);
            return NULL;
        }
        json_array_append_new(array, json_pack("{s:o, s:o, s:s}", "url", url, "label", label,
                                               "kind", kind ? kind : "other"));
    }
    return vb_db_param_json(arena, array);
}

/* ---- helpers: rows ---- */

static void
s_parse_links(vb_arena_t *arena, const char *text, communities_link_t ***items, size_t *count)
{
    *items = NULL;
    *count = 0;
    json_t *array = json_loads(text, 0, NULL);
    if (json_is_array(array) && json_array_size(array) > 0) {
        *count = json_array_size(array);
        *items = vb_arena_alloc(arena, *count * sizeof(communities_link_t *));
        for (size_t i = 0; i < *count; i++) {
            json_t *item = json_array_get(array, i);
            communities_link_t *link =
                vb_arena_message(arena, &verbund__communities__v1__link__descriptor);
            link->url = vb_arena_strdup(arena, json_string_value(json_object_get(item, "url")));
            link->label = vb_arena_strdup(arena, json_string_value(json_object_get(item, "label")));
            communities_link_kind_t kind = COMMUNITIES_LINK_OTHER;
            (void)communities_link_kind_parse(json_string_value(json_object_get(item, "kind")),
                                              &kind);
            link->kind = kind;
            (*items)[i] = link;
        }
    }
    json_decref(array);
}

static void *
s_community_from_row(vb_arena_t *arena, const vb_db_row_t *row)
{
    communities_community_t *c =
        vb_arena_message(arena, &verbund__communities__v1__community__descriptor);
    c->id = vb_db_row_strdup(arena, row, 0);
    c->name = vb_db_row_strdup(arena, row, 1);
    c->purpose = vb_db_row_strdup(arena, row, 2);
    /* the table's CHECK constraints allow only known names */
    (void)communities_kind_parse(vb_db_row_text(row, 3), &c->kind);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 4), &c->topics, &c->n_topics);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 5), &c->tags, &c->n_tags);
    c->region = vb_db_row_strdup(arena, row, 6);
    (void)communities_visibility_parse(vb_db_row_text(row, 7), &c->visibility);
    (void)communities_join_policy_parse(vb_db_row_text(row, 8), &c->join_policy);
    c->capacity = (int32_t)vb_db_row_int64(row, 9);
    (void)communities_status_parse(vb_db_row_text(row, 10), &c->status);
    c->proposed_by = vb_db_row_strdup(arena, row, 11);
    c->status_reason = vb_db_row_strdup(arena, row, 12);
    c->member_count = (int32_t)vb_db_row_int64(row, 13);
    c->version = vb_db_row_int64(row, 14);
    c->created_at = vb_db_row_strdup(arena, row, 15);
    c->updated_at = vb_db_row_strdup(arena, row, 16);
    c->status_changed_at = vb_db_row_strdup(arena, row, 17);
    return c;
}

static void *
s_member_from_row(vb_arena_t *arena, const vb_db_row_t *row)
{
    communities_member_t *m =
        vb_arena_message(arena, &verbund__communities__v1__member__descriptor);
    m->community_id = vb_db_row_strdup(arena, row, 0);
    m->person_id = vb_db_row_strdup(arena, row, 1);
    (void)communities_member_role_parse(vb_db_row_text(row, 2), &m->role);
    (void)communities_member_status_parse(vb_db_row_text(row, 3), &m->status);
    m->joined_at = vb_db_row_strdup(arena, row, 4);
    m->version = vb_db_row_int64(row, 5);
    m->updated_at = vb_db_row_strdup(arena, row, 6);
    return m;
}

static void *
s_result_from_row(vb_arena_t *arena, const vb_db_row_t *row)
{
    communities_result_t *r =
        vb_arena_message(arena, &verbund__communities__v1__result__descriptor);
    r->id = vb_db_row_strdup(arena, row, 0);
    r->community_id = vb_db_row_strdup(arena, row, 1);
    r->event_id = vb_db_row_strdup(arena, row, 2);
    r->title = vb_db_row_strdup(arena, row, 3);
    r->summary = vb_db_row_strdup(arena, row, 4);
    s_parse_links(arena, vb_db_row_text(row, 5), &r->links, &r->n_links);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 6), &r->author_ids, &r->n_author_ids);
    (void)communities_visibility_parse(vb_db_row_text(row, 7), &r->visibility);
    r->published_by = vb_db_row_strdup(arena, row, 8);
    r->created_at = vb_db_row_strdup(arena, row, 9);
    return r;
}

/* ---- communities ---- */

vb_status_t
communities_store_community_insert(vb_db_t *db, vb_arena_t *arena,
                                   const communities_community_t *community,
                                   communities_community_t **out)
{
    const char *kind = communities_kind_name(community->kind);
    const char *visibility = communities_visibility_name(community->visibility);
    const char *policy = communities_join_policy_name(community->join_policy);
    const char *status = communities_status_name(community->status);
    VB_ASSERT(kind && visibility && policy && status); /* validated and defaulted by the handler */
    const char *params[] = {
        community->id,
        community->name,
        community->purpose,
        kind,
        vb_db_param_json_strings(arena, community->topics, community->n_topics),
        vb_db_param_json_strings(arena, community->tags, community->n_tags),
        community->region,
        visibility,
        policy,
        vb_db_param_int(arena, community->capacity),
        status,
        vb_db_param_null_if_empty(community->proposed_by),
    };
    if (!params[4] || !params[5])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_query_one(db, arena, "community_insert", params, 12, s_community_from_row,
                           (void **)out);
}

vb_status_t
communities_store_community_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                                communities_community_t **out)
{
    const char *params[] = {id};
    return vb_db_query_one(db, arena, for_update ? "community_get_for_update" : "community_get",
                           params, 1, s_community_from_row, (void **)out);
}

vb_status_t
communities_store_community_save_status(vb_db_t *db, vb_arena_t *arena,
                                        const communities_community_t *community,
                                        int64_t expected_version, communities_community_t **out)
{
    const char *status = communities_status_name(community->status);
    VB_ASSERT(status);
    const char *params[] = {community->id, status, community->status_reason,
                            community->status_changed_at, vb_db_param_int(arena, expected_version)};
    return vb_db_query_one(db, arena, "community_save_status", params, 5, s_community_from_row,
                           (void **)out);
}

vb_status_t
communities_store_community_list(vb_db_t *db, vb_arena_t *arena,
                                 const communities_community_filter_t *filter,
                                 communities_community_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(filter->after_id),
        vb_db_param_null_if_empty(filter->kind),
        vb_db_param_null_if_empty(filter->status),
        vb_db_param_null_if_empty(filter->topic),
        vb_db_param_bool(filter->see_all),
        vb_db_param_null_if_empty(filter->viewer_person_id),
        vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "community_list", params, 7, s_community_from_row,
                            (void ***)items, count);
}

/* ---- members ---- */

vb_status_t
communities_store_member_get(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                             const char *person_id, communities_member_t **out)
{
    const char *params[] = {community_id, person_id};
    return vb_db_query_one(db, arena, "member_get", params, 2, s_member_from_row, (void **)out);
}

vb_status_t
communities_store_member_insert(vb_db_t *db, vb_arena_t *arena, const communities_member_t *member,
                                communities_member_t **out)
{
    const char *role = communities_member_role_name(member->role);
    const char *status = communities_member_status_name(member->status);
    VB_ASSERT(role && status);
    const char *params[] = {member->community_id, member->person_id, role, status};
    return vb_db_query_one(db, arena, "member_insert", params, 4, s_member_from_row, (void **)out);
}

vb_status_t
communities_store_member_update(vb_db_t *db, vb_arena_t *arena, const communities_member_t *member,
                                int64_t expected_version, communities_member_t **out)
{
    const char *role = communities_member_role_name(member->role);
    const char *status = communities_member_status_name(member->status);
    VB_ASSERT(role && status);
    const char *params[] = {member->community_id, member->person_id, role, status,
                            vb_db_param_int(arena, expected_version)};
    return vb_db_query_one(db, arena, "member_update", params, 5, s_member_from_row, (void **)out);
}

vb_status_t
communities_store_member_delete(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                                const char *person_id, communities_member_t **out)
{
    const char *params[] = {community_id, person_id};
    return vb_db_query_one(db, arena, "member_delete", params, 2, s_member_from_row, (void **)out);
}

static int
s_count_row(void *arg, const vb_db_row_t *row)
{
    *(int64_t *)arg = vb_db_row_int64(row, 0);
    return 0;
}

vb_status_t
communities_store_member_count_active(vb_db_t *db, const char *community_id, int64_t *count)
{
    const char *params[] = {community_id};
    *count = 0;
    return vb_db_run(db, "member_count_active", params, 1, s_count_row, count, NULL);
}

vb_status_t
communities_store_member_list(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                              const char *status, const char *after_person_id, int limit,
                              communities_member_t ***items, size_t *count)
{
    const char *params[] = {community_id, vb_db_param_null_if_empty(status),
                            vb_db_param_null_if_empty(after_person_id),
                            vb_db_param_int(arena, limit + 1)};
    return vb_db_query_rows(db, arena, "member_list", params, 4, s_member_from_row, (void ***)items,
                            count);
}

/* ---- results ---- */

vb_status_t
communities_store_result_insert(vb_db_t *db, vb_arena_t *arena, const communities_result_t *result,
                                communities_result_t **out)
{
    const char *visibility = communities_visibility_name(result->visibility);
    VB_ASSERT(visibility);
    const char *params[] = {
        result->id,
        result->community_id,
        vb_db_param_null_if_empty(result->event_id),
        result->title,
        result->summary,
        s_links_json(arena, result->links, result->n_links),
        vb_db_param_json_strings(arena, result->author_ids, result->n_author_ids),
        visibility,
        result->published_by,
    };
    if (!params[5] || !params[6])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_query_one(db, arena, "result_insert", params, 9, s_result_from_row, (void **)out);
}

vb_status_t
communities_store_result_list(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                              bool include_private, const char *after_id, int limit,
                              communities_result_t ***items, size_t *count)
{
    const char *params[] = {community_id, vb_db_param_bool(include_private),
                            vb_db_param_null_if_empty(after_id), vb_db_param_int(arena, limit + 1)};
    return vb_db_query_rows(db, arena, "result_list", params, 4, s_result_from_row, (void ***)items,
                            count);
}

/* ---- erasure ---- */

vb_status_t
communities_store_erase_members(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                communities_member_t ***items, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "erase_members", params, 1, s_member_from_row,
                            (void ***)items, count);
}

vb_status_t
communities_store_erase_proposer(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                 communities_community_t ***items, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "erase_proposer", params, 1, s_community_from_row,
                            (void ***)items, count);
}

vb_status_t
communities_store_erase_results(vb_db_t *db, const char *person_id, int64_t *changed)
{
    const char *params[] = {person_id};
    return vb_db_run(db, "erase_results", params, 1, NULL, NULL, changed);
}
