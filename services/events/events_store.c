/* events_store.c - the SQL of the events service: one table of prepared statements in the
 * "events" schema, row callbacks that build protobuf messages in the request arena, and JSON
 * (jansson) / array literals for list parameters. Every value travels as a parameter.
 * Does not: decide anything; handlers and the domain modules do. */
#include "events_store.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "vb/assert.h"
#include "vb/db_query.h"
#include "events_validate.h"

/* The SQL is laid out by hand: clang-format would split it mid-clause. */
/* clang-format off */
/* RFC 3339 UTC text (whole seconds) of a timestamptz column. */
#define TS(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define EPOCH(column) "extract(epoch FROM " column ")::bigint"
/* A text[] / uuid[] column from a JSON array parameter. */
#define TEXT_ARRAY(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb))"
#define UUID_ARRAY(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb)::uuid)"

#define EVENT_COUNTS                                                                             \
    "(SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed'),"  \
    " (SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted'),"\
    " greatest((SELECT count(*) FROM occurrences o WHERE o.event_id = e.id), 1)"

#define EVENT_COLUMNS(counts)                                                                    \
    "e.id::text, e.title, e.description, e.kind, coalesce(e.community_id::text, ''),"            \
    " e.organiser_person_id::text, e.start_local, e.end_local, e.time_zone, " TS("e.start_at")   \
    ", " TS("e.end_at") ", e.venue_name, e.venue_address, e.online_url, e.capacity,"             \
    " coalesce(" TS("e.registration_opens_at") ", ''),"                                          \
    " coalesce(" TS("e.registration_closes_at") ", ''),"                                         \
    " e.price_member_cents IS NOT NULL, coalesce(e.price_member_cents, 0),"                      \
    " coalesce(e.price_member_currency, ''), e.price_non_member_cents IS NOT NULL,"              \
    " coalesce(e.price_non_member_cents, 0), coalesce(e.price_non_member_currency, ''),"         \
    " e.language, array_to_json(e.topics)::text, e.status, e.version, e.rrule, e.rounds,"        \
    " e.public, e.cancel_reason, " counts ", " TS("e.created_at") ", " TS("e.updated_at") ", "   \
    EPOCH("e.start_at") ", " EPOCH("e.end_at") ", " EPOCH("e.last_start_at") ","                 \
    " e.registration_opens_at IS NOT NULL, coalesce(" EPOCH("e.registration_opens_at") ", 0),"   \
    " e.registration_closes_at IS NOT NULL, coalesce(" EPOCH("e.registration_closes_at") ", 0)"

#define OCCURRENCE_COLUMNS                                                                       \
    "o.id::text, o.event_id::text, o.ordinal, o.start_local, o.end_local, " TS("o.start_at")     \
    ", " TS("o.end_at") ", o.status, o.moved, o.version, o.cancel_reason"

#define REGISTRATION_COLUMNS                                                                     \
    "r.id::text, r.event_id::text, coalesce(r.occurrence_id::text, ''), r.person_id::text,"      \
    " r.status, CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*) FROM registrations w"     \
    " WHERE w.event_id = r.event_id AND w.status = 'waitlisted'"                                 \
    " AND w.occurrence_id IS NOT DISTINCT FROM r.occurrence_id"                                  \
    " AND w.waitlist_seq <= r.waitlist_seq) ELSE 0 END,"                                         \
    " array_to_json(r.table_preferences)::text, " TS("r.created_at") ","                         \
    " coalesce(" TS("r.promoted_at") ", ''), coalesce(" TS("r.cancelled_at") ", ''),"            \
    " coalesce(" TS("r.checked_in_at") ", ''), r.no_show, r.version"

#define BOOTH_COLUMNS                                                                            \
    "b.id::text, b.event_id::text, coalesce(b.organization_id::text, ''), b.project_name,"       \
    " b.description, b.pitch_start_local, b.pitch_end_local,"                                    \
    " coalesce(" TS("b.pitch_start_at") ", ''), coalesce(" TS("b.pitch_end_at") ", '')"

#define AGENDA_COLUMNS                                                                           \
    "a.id::text, a.event_id::text, a.kind, a.title, a.start_local, a.end_local, "                \
    TS("a.start_at") ", " TS("a.end_at") ", array_to_json(a.speaker_person_ids)::text"

#define FEED_COLUMNS(online_url)                                                                 \
    "coalesce(o.id, e.id)::text, e.version + coalesce(o.version, 0), e.title, e.description,"    \
    " e.venue_name, e.venue_address, " online_url ", e.time_zone, e.kind, "                      \
    EPOCH("coalesce(o.start_at, e.start_at)") ", " EPOCH("coalesce(o.end_at, e.end_at)") ", "    \
    EPOCH("greatest(e.updated_at, coalesce(o.updated_at, e.updated_at))") ","                    \
    " e.status = 'cancelled' OR coalesce(o.status, '') = 'cancelled'"

/* the columns a new or changed event writes, $1 id .. $28 */
#define EVENT_WRITE_VALUES                                                                       \
    "$2, $3, $4, $5::uuid, $6::uuid, $7, $8, $9, to_timestamp($10::bigint),"                     \
    " to_timestamp($11::bigint), to_timestamp($12::bigint), $13, $14, $15, $16::integer,"        \
    " $17::timestamptz, $18::timestamptz, $19::bigint, $20, $21::bigint, $22, $23, "             \
    TEXT_ARRAY("$24") ", $25, $26::integer, $27::boolean, $28::timestamptz"

static const vb_db_statement_t s_statements[] = {
    /* events */
    {"event_insert",
     "INSERT INTO events (id, title, description, kind, community_id, organiser_person_id,"
     " time_zone, start_local, end_local, start_at, end_at, last_start_at, venue_name,"
     " venue_address, online_url, capacity, registration_opens_at, registration_closes_at,"
     " price_member_cents, price_member_currency, price_non_member_cents,"
     " price_non_member_currency, language, topics, rrule, rounds, public, created_at,"
     " updated_at) VALUES ($1::uuid, " EVENT_WRITE_VALUES ", $28::timestamptz)"},
    {"event_get",
     "SELECT " EVENT_COLUMNS(EVENT_COUNTS) " FROM events e WHERE e.id = $1::uuid"},
    {"event_get_for_update",
     "SELECT " EVENT_COLUMNS("0, 0, 1") " FROM events e WHERE e.id = $1::uuid FOR UPDATE"},
    {"event_update",
     "UPDATE events SET (title, description, kind, community_id, organiser_person_id, time_zone,"
     " start_local, end_local, start_at, end_at, last_start_at, venue_name, venue_address,"
     " online_url, capacity, registration_opens_at, registration_closes_at, price_member_cents,"
     " price_member_currency, price_non_member_cents, price_non_member_currency, language,"
     " topics, rrule, rounds, public, updated_at) = (" EVENT_WRITE_VALUES "),"
     " version = version + 1 WHERE id = $1::uuid AND version = $29::bigint"},
    {"event_cancel",
     "UPDATE events SET status = 'cancelled', cancel_reason = $2, updated_at = $3::timestamptz,"
     " version = version + 1 WHERE id = $1::uuid AND status = 'scheduled'"},
    {"event_touch",
     "UPDATE events e SET updated_at = $2::timestamptz, version = e.version + 1,"
     " last_start_at = coalesce((SELECT max(o.start_at) FROM occurrences o"
     "   WHERE o.event_id = e.id AND o.status = 'scheduled'), e.last_start_at)"
     " WHERE e.id = $1::uuid"},
    {"event_list",
     "SELECT " EVENT_COLUMNS(EVENT_COUNTS) " FROM events e"
     " WHERE ($1::uuid IS NULL OR (e.start_at, e.id) >"
     "        (SELECT c.start_at, c.id FROM events c WHERE c.id = $1::uuid))"
     " AND ($2::uuid IS NULL OR e.community_id = $2::uuid)"
     " AND ($3::text IS NULL OR e.kind = $3)"
     " AND ($4::timestamptz IS NULL OR e.end_at >= $4::timestamptz)"
     " AND ($5::timestamptz IS NULL OR e.start_at < $5::timestamptz)"
     " AND (NOT $6::boolean OR e.public)"
     " ORDER BY e.start_at, e.id LIMIT $7::integer"},

    /* occurrences */
    {"occurrence_insert_many",
     "INSERT INTO occurrences (id, event_id, ordinal, start_local, end_local, start_at, end_at,"
     " updated_at)"
     " SELECT (x->>'id')::uuid, $1::uuid, (x->>'ordinal')::integer, x->>'start_local',"
     " x->>'end_local', to_timestamp((x->>'start_at')::bigint),"
     " to_timestamp((x->>'end_at')::bigint), $3::timestamptz"
     " FROM jsonb_array_elements($2::jsonb) AS x"},
    {"occurrence_list",
     "SELECT " OCCURRENCE_COLUMNS " FROM occurrences o WHERE o.event_id = $1::uuid"
     " ORDER BY o.ordinal"},
    {"occurrence_get",
     "SELECT " OCCURRENCE_COLUMNS " FROM occurrences o"
     " WHERE o.event_id = $1::uuid AND o.id = $2::uuid"},
    {"occurrence_get_for_update",
     "SELECT " OCCURRENCE_COLUMNS " FROM occurrences o"
     " WHERE o.event_id = $1::uuid AND o.id = $2::uuid FOR UPDATE"},
    {"occurrence_move",
     "UPDATE occurrences o SET start_local = $2, end_local = $3, start_at = to_timestamp($4::bigint),"
     " end_at = to_timestamp($5::bigint), moved = true, version = o.version + 1,"
     " updated_at = $6::timestamptz WHERE o.id = $1::uuid RETURNING " OCCURRENCE_COLUMNS},
    {"occurrence_cancel",
     "UPDATE occurrences o SET status = 'cancelled', cancel_reason = $2, version = o.version + 1,"
     " updated_at = $3::timestamptz WHERE o.id = $1::uuid RETURNING " OCCURRENCE_COLUMNS},

    /* registrations: seats are counted under the event's row lock */
    {"registration_seats",
     "SELECT count(*) FILTER (WHERE r.status = 'confirmed'"
     "        AND (r.occurrence_id IS NULL OR r.occurrence_id = $2::uuid))"
     " + CASE WHEN $2::uuid IS NULL THEN coalesce((SELECT max(c) FROM (SELECT count(*) AS c"
     "        FROM registrations x WHERE x.event_id = $1::uuid AND x.status = 'confirmed'"
     "        AND x.occurrence_id IS NOT NULL GROUP BY x.occurrence_id) m), 0) ELSE 0 END,"
     " count(*) FILTER (WHERE r.status = 'waitlisted'"
     "        AND r.occurrence_id IS NOT DISTINCT FROM $2::uuid),"
     " coalesce(bool_or(r.person_id = $3::uuid AND r.status <> 'cancelled'"
     "        AND (r.occurrence_id IS NULL OR $2::uuid IS NULL OR r.occurrence_id = $2::uuid)),"
     "        false)"
     " FROM registrations r WHERE r.event_id = $1::uuid"},
    {"registration_insert",
     "INSERT INTO registrations (id, event_id, occurrence_id, person_id, status, waitlist_seq,"
     " table_preferences, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5,"
     " CASE WHEN $5 = 'waitlisted' THEN nextval('waitlist_order') END, " UUID_ARRAY("$6")
     ", $7::timestamptz)"},
    {"registration_get",
     "SELECT " REGISTRATION_COLUMNS " FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.id = $2::uuid"},
    {"registration_get_for_update",
     "SELECT " REGISTRATION_COLUMNS " FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.id = $2::uuid FOR UPDATE"},
    {"registration_find",
     "SELECT " REGISTRATION_COLUMNS " FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.person_id = $2::uuid AND r.status <> 'cancelled'"
     " AND r.occurrence_id IS NOT DISTINCT FROM $3::uuid"},
    {"registration_status_of",
     "SELECT bool_or(r.status = 'confirmed') FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.person_id = $2::uuid AND r.status <> 'cancelled'"
     " HAVING count(*) > 0"},
    {"registration_cancel",
     "UPDATE registrations r SET status = 'cancelled', cancelled_at = $2::timestamptz,"
     " version = r.version + 1 WHERE r.id = $1::uuid RETURNING " REGISTRATION_COLUMNS},
    {"registration_seat_counts",
     "SELECT coalesce(r.occurrence_id::text, ''), count(*) FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.status = 'confirmed' GROUP BY r.occurrence_id"},
    {"registration_waiting",
     "SELECT r.id::text, coalesce(r.occurrence_id::text, '') FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.status = 'waitlisted' ORDER BY r.waitlist_seq"
     " LIMIT $2::integer"},
    {"registration_promote",
     "UPDATE registrations r SET status = 'confirmed', promoted_at = $2::timestamptz,"
     " version = r.version + 1 WHERE r.id = $1::uuid AND r.status = 'waitlisted'"
     " RETURNING " REGISTRATION_COLUMNS},
    {"registration_list",
     "SELECT " REGISTRATION_COLUMNS " FROM registrations r WHERE r.event_id = $1::uuid"
     " AND ($2::text IS NULL OR r.status = $2) AND ($3::uuid IS NULL OR r.occurrence_id = $3::uuid)"
     " AND ($4::uuid IS NULL OR r.id > $4::uuid) ORDER BY r.id LIMIT $5::integer"},
    {"registration_checkin",
     "UPDATE registrations r SET checked_in_at = CASE WHEN $2::boolean THEN NULL"
     " ELSE $3::timestamptz END, no_show = $2::boolean, version = r.version + 1"
     " WHERE r.id = $1::uuid RETURNING " REGISTRATION_COLUMNS},
    {"event_close",
     "WITH marked AS (UPDATE registrations SET no_show = true, version = version + 1"
     "   WHERE event_id = $1::uuid AND status = 'confirmed' AND checked_in_at IS NULL"
     "   AND NOT no_show RETURNING 1)"
     " SELECT (SELECT count(*) FROM registrations WHERE event_id = $1::uuid"
     "   AND status = 'confirmed' AND checked_in_at IS NOT NULL),"
     " (SELECT count(*) FROM marked) + (SELECT count(*) FROM registrations"
     "   WHERE event_id = $1::uuid AND status = 'confirmed' AND no_show)"},
    {"confirmed_persons",
     "SELECT DISTINCT r.person_id::text FROM registrations r"
     " WHERE r.event_id = $1::uuid AND r.status = 'confirmed'"},

    /* knowledge café */
    {"table_insert",
     "INSERT INTO cafe_tables (id, event_id, topic, moderator_person_id, capacity, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::integer, $6::timestamptz)"},
    {"table_list",
     "SELECT t.id::text, t.event_id::text, t.topic, coalesce(t.moderator_person_id::text, ''),"
     " t.capacity FROM cafe_tables t WHERE t.event_id = $1::uuid ORDER BY t.id"},
    {"assignment_list",
     "SELECT a.round, a.table_id::text, a.person_id::text FROM table_assignments a"
     " WHERE a.event_id = $1::uuid ORDER BY a.round, a.table_id, a.person_id"},
    {"assignment_delete", "DELETE FROM table_assignments WHERE event_id = $1::uuid"},
    {"assignment_insert_many",
     "INSERT INTO table_assignments (event_id, round, table_id, person_id)"
     " SELECT $1::uuid, (x->>'round')::integer, (x->>'table_id')::uuid, (x->>'person_id')::uuid"
     " FROM jsonb_array_elements($2::jsonb) AS x"},

    /* market of possibilities */
    {"booth_insert",
     "INSERT INTO booths (id, event_id, organization_id, project_name, description,"
     " pitch_start_local, pitch_end_local, pitch_start_at, pitch_end_at, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, to_timestamp($8::bigint),"
     " to_timestamp($9::bigint), $10::timestamptz)"},
    {"booth_list",
     "SELECT " BOOTH_COLUMNS " FROM booths b WHERE b.event_id = $1::uuid"
     " ORDER BY b.pitch_start_at NULLS LAST, b.id"},
    {"agenda_insert",
     "INSERT INTO agenda_items (id, event_id, kind, title, start_local, end_local, start_at,"
     " end_at, speaker_person_ids, created_at)"
     " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, to_timestamp($7::bigint),"
     " to_timestamp($8::bigint), " UUID_ARRAY("$9") ", $10::timestamptz)"},
    {"agenda_list",
     "SELECT " AGENDA_COLUMNS " FROM agenda_items a WHERE a.event_id = $1::uuid"
     " ORDER BY a.start_at, a.id"},

    /* calendar */
    {"calendar_token_put",
     "INSERT INTO calendar_tokens (person_id, hash, created_at)"
     " VALUES ($1::uuid, $2, $3::timestamptz)"
     " ON CONFLICT (person_id) DO UPDATE SET hash = EXCLUDED.hash,"
     " created_at = EXCLUDED.created_at"},
    {"calendar_token_find",
     "SELECT person_id::text FROM calendar_tokens WHERE hash = $1"},
    {"feed_event",
     "SELECT " FEED_COLUMNS("e.online_url") " FROM events e"
     " LEFT JOIN occurrences o ON o.event_id = e.id WHERE e.id = $1::uuid"
     " ORDER BY 10 LIMIT $2::integer"},
    {"feed_community",
     "SELECT " FEED_COLUMNS("e.online_url") " FROM events e"
     " LEFT JOIN occurrences o ON o.event_id = e.id WHERE e.community_id = $1::uuid"
     " ORDER BY 10 LIMIT $2::integer"},
    /* $1 is unused: every feed statement takes (key, limit) */
    {"feed_public",
     "SELECT " FEED_COLUMNS("''") " FROM events e"
     " LEFT JOIN occurrences o ON o.event_id = e.id WHERE e.public AND $1::text IS NULL"
     /* a window, so that the LIMIT drops old events rather than new ones */
     " AND coalesce(o.end_at, e.end_at) > now() - interval '180 days'"
     " ORDER BY 10 LIMIT $2::integer"},
    {"feed_person",
     "SELECT " FEED_COLUMNS("CASE WHEN r.status = 'confirmed' THEN e.online_url ELSE '' END")
     " FROM registrations r JOIN events e ON e.id = r.event_id"
     " LEFT JOIN occurrences o ON o.event_id = e.id"
     " WHERE r.person_id = $1::uuid AND r.status <> 'cancelled'"
     " AND (r.occurrence_id IS NULL OR r.occurrence_id = o.id)"
     " ORDER BY 10 LIMIT $2::integer"},

    /* erasure of a person (events_erase_person): ids to act on, then the anonymising writes */
    {"erase_active_registrations",
     "SELECT r.id::text, r.event_id::text FROM registrations r"
     " WHERE r.person_id = $1::uuid AND r.status <> 'cancelled' ORDER BY r.event_id, r.id"},
    {"erase_registrations",
     "UPDATE registrations SET person_id = '" EVENTS_ERASED_PERSON "'::uuid,"
     " table_preferences = '{}' WHERE person_id = $1::uuid"},
    {"erase_calendar_token", "DELETE FROM calendar_tokens WHERE person_id = $1::uuid"},
    {"erase_assignments",
     "WITH d AS (DELETE FROM table_assignments WHERE person_id = $1::uuid RETURNING event_id)"
     " SELECT DISTINCT event_id::text FROM d ORDER BY 1"},
    {"erase_moderators",
     "UPDATE cafe_tables SET moderator_person_id = NULL WHERE moderator_person_id = $1::uuid"},
    {"erase_speakers",
     "UPDATE agenda_items SET speaker_person_ids = array_remove(speaker_person_ids, $1::uuid)"
     " WHERE $1::uuid = ANY(speaker_person_ids)"},
    {"erase_organiser",
     "UPDATE events SET organiser_person_id = '" EVENTS_ERASED_PERSON "'::uuid,"
     " version = version + 1, updated_at = clock_timestamp()"
     " WHERE organiser_person_id = $1::uuid RETURNING id::text"},
};
/* clang-format on */

const vb_db_statement_t *
events_store_statements(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_statements);
    return s_statements;
}

/* ---- helpers: rows ---- */

static events_money_t *
s_money(vb_arena_t *arena, const vb_db_row_t *row, int cents_column, int currency_column)
{
    events_money_t *money = vb_arena_message(arena, &verbund__common__v1__money__descriptor);
    money->cents = vb_db_row_int64(row, cents_column);
    money->currency = vb_db_row_strdup(arena, row, currency_column);
    return money;
}

static events_status_t
s_status(const char *text)
{
    return strcmp(text, "cancelled") == 0 ? EVENTS_STATUS_CANCELLED : EVENTS_STATUS_SCHEDULED;
}

static void *
s_build_event_row(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_event_row_t *out = vb_arena_alloc(arena, sizeof *out);
    events_event_t *e = vb_arena_message(arena, &verbund__events__v1__event__descriptor);
    e->id = vb_db_row_strdup(arena, row, 0);
    e->title = vb_db_row_strdup(arena, row, 1);
    e->description = vb_db_row_strdup(arena, row, 2);
    (void)events_kind_parse(vb_db_row_text(row, 3), &e->kind); /* the CHECK allows no other */
    e->community_id = vb_db_row_strdup(arena, row, 4);
    e->organiser_person_id = vb_db_row_strdup(arena, row, 5);
    e->start_local = vb_db_row_strdup(arena, row, 6);
    e->end_local = vb_db_row_strdup(arena, row, 7);
    e->time_zone = vb_db_row_strdup(arena, row, 8);
    e->start_at = vb_db_row_strdup(arena, row, 9);
    e->end_at = vb_db_row_strdup(arena, row, 10);
    if (vb_db_row_text(row, 11)[0] || vb_db_row_text(row, 12)[0]) {
        e->venue = vb_arena_message(arena, &verbund__events__v1__venue__descriptor);
        e->venue->name = vb_db_row_strdup(arena, row, 11);
        e->venue->address = vb_db_row_strdup(arena, row, 12);
    }
    e->online_url = vb_db_row_strdup(arena, row, 13);
    e->capacity = (int32_t)vb_db_row_int64(row, 14);
    e->registration_opens_at = vb_db_row_strdup(arena, row, 15);
    e->registration_closes_at = vb_db_row_strdup(arena, row, 16);
    if (vb_db_row_bool(row, 17))
        e->price_member = s_money(arena, row, 18, 19);
    if (vb_db_row_bool(row, 20))
        e->price_non_member = s_money(arena, row, 21, 22);
    e->language = vb_db_row_strdup(arena, row, 23);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 24), &e->topics, &e->n_topics);
    e->status = s_status(vb_db_row_text(row, 25));
    e->version = vb_db_row_int64(row, 26);
    e->rrule = vb_db_row_strdup(arena, row, 27);
    e->rounds = (int32_t)vb_db_row_int64(row, 28);
    e->public_ = vb_db_row_bool(row, 29);
    e->cancel_reason = vb_db_row_strdup(arena, row, 30);
    e->confirmed_count = (int32_t)vb_db_row_int64(row, 31);
    e->waitlisted_count = (int32_t)vb_db_row_int64(row, 32);
    e->occurrence_count = (int32_t)vb_db_row_int64(row, 33);
    e->created_at = vb_db_row_strdup(arena, row, 34);
    e->updated_at = vb_db_row_strdup(arena, row, 35);
    e->free = events_is_free(e);
    out->event = e;
    out->start_at = vb_db_row_int64(row, 36);
    out->end_at = vb_db_row_int64(row, 37);
    out->last_start_at = vb_db_row_int64(row, 38);
    out->opens_at = vb_db_row_bool(row, 39) ? vb_db_row_int64(row, 40) : INT64_MIN;
    out->closes_at = vb_db_row_bool(row, 41) ? vb_db_row_int64(row, 42) : INT64_MIN;
    return out;
}

static void *
s_build_event(vb_arena_t *arena, const vb_db_row_t *row)
{
    return ((events_event_row_t *)s_build_event_row(arena, row))->event;
}

static void *
s_build_occurrence(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_occurrence_record_t *o =
        vb_arena_message(arena, &verbund__events__v1__occurrence__descriptor);
    o->id = vb_db_row_strdup(arena, row, 0);
    o->event_id = vb_db_row_strdup(arena, row, 1);
    o->ordinal = (int32_t)vb_db_row_int64(row, 2);
    o->start_local = vb_db_row_strdup(arena, row, 3);
    o->end_local = vb_db_row_strdup(arena, row, 4);
    o->start_at = vb_db_row_strdup(arena, row, 5);
    o->end_at = vb_db_row_strdup(arena, row, 6);
    o->status = s_status(vb_db_row_text(row, 7));
    o->moved = vb_db_row_bool(row, 8);
    o->version = vb_db_row_int64(row, 9);
    o->cancel_reason = vb_db_row_strdup(arena, row, 10);
    return o;
}

static void *
s_build_registration(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_registration_t *r =
        vb_arena_message(arena, &verbund__events__v1__registration__descriptor);
    r->id = vb_db_row_strdup(arena, row, 0);
    r->event_id = vb_db_row_strdup(arena, row, 1);
    r->occurrence_id = vb_db_row_strdup(arena, row, 2);
    r->person_id = vb_db_row_strdup(arena, row, 3);
    (void)events_registration_status_parse(vb_db_row_text(row, 4), &r->status);
    r->waitlist_position = (int32_t)vb_db_row_int64(row, 5);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 6), &r->table_preferences,
                             &r->n_table_preferences);
    r->created_at = vb_db_row_strdup(arena, row, 7);
    r->promoted_at = vb_db_row_strdup(arena, row, 8);
    r->cancelled_at = vb_db_row_strdup(arena, row, 9);
    r->checked_in_at = vb_db_row_strdup(arena, row, 10);
    r->no_show = vb_db_row_bool(row, 11);
    r->version = vb_db_row_int64(row, 12);
    return r;
}

static void *
s_build_table(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_table_t *t = vb_arena_message(arena, &verbund__events__v1__table__descriptor);
    t->id = vb_db_row_strdup(arena, row, 0);
    t->event_id = vb_db_row_strdup(arena, row, 1);
    t->topic = vb_db_row_strdup(arena, row, 2);
    t->moderator_person_id = vb_db_row_strdup(arena, row, 3);
    t->capacity = (int32_t)vb_db_row_int64(row, 4);
    return t;
}

static void *
s_build_assignment(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_assignment_t *a =
        vb_arena_message(arena, &verbund__events__v1__table_assignment__descriptor);
    a->round = (int32_t)vb_db_row_int64(row, 0);
    a->table_id = vb_db_row_strdup(arena, row, 1);
    a->person_id = vb_db_row_strdup(arena, row, 2);
    return a;
}

static void *
s_build_booth(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_booth_t *b = vb_arena_message(arena, &verbund__events__v1__booth__descriptor);
    b->id = vb_db_row_strdup(arena, row, 0);
    b->event_id = vb_db_row_strdup(arena, row, 1);
    b->organization_id = vb_db_row_strdup(arena, row, 2);
    b->project_name = vb_db_row_strdup(arena, row, 3);
    b->description = vb_db_row_strdup(arena, row, 4);
    b->pitch_start_local = vb_db_row_strdup(arena, row, 5);
    b->pitch_end_local = vb_db_row_strdup(arena, row, 6);
    b->pitch_start_at = vb_db_row_strdup(arena, row, 7);
    b->pitch_end_at = vb_db_row_strdup(arena, row, 8);
    return b;
}

static void *
s_build_agenda_item(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_agenda_item_t *a =
        vb_arena_message(arena, &verbund__events__v1__agenda_item__descriptor);
    a->id = vb_db_row_strdup(arena, row, 0);
    a->event_id = vb_db_row_strdup(arena, row, 1);
    (void)events_agenda_kind_parse(vb_db_row_text(row, 2), &a->kind);
    a->title = vb_db_row_strdup(arena, row, 3);
    a->start_local = vb_db_row_strdup(arena, row, 4);
    a->end_local = vb_db_row_strdup(arena, row, 5);
    a->start_at = vb_db_row_strdup(arena, row, 6);
    a->end_at = vb_db_row_strdup(arena, row, 7);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 8), &a->speaker_person_ids,
                             &a->n_speaker_person_ids);
    return a;
}

static void *
s_build_feed_item(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_feed_item_t *f = vb_arena_alloc(arena, sizeof *f);
    f->uid_id = vb_db_row_strdup(arena, row, 0);
    f->sequence = vb_db_row_int64(row, 1);
    f->title = vb_db_row_strdup(arena, row, 2);
    f->description = vb_db_row_strdup(arena, row, 3);
    f->venue_name = vb_db_row_strdup(arena, row, 4);
    f->venue_address = vb_db_row_strdup(arena, row, 5);
    f->online_url = vb_db_row_strdup(arena, row, 6);
    f->time_zone = vb_db_row_strdup(arena, row, 7);
    f->kind = vb_db_row_strdup(arena, row, 8);
    f->start_at = vb_db_row_int64(row, 9);
    f->end_at = vb_db_row_int64(row, 10);
    f->updated_at = vb_db_row_int64(row, 11);
    f->cancelled = vb_db_row_bool(row, 12);
    return f;
}

/* ---- events ---- */

/* Parameters $1..$28 of EVENT_WRITE_VALUES (and $1 the id); -1 on text that is not UTF-8. */
static int
s_event_params(vb_arena_t *arena, const events_event_write_t *write, const char *params[28])
{
    const events_event_t *e = write->event;
    const char *kind = events_kind_name(e->kind);
    VB_ASSERT(kind); /* validated by the handler */
    params[0] = e->id;
    params[1] = e->title;
    params[2] = e->description;
    params[3] = kind;
    params[4] = vb_db_param_null_if_empty(e->community_id);
    params[5] = e->organiser_person_id;
    params[6] = e->time_zone;
    params[7] = e->start_local;
    params[8] = e->end_local;
    params[9] = vb_db_param_int(arena, write->start_at);
    params[10] = vb_db_param_int(arena, write->end_at);
    params[11] = vb_db_param_int(arena, write->last_start_at);
    params[12] = e->venue ? e->venue->name : "";
    params[13] = e->venue ? e->venue->address : "";
    params[14] = e->online_url;
    params[15] = vb_db_param_int(arena, e->capacity);
    params[16] = vb_db_param_null_if_empty(e->registration_opens_at);
    params[17] = vb_db_param_null_if_empty(e->registration_closes_at);
    params[18] = e->price_member ? vb_db_param_int(arena, e->price_member->cents) : NULL;
    params[19] = e->price_member ? e->price_member->currency : NULL;
    params[20] = e->price_non_member ? vb_db_param_int(arena, e->price_non_member->cents) : NULL;
    params[21] = e->price_non_member ? e->price_non_member->currency : NULL;
    params[22] = e->language;
    params[23] = vb_db_param_json_strings(arena, e->topics, e->n_topics);
    params[24] = e->rrule;
    params[25] = vb_db_param_int(arena, e->rounds);
    params[26] = vb_db_param_bool(e->public_);
    params[27] = write->now;
    return params[23] ? 0 : -1;
}

vb_status_t
events_store_event_insert(vb_db_t *db, vb_arena_t *arena, const events_event_write_t *write)
{
    const char *params[28];
    if (s_event_params(arena, write, params) != 0)
        return VB_STATUS_BAD_REQUEST;
    return vb_db_write(db, "event_insert", params, 28);
}

vb_status_t
events_store_event_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                       events_event_row_t *out)
{
    const char *params[] = {id};
    events_event_row_t *row = NULL;
    vb_status_t status =
        vb_db_query_one(db, arena, for_update ? "event_get_for_update" : "event_get", params, 1,
                        s_build_event_row, (void **)&row);
    if (status == VB_STATUS_OK)
        *out = *row;
    return status;
}

vb_status_t
events_store_event_update(vb_db_t *db, vb_arena_t *arena, const events_event_write_t *write,
                          int64_t expected_version)
{
    const char *params[29];
    if (s_event_params(arena, write, params) != 0)
        return VB_STATUS_BAD_REQUEST;
    params[28] = vb_db_param_int(arena, expected_version);
    int64_t affected = 0;
    vb_status_t status = vb_db_run(db, "event_update", params, 29, NULL, NULL, &affected);
    return status == VB_STATUS_OK && affected == 0 ? VB_STATUS_NOT_FOUND : status;
}

vb_status_t
events_store_event_cancel(vb_db_t *db, const char *id, const char *reason, const char *now)
{
    const char *params[] = {id, reason ? reason : "", now};
    int64_t affected = 0;
    vb_status_t status = vb_db_run(db, "event_cancel", params, 3, NULL, NULL, &affected);
    return status == VB_STATUS_OK && affected == 0 ? VB_STATUS_NOT_FOUND : status;
}

vb_status_t
events_store_event_touch(vb_db_t *db, const char *id, const char *now)
{
    const char *params[] = {id, now};
    return vb_db_write(db, "event_touch", params, 2);
}

vb_status_t
events_store_event_list(vb_db_t *db, vb_arena_t *arena, const events_event_filter_t *filter,
                        events_event_t ***items, size_t *count)
{
    const char *params[] = {
        vb_db_param_null_if_empty(filter->after_id),
        vb_db_param_null_if_empty(filter->community_id),
        vb_db_param_null_if_empty(filter->kind),
        vb_db_param_null_if_empty(filter->from),
        vb_db_param_null_if_empty(filter->to),
        vb_db_param_bool(filter->public_only),
        vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "event_list", params, 7, s_build_event, (void ***)items,
                            count);
}

/* ---- occurrences ---- */

vb_status_t
events_store_occurrence_insert_many(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                    const events_occurrence_new_t *items, size_t count,
                                    const char *now)
{
    json_t *array = json_array();
    VB_ASSERT(array);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(
            array, json_pack("{s:s, s:i, s:s, s:s, s:I, s:I}", "id", items[i].id, "ordinal",
                             (int)items[i].ordinal, "start_local", items[i].start_local,
                             "end_local", items[i].end_local, "start_at",
                             (json_int_t)items[i].start_at, "end_at", (json_int_t)items[i].end_at));
    const char *params[] = {event_id, vb_db_param_json(arena, array), now};
    return vb_db_write(db, "occurrence_insert_many", params, 3);
}

vb_status_t
events_store_occurrence_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                             events_occurrence_record_t ***items, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "occurrence_list", params, 1, s_build_occurrence,
                            (void ***)items, count);
}

vb_status_t
events_store_occurrence_get(vb_db_t *db, vb_arena_t *arena, const char *event_id, const char *id,
                            bool for_update, events_occurrence_record_t **out)
{
    const char *params[] = {event_id, id};
    return vb_db_query_one(db, arena, for_update ? "occurrence_get_for_update" : "occurrence_get",
                           params, 2, s_build_occurrence, (void **)out);
}

vb_status_t
events_store_occurrence_move(vb_db_t *db, vb_arena_t *arena, const char *id,
                             const char *start_local, const char *end_local, int64_t start_at,
                             int64_t end_at, const char *now, events_occurrence_record_t **out)
{
    const char *params[] = {id, start_local, end_local, vb_db_param_int(arena, start_at),
                            vb_db_param_int(arena, end_at), now};
    return vb_db_query_one(db, arena, "occurrence_move", params, 6, s_build_occurrence,
                           (void **)out);
}

vb_status_t
events_store_occurrence_cancel(vb_db_t *db, vb_arena_t *arena, const char *id, const char *reason,
                               const char *now, events_occurrence_record_t **out)
{
    const char *params[] = {id, reason ? reason : "", now};
    return vb_db_query_one(db, arena, "occurrence_cancel", params, 3, s_build_occurrence,
                           (void **)out);
}

/* ---- registrations ---- */

typedef struct {
    int64_t taken, waiting;
    bool duplicate;
} s_seats_row_t;

static int
s_seats_row(void *arg, const vb_db_row_t *row)
{
    s_seats_row_t *seats = arg;
    seats->taken = vb_db_row_int64(row, 0);
    seats->waiting = vb_db_row_int64(row, 1);
    seats->duplicate = vb_db_row_bool(row, 2);
    return 0;
}

vb_status_t
events_store_registration_seats(vb_db_t *db, const char *event_id, const char *occurrence_id,
                                const char *person_id, int64_t *taken, int64_t *waiting,
                                bool *duplicate)
{
    const char *params[] = {event_id, vb_db_param_null_if_empty(occurrence_id), person_id};
    s_seats_row_t seats = {0};
    vb_status_t status = vb_db_run(db, "registration_seats", params, 3, s_seats_row, &seats, NULL);
    *taken = seats.taken;
    *waiting = seats.waiting;
    *duplicate = seats.duplicate;
    return status;
}

vb_status_t
events_store_registration_insert(vb_db_t *db, vb_arena_t *arena,
                                 const events_registration_t *registration)
{
    const char *status_name = events_registration_status_name(registration->status);
    VB_ASSERT(status_name);
    const char *params[] = {
        registration->id,
        registration->event_id,
        vb_db_param_null_if_empty(registration->occurrence_id),
        registration->person_id,
        status_name,
        vb_db_param_json_strings(arena, registration->table_preferences,
                                 registration->n_table_preferences),
        registration->created_at,
    };
    if (!params[5])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_write(db, "registration_insert", params, 7);
}

vb_status_t
events_store_registration_get(vb_db_t *db, vb_arena_t *arena, const char *event_id, const char *id,
                              bool for_update, events_registration_t **out)
{
    const char *params[] = {event_id, id};
    return vb_db_query_one(db, arena,
                           for_update ? "registration_get_for_update" : "registration_get", params,
                           2, s_build_registration, (void **)out);
}

vb_status_t
events_store_registration_find(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                               const char *person_id, const char *occurrence_id,
                               events_registration_t **out)
{
    const char *params[] = {event_id, person_id, vb_db_param_null_if_empty(occurrence_id)};
    return vb_db_query_one(db, arena, "registration_find", params, 3, s_build_registration,
                           (void **)out);
}

typedef struct {
    bool found;
    bool confirmed;
} s_status_of_t;

static int
s_status_of_row(void *arg, const vb_db_row_t *row)
{
    s_status_of_t *result = arg;
    result->found = true;
    result->confirmed = vb_db_row_bool(row, 0);
    return 0;
}

vb_status_t
events_store_registration_status_of(vb_db_t *db, const char *event_id, const char *person_id,
                                    bool *confirmed)
{
    const char *params[] = {event_id, person_id};
    s_status_of_t result = {0};
    vb_status_t status =
        vb_db_run(db, "registration_status_of", params, 2, s_status_of_row, &result, NULL);
    if (status != VB_STATUS_OK)
        return status;
    *confirmed = result.confirmed;
    return result.found ? VB_STATUS_OK : VB_STATUS_NOT_FOUND;
}

vb_status_t
events_store_registration_cancel(vb_db_t *db, vb_arena_t *arena, const char *id, const char *now,
                                 events_registration_t **out)
{
    const char *params[] = {id, now};
    return vb_db_query_one(db, arena, "registration_cancel", params, 2, s_build_registration,
                           (void **)out);
}

typedef struct {
    vb_arena_t *arena;
    events_seats_t *seats;
    size_t capacity;
} s_counts_t;

static int
s_count_row(void *arg, const vb_db_row_t *row)
{
    s_counts_t *counts = arg;
    events_seats_t *seats = counts->seats;
    const char *occurrence_id = vb_db_row_text(row, 0);
    int64_t confirmed = vb_db_row_int64(row, 1);
    if (!occurrence_id[0]) {
        seats->confirmed_whole = confirmed;
        return 0;
    }
    if (seats->occurrence_count == counts->capacity) {
        size_t capacity = counts->capacity ? counts->capacity * 2 : 16;
        events_seat_count_t *items = vb_arena_alloc(counts->arena, capacity * sizeof *items);
        if (seats->occurrence_count)
            memcpy(items, seats->occurrences, seats->occurrence_count * sizeof *items);
        seats->occurrences = items;
        counts->capacity = capacity;
    }
    seats->occurrences[seats->occurrence_count].occurrence_id =
        vb_arena_strdup(counts->arena, occurrence_id);
    seats->occurrences[seats->occurrence_count].confirmed = confirmed;
    seats->occurrence_count++;
    return 0;
}

vb_status_t
events_store_registration_seat_counts(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                      events_seats_t *seats)
{
    const char *params[] = {event_id};
    seats->confirmed_whole = 0;
    seats->occurrences = NULL;
    seats->occurrence_count = 0;
    s_counts_t counts = {.arena = arena, .seats = seats};
    return vb_db_run(db, "registration_seat_counts", params, 1, s_count_row, &counts, NULL);
}

static void *
s_build_waiting(vb_arena_t *arena, const vb_db_row_t *row)
{
    events_waiting_t *w = vb_arena_alloc(arena, sizeof *w);
    w->registration_id = vb_db_row_strdup(arena, row, 0);
    w->occurrence_id = vb_db_row_strdup(arena, row, 1);
    return w;
}

vb_status_t
events_store_registration_waiting(vb_db_t *db, vb_arena_t *arena, const char *event_id, int limit,
                                  events_waiting_t **items, size_t *count)
{
    const char *params[] = {event_id, vb_db_param_int(arena, limit)};
    void **rows = NULL;
    vb_status_t status = vb_db_query_rows(db, arena, "registration_waiting", params, 2,
                                          s_build_waiting, &rows, count);
    *items = NULL;
    if (status == VB_STATUS_OK && *count > 0) {
        *items = vb_arena_alloc(arena, *count * sizeof **items);
        for (size_t i = 0; i < *count; i++)
            (*items)[i] = *(events_waiting_t *)rows[i];
    }
    return status;
}

vb_status_t
events_store_registration_promote(vb_db_t *db, vb_arena_t *arena, const char *id, const char *now,
                                  events_registration_t **out)
{
    const char *params[] = {id, now};
    return vb_db_query_one(db, arena, "registration_promote", params, 2, s_build_registration,
                           (void **)out);
}

vb_status_t
events_store_registration_list(vb_db_t *db, vb_arena_t *arena,
                               const events_registration_filter_t *filter,
                               events_registration_t ***items, size_t *count)
{
    const char *params[] = {
        filter->event_id,
        vb_db_param_null_if_empty(filter->status),
        vb_db_param_null_if_empty(filter->occurrence_id),
        vb_db_param_null_if_empty(filter->after_id),
        vb_db_param_int(arena, filter->limit + 1),
    };
    return vb_db_query_rows(db, arena, "registration_list", params, 5, s_build_registration,
                            (void ***)items, count);
}

vb_status_t
events_store_registration_checkin(vb_db_t *db, vb_arena_t *arena, const char *id, bool no_show,
                                  const char *now, events_registration_t **out)
{
    const char *params[] = {id, vb_db_param_bool(no_show), now};
    return vb_db_query_one(db, arena, "registration_checkin", params, 3, s_build_registration,
                           (void **)out);
}

typedef struct {
    int64_t attended, no_shows;
} s_close_t;

static int
s_close_row(void *arg, const vb_db_row_t *row)
{
    s_close_t *close = arg;
    close->attended = vb_db_row_int64(row, 0);
    close->no_shows = vb_db_row_int64(row, 1);
    return 0;
}

vb_status_t
events_store_event_close(vb_db_t *db, const char *event_id, int64_t *attended, int64_t *no_shows)
{
    const char *params[] = {event_id};
    s_close_t close = {0};
    vb_status_t status = vb_db_run(db, "event_close", params, 1, s_close_row, &close, NULL);
    *attended = close.attended;
    *no_shows = close.no_shows;
    return status;
}

static void *
s_build_string(vb_arena_t *arena, const vb_db_row_t *row)
{
    return vb_db_row_strdup(arena, row, 0);
}

vb_status_t
events_store_confirmed_persons(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                               char ***persons, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "confirmed_persons", params, 1, s_build_string,
                            (void ***)persons, count);
}

/* ---- knowledge café, booths, agenda ---- */

vb_status_t
events_store_table_insert(vb_db_t *db, const events_table_t *table, const char *now)
{
    char capacity[16];
    snprintf(capacity, sizeof capacity, "%d", (int)table->capacity);
    const char *params[] = {table->id,    table->event_id,
                            table->topic, vb_db_param_null_if_empty(table->moderator_person_id),
                            capacity,     now};
    return vb_db_write(db, "table_insert", params, 6);
}

vb_status_t
events_store_table_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                        events_table_t ***items, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "table_list", params, 1, s_build_table, (void ***)items,
                            count);
}

vb_status_t
events_store_assignment_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                             events_assignment_t ***items, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "assignment_list", params, 1, s_build_assignment,
                            (void ***)items, count);
}

vb_status_t
events_store_assignment_replace(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                events_assignment_t *const *items, size_t count)
{
    const char *delete_params[] = {event_id};
    vb_status_t status = vb_db_write(db, "assignment_delete", delete_params, 1);
    if (status != VB_STATUS_OK || count == 0)
        return status;
    json_t *array = json_array();
    VB_ASSERT(array);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(array, json_pack("{s:i, s:s, s:s}", "round", (int)items[i]->round,
                                               "table_id", items[i]->table_id, "person_id",
                                               items[i]->person_id));
    const char *params[] = {event_id, vb_db_param_json(arena, array)};
    return vb_db_write(db, "assignment_insert_many", params, 2);
}

vb_status_t
events_store_booth_insert(vb_db_t *db, vb_arena_t *arena, const events_booth_t *booth,
                          int64_t pitch_start_at, int64_t pitch_end_at, const char *now)
{
    bool has_pitch = booth->pitch_start_local[0] != '\0';
    const char *params[] = {
        booth->id,
        booth->event_id,
        vb_db_param_null_if_empty(booth->organization_id),
        booth->project_name,
        booth->description,
        booth->pitch_start_local,
        booth->pitch_end_local,
        has_pitch ? vb_db_param_int(arena, pitch_start_at) : NULL,
        has_pitch ? vb_db_param_int(arena, pitch_end_at) : NULL,
        now,
    };
    return vb_db_write(db, "booth_insert", params, 10);
}

vb_status_t
events_store_booth_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                        events_booth_t ***items, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "booth_list", params, 1, s_build_booth, (void ***)items,
                            count);
}

vb_status_t
events_store_agenda_insert(vb_db_t *db, vb_arena_t *arena, const events_agenda_item_t *item,
                           int64_t start_at, int64_t end_at, const char *now)
{
    const char *kind = events_agenda_kind_name(item->kind);
    VB_ASSERT(kind);
    const char *params[] = {
        item->id,
        item->event_id,
        kind,
        item->title,
        item->start_local,
        item->end_local,
        vb_db_param_int(arena, start_at),
        vb_db_param_int(arena, end_at),
        vb_db_param_json_strings(arena, item->speaker_person_ids, item->n_speaker_person_ids),
        now,
    };
    if (!params[8])
        return VB_STATUS_BAD_REQUEST;
    return vb_db_write(db, "agenda_insert", params, 10);
}

vb_status_t
events_store_agenda_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                         events_agenda_item_t ***items, size_t *count)
{
    const char *params[] = {event_id};
    return vb_db_query_rows(db, arena, "agenda_list", params, 1, s_build_agenda_item,
                            (void ***)items, count);
}

/* ---- calendar ---- */

vb_status_t
events_store_calendar_token_put(vb_db_t *db, const char *person_id, const char *hash,
                                const char *now)
{
    const char *params[] = {person_id, hash, now};
    return vb_db_write(db, "calendar_token_put", params, 3);
}

vb_status_t
events_store_calendar_token_find(vb_db_t *db, vb_arena_t *arena, const char *hash,
                                 const char **person_id)
{
    const char *params[] = {hash};
    return vb_db_query_one(db, arena, "calendar_token_find", params, 1, s_build_string,
                           (void **)person_id);
}

vb_status_t
events_store_feed(vb_db_t *db, vb_arena_t *arena, events_feed_kind_t kind, const char *key,
                  int limit, events_feed_item_t **items, size_t *count)
{
    static const char *const statements[] = {
        [EVENTS_FEED_EVENT] = "feed_event",
        [EVENTS_FEED_COMMUNITY] = "feed_community",
        [EVENTS_FEED_PUBLIC] = "feed_public",
        [EVENTS_FEED_PERSON] = "feed_person",
    };
    VB_ASSERT((size_t)kind < VB_ARRAY_SIZE(statements));
    const char *params[] = {kind == EVENTS_FEED_PUBLIC ? NULL : key, vb_db_param_int(arena, limit)};
    void **rows = NULL;
    vb_status_t status =
        vb_db_query_rows(db, arena, statements[kind], params, 2, s_build_feed_item, &rows, count);
    *items = NULL;
    if (status == VB_STATUS_OK && *count > 0) {
        *items = vb_arena_alloc(arena, *count * sizeof **items);
        for (size_t i = 0; i < *count; i++)
            (*items)[i] = *(events_feed_item_t *)rows[i];
    }
    return status;
}

/* ---- erasure ---- */

static void *
s_build_pair(vb_arena_t *arena, const vb_db_row_t *row)
{
    char **pair = vb_arena_alloc(arena, 2 * sizeof *pair);
    pair[0] = vb_db_row_strdup(arena, row, 0);
    pair[1] = vb_db_row_strdup(arena, row, 1);
    return pair;
}

vb_status_t
events_store_erase_active_registrations(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                        char ****pairs, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, "erase_active_registrations", params, 1, s_build_pair,
                            (void ***)pairs, count);
}

vb_status_t
events_store_erase_ids(vb_db_t *db, vb_arena_t *arena, const char *statement,
                       const char *person_id, char ***ids, size_t *count)
{
    const char *params[] = {person_id};
    return vb_db_query_rows(db, arena, statement, params, 1, s_build_string, (void ***)ids, count);
}

vb_status_t
events_store_erase_exec(vb_db_t *db, const char *statement, const char *person_id,
                        int64_t *affected)
{
    const char *params[] = {person_id};
    return vb_db_run(db, statement, params, 1, NULL, NULL, affected);
}
