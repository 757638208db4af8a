/* stream_store.c - every SQL statement of the stream service (stream_store.h). Rows reach the
 * callers decoded (bytea hex to bytes) in their arena, except the replay read's stored
 * CloudEvents, fetched in binary format and borrowed from the result.
 * Does not: open or commit transactions. */
#include "stream_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/assert.h"
#include "vb/log.h"

/* Columns of an event row, in the order every event-returning statement uses. */
#define S_EVENT_COLUMNS                                                                      \
    "sequence, id, source, type, subject, (extract(epoch FROM time) * 1000000)::int8, "      \
    "dataschema, data"

static const vb_db_statement_t s_statements[] = {
    /* the head */
    {"stream_head",
     "SELECT newest_sequence, retained_from, coalesce((SELECT min(sequence) FROM log), 0)"
     " FROM state"},
    /* $1 after, $2 limit, $3 window, $4 type prefixes (text[]; empty = all): head and events
     * of one snapshot. "LIMIT 1" on the state row keeps the row estimate (and so the cost)
     * small: a join with the unanalysed state table was estimated at 1810 rows, whose cost
     * switched JIT compilation on - 45 ms of every read. */
    {"stream_read",
     "SELECT s.newest_sequence, s.retained_from, coalesce((SELECT min(sequence) FROM log), 0),"
     " e.sequence, e.id, e.source, e.type, e.subject, e.time_us, e.dataschema, e.data"
     " FROM (SELECT newest_sequence, retained_from FROM state LIMIT 1) s LEFT JOIN LATERAL ("
     "  SELECT sequence, id, source, type, subject,"
     "   (extract(epoch FROM time) * 1000000)::int8 AS time_us, dataschema, data FROM log"
     "  WHERE sequence > $1::int8 AND sequence <= least(s.newest_sequence, $1::int8 + $3::int8)"
     "   AND (cardinality($4::text[]) = 0"
     "        OR EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE starts_with(log.type, p)))"
     "  ORDER BY sequence LIMIT $2::int8) e ON true"
     " ORDER BY e.sequence"},
    /* stream_read with the stored packed CloudEvent instead of the columns, run in binary
     * result format: one head row (sequence NULL), then the events. One statement, so one
     * snapshot; no join, so the events come straight off the primary key without a sort. */
    {"stream_read_packed",
     "SELECT newest_sequence, retained_from, coalesce((SELECT min(sequence) FROM log), 0),"
     "  NULL::int8, NULL::bytea FROM state"
     " UNION ALL (SELECT NULL, NULL, NULL, sequence, cloudevent FROM log"
     "  WHERE sequence > $1::int8 AND sequence <= least("
     "   (SELECT newest_sequence FROM state LIMIT 1), $1::int8 + $3::int8)"
     "   AND (cardinality($4::text[]) = 0"
     "        OR EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE starts_with(log.type, p)))"
     "  ORDER BY sequence LIMIT $2::int8)"},
    /* $1 sequences (int8[]), $2 their packed CloudEvents (bytea[]), $3..$4 the lowest and
     * highest of the sequences: the range keeps the plan on the primary key whatever the
     * estimate of unnest (a hash join over the whole log made every pass O(log size)) */
    {"stream_set_cloudevents",
     "UPDATE log SET cloudevent = v.cloudevent"
     " FROM unnest($1::int8[], $2::bytea[]) AS v(sequence, cloudevent)"
     " WHERE log.sequence = v.sequence AND log.sequence BETWEEN $3::int8 AND $4::int8"},
    /* $1..$9 the columns as arrays, one element per event: the relay's one write per pass
     * (every row complete, its packed CloudEvent included, so no row is updated after) */
    /* $1 'schema.outbox' */
    {"stream_outbox_exists", "SELECT to_regclass($1) IS NOT NULL"},
    {"stream_lock_state", "SELECT newest_sequence FROM state FOR UPDATE"},
    /* $1 newest */
    {"stream_set_newest", "UPDATE state SET newest_sequence = $1::int8"},
    {"stream_notify_appended", "SELECT pg_notify('verbund_stream', '')"},
    /* $1 subject, $2 before, $3 PersonEvent (hex), $4 ExpertProfileEvent (hex) */
    {"stream_scrub",
     "UPDATE log SET data = CASE dataschema"
     "  WHEN 'verbund.membership.v1.ExpertProfileEvent' THEN $4::bytea ELSE $3::bytea END"
     " WHERE subject = $1 AND sequence < $2::int8 AND dataschema IN"
     " ('verbund.membership.v1.PersonEvent', 'verbund.membership.v1.ExpertProfileEvent')"
     " RETURNING " S_EVENT_COLUMNS},
    /* $1 max age in seconds: the sequence of the newest expired row (0: none). Through the
     * time index, so a sweep that finds nothing costs one index probe: max(sequence) with the
     * time filter was planned as a backward scan of the whole primary key (every 500 ms in the
     * fixture, on the relay's thread). Sequences follow time up to concurrent writers, whose
     * stragglers the next sweep takes. */
    {"stream_expired_upto",
     "SELECT coalesce((SELECT sequence FROM log"
     "  WHERE time < now() - make_interval(secs => $1::float8) ORDER BY time DESC LIMIT 1), 0)"},
    /* $1 the highest expired sequence */
    {"stream_retain_from",
     "UPDATE state SET retained_from = greatest(retained_from, $1::int8 + 1)"},
    {"stream_delete_upto", "DELETE FROM log WHERE sequence <= $1::int8"},
};

const vb_db_statement_t *
stream_store_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

static bool
s_schema_valid(const char *schema)
{
    if (!schema || !schema[0] || strlen(schema) > 63)
        return false;
    for (const char *c = schema; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
            return false;
    return true;
}

int
stream_store_relay_statement(const char *schema, vb_db_statement_t *statement)
{
    if (!s_schema_valid(schema))
        return -1;
    /* The schema is [a-z_]+, so quoting it as an identifier needs no escaping. $1 limit. The
     * rows leave the outbox in position order, each with whether its id is in the log already
     * (a re-relay), so the relay numbers only the fresh ones and the numbering stays gapless.
     * Run in binary result format: the data comes as bytes, not hex. */
    char *sql = NULL;
    int rc = asprintf(
        &sql,
        "WITH taken AS ("
        " DELETE FROM \"%s\".outbox WHERE position IN ("
        "  SELECT position FROM \"%s\".outbox ORDER BY position LIMIT $1::int8"
        "  FOR UPDATE SKIP LOCKED)"
        " RETURNING position, id, type, subject, time, dataschema, data)"
        " SELECT id::text, type, subject, (extract(epoch FROM time) * 1000000)::int8,"
        "  dataschema, data, EXISTS (SELECT 1 FROM log l WHERE l.id = taken.id)"
        " FROM taken ORDER BY position",
        schema, schema);
    if (rc < 0)
        return -1;
    char *name = NULL;
    if (asprintf(&name, "stream_relay_%s", schema) < 0) {
        free(sql);
        return -1;
    }
    statement->name = name;
    statement->sql = sql;
    return 0;
}

/* ---- row decoding ---- */

static int
s_read_bool(void *arg, const vb_db_row_t *row)
{
    *(bool *)arg = vb_db_row_bool(row, 0);
    return 0;
}

static int
s_read_uint64(void *arg, const vb_db_row_t *row)
{
    int64_t value = vb_db_row_int64(row, 0);
    *(uint64_t *)arg = value > 0 ? (uint64_t)value : 0;
    return 0;
}

static void
s_read_head(const vb_db_row_t *row, stream_head_t *head)
{
    head->newest = (uint64_t)vb_db_row_int64(row, 0);
    head->retained_from = (uint64_t)vb_db_row_int64(row, 1);
    head->oldest = (uint64_t)vb_db_row_int64(row, 2);
}

/* The value of a hex digit, -1 for anything else. */
static inline int
s_hex(unsigned char c)
{
    if ((unsigned)(c - '0') < 10)
        return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6)
        return c - 'a' + 10;
    return -1;
}

/* bytea in hex output format ("\x0a1b...") into arena bytes. -1 when malformed. */
static int
s_bytea_decode(vb_arena_t *arena, const char *text, size_t length, uint8_t **out,
               size_t *out_length)
{
    if (length < 2 || text[0] != '\\' || text[1] != 'x' || (length - 2) % 2 != 0)
        return -1;
    size_t size = (length - 2) / 2;
    uint8_t *bytes = vb_arena_alloc(arena, size ? size : 1);
    const unsigned char *hex = (const unsigned char *)text + 2;
    for (size_t i = 0; i < size; i++) {
        int high = s_hex(hex[2 * i]);
        int low = s_hex(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return -1;
        bytes[i] = (uint8_t)(high << 4 | low);
    }
    *out = bytes;
    *out_length = size;
    return 0;
}

/* "\x" + hex of data, malloc'd. */
static char *
s_bytea_encode(const uint8_t *data, size_t length)
{
    static const char digits[] = "0123456789abcdef";
    char *text = malloc(2 * length + 3);
    if (!text)
        return NULL;
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < length; i++) {
        text[2 + 2 * i] = digits[data[i] >> 4];
        text[3 + 2 * i] = digits[data[i] & 15];
    }
    text[2 + 2 * length] = '\0';
    return text;
}

/* Decodes the event columns starting at first. With copy, strings and data go into arena;
 * without, strings are borrowed from the row and data decoded into arena (the read path: the
 * callback copies what it keeps, so nothing is copied twice). -1 when the data is malformed. */
static int
s_read_event(const vb_db_row_t *row, int first, vb_arena_t *arena, bool copy,
             stream_event_t *event)
{
    event->sequence = (uint64_t)vb_db_row_int64(row, first);
    event->id = vb_db_row_text(row, first + 1);
    event->source = vb_db_row_text(row, first + 2);
    event->type = vb_db_row_text(row, first + 3);
    event->subject = vb_db_row_text(row, first + 4);
    event->time_unix_us = vb_db_row_int64(row, first + 5);
    event->dataschema = vb_db_row_text(row, first + 6);
    event->cloudevent = NULL;
    event->cloudevent_length = 0;
    if (copy) {
        event->id = vb_arena_strdup(arena, event->id);
        event->source = vb_arena_strdup(arena, event->source);
        event->type = vb_arena_strdup(arena, event->type);
        event->subject = vb_arena_strdup(arena, event->subject);
        event->dataschema = vb_arena_strdup(arena, event->dataschema);
    }
    return s_bytea_decode(arena, vb_db_row_text(row, first + 7),
                          vb_db_row_length(row, first + 7), &event->data, &event->data_length);
}

/* What the event-reading callbacks need. */
typedef struct {
    vb_arena_t *arena;
    stream_head_t *head; /* stream_read only */
    stream_event_fn fn;
    void *arg;
    bool malformed;      /* a row did not decode */
    bool stopped;        /* fn asked to stop */
    bool copy;           /* strings into the arena (else borrowed for the callback) */
} s_events_t;

static int
s_on_read_row(void *arg, const vb_db_row_t *row)
{
    s_events_t *events = arg;
    s_read_head(row, events->head);
    if (vb_db_row_is_null(row, 3))
        return 0; /* no event: the head only */
    stream_event_t event;
    if (s_read_event(row, 3, events->arena, events->copy, &event) != 0) {
        events->malformed = true;
        return 1;
    }
    if (events->fn(events->arg, &event) != 0) {
        events->stopped = true;
        return 1;
    }
    return 0;
}

static int
s_on_event_row(void *arg, const vb_db_row_t *row)
{
    s_events_t *events = arg;
    stream_event_t event;
    if (s_read_event(row, 0, events->arena, true, &event) != 0) {
        events->malformed = true;
        return 1;
    }
    return events->fn(events->arg, &event);
}

/* ---- statements ---- */

vb_status_t
stream_store_outbox_exists(vb_db_t *db, const char *schema, bool *exists)
{
    char name[96];
    snprintf(name, sizeof name, "%s.outbox", schema);
    const char *params[] = {name};
    *exists = false;
    return vb_db_run(db, "stream_outbox_exists", params, 1, s_read_bool, exists, NULL);
}

static int
s_on_head_row(void *arg, const vb_db_row_t *row)
{
    s_read_head(row, arg);
    return 0;
}

vb_status_t
stream_store_head(vb_db_t *db, stream_head_t *head)
{
    memset(head, 0, sizeof *head);
    return vb_db_run(db, "stream_head", NULL, 0, s_on_head_row, head, NULL);
}

/* The prefixes as a text[] literal in arena. They are [a-z0-9._-] (stream_topic_prefix_valid),
 * so quoting needs no escapes. */
static const char *
s_prefix_array(vb_arena_t *arena, const char *const *prefixes, size_t prefix_count)
{
    size_t size = 3;
    for (size_t i = 0; i < prefix_count; i++)
        size += strlen(prefixes[i]) + 3;
    char *array = vb_arena_alloc(arena, size);
    char *p = array;
    *p++ = '{';
    for (size_t i = 0; i < prefix_count; i++)
        p += sprintf(p, "%s\"%s\"", i ? "," : "", prefixes[i]);
    *p++ = '}';
    *p = '\0';
    return array;
}

vb_status_t
stream_store_read(vb_db_t *db, uint64_t after, uint64_t window, int limit,
                  const char *const *prefixes, size_t prefix_count, bool copy, vb_arena_t *arena,
                  stream_head_t *head, stream_event_fn fn, void *arg)
{
    VB_ASSERT(limit > 0);
    char after_text[24], limit_text[16], window_text[24];
    snprintf(after_text, sizeof after_text, "%" PRIu64, after);
    snprintf(limit_text, sizeof limit_text, "%d", limit);
    snprintf(window_text, sizeof window_text, "%" PRIu64, window);
    const char *array = s_prefix_array(arena, prefixes, prefix_count);
    const char *params[] = {after_text, limit_text, window_text, array};
    memset(head, 0, sizeof *head);
    s_events_t events = {.arena = arena, .head = head, .fn = fn, .arg = arg, .copy = copy};
    vb_status_t status = vb_db_run(db, "stream_read", params, 4, s_on_read_row, &events, NULL);
    if (status == VB_STATUS_OK && events.malformed)
        return VB_STATUS_INTERNAL;
    return status;
}

/* What stream_store_read_packed's row callback needs. */
typedef struct {
    stream_head_t *head;
    stream_packed_fn fn;
    void *arg;
} s_packed_t;

static int
s_on_packed_row(void *arg, const vb_db_row_t *row)
{
    s_packed_t *packed = arg;
    if (vb_db_row_is_null(row, 3)) {
        s_read_head(row, packed->head); /* the head row */
        return 0;
    }
    uint64_t sequence = (uint64_t)vb_db_row_int64(row, 3);
    if (vb_db_row_is_null(row, 4))
        return packed->fn(packed->arg, sequence, NULL, 0);
    return packed->fn(packed->arg, sequence, vb_db_row_bytes(row, 4), vb_db_row_length(row, 4));
}

vb_status_t
stream_store_read_packed(vb_db_t *db, uint64_t after, uint64_t window, int limit,
                         const char *const *prefixes, size_t prefix_count, vb_arena_t *arena,
                         stream_head_t *head, stream_packed_fn fn, void *arg)
{
    VB_ASSERT(limit > 0);
    char after_text[24], limit_text[16], window_text[24];
    snprintf(after_text, sizeof after_text, "%" PRIu64, after);
    snprintf(limit_text, sizeof limit_text, "%d", limit);
    snprintf(window_text, sizeof window_text, "%" PRIu64, window);
    const char *array = s_prefix_array(arena, prefixes, prefix_count);
    const char *params[] = {after_text, limit_text, window_text, array};
    memset(head, 0, sizeof *head);
    s_packed_t packed = {.head = head, .fn = fn, .arg = arg};
    return vb_db_run_binary(db, "stream_read_packed", params, 4, s_on_packed_row, &packed, NULL);
}

vb_status_t
stream_store_set_cloudevents(vb_db_t *db, const stream_event_t *events, size_t count)
{
    size_t sequences_size = 3, cloudevents_size = 3, present = 0;
    for (size_t i = 0; i < count; i++) {
        if (!events[i].cloudevent)
            continue;
        present++;
        sequences_size += 21;
        cloudevents_size += 2 * events[i].cloudevent_length + 8;
    }
    if (present == 0)
        return VB_STATUS_OK;
    char *sequences = malloc(sequences_size);
    char *cloudevents = malloc(cloudevents_size);
    if (!sequences || !cloudevents) {
        free(sequences);
        free(cloudevents);
        return VB_STATUS_INTERNAL;
    }
    /* {1,2} and {"\\x0a..","\\x.."}: in an array literal a backslash is escaped */
    static const char digits[] = "0123456789abcdef";
    char *s = sequences, *c = cloudevents;
    *s++ = '{';
    *c++ = '{';
    bool first = true;
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (size_t i = 0; i < count; i++) {
        const stream_event_t *event = &events[i];
        if (!event->cloudevent)
            continue;
        lowest = event->sequence < lowest ? event->sequence : lowest;
        highest = event->sequence > highest ? event->sequence : highest;
        if (!first) {
            *s++ = ',';
            *c++ = ',';
        }
        first = false;
        s += sprintf(s, "%" PRIu64, event->sequence);
        memcpy(c, "\"\\\\x", 4);
        c += 4;
        for (size_t j = 0; j < event->cloudevent_length; j++) {
            *c++ = digits[event->cloudevent[j] >> 4];
            *c++ = digits[event->cloudevent[j] & 15];
        }
        *c++ = '"';
    }
    *s++ = '}';
    *s = '\0';
    *c++ = '}';
    *c = '\0';
    char lowest_text[24], highest_text[24];
    snprintf(lowest_text, sizeof lowest_text, "%" PRIu64, lowest);
    snprintf(highest_text, sizeof highest_text, "%" PRIu64, highest);
    const char *params[] = {sequences, cloudevents, lowest_text, highest_text};
    int64_t updated = 0;
    vb_status_t status =
        vb_db_run(db, "stream_set_cloudevents", params, 4, NULL, NULL, &updated);
    free(sequences);
    free(cloudevents);
    if (status == VB_STATUS_OK && (size_t)updated != present)
        status = VB_STATUS_INTERNAL;
    return status;
}

vb_status_t
stream_store_lock_state(vb_db_t *db, uint64_t *newest)
{
    *newest = 0;
    return vb_db_run(db, "stream_lock_state", NULL, 0, s_read_uint64, newest, NULL);
}

/* What stream_store_take's row callback needs. */
typedef struct {
    vb_arena_t *arena;
    stream_event_fn fn;
    void *arg;
    int64_t taken; /* rows deleted from the outbox, fresh or not */
    bool stopped;
} s_take_t;

static int
s_on_take_row(void *arg, const vb_db_row_t *row)
{
    s_take_t *take = arg;
    take->taken++;
    if (vb_db_row_bool(row, 6))
        return 0; /* in the log already: a re-relay, dropped with its outbox row */
    stream_event_t event = {0};
    event.id = vb_arena_strdup(take->arena, vb_db_row_text(row, 0));
    event.type = vb_arena_strdup(take->arena, vb_db_row_text(row, 1));
    event.subject = vb_arena_strdup(take->arena, vb_db_row_text(row, 2));
    event.time_unix_us = vb_db_row_int64(row, 3);
    event.dataschema = vb_arena_strdup(take->arena, vb_db_row_text(row, 4));
    event.data_length = vb_db_row_length(row, 5);
    event.data = vb_arena_alloc(take->arena, event.data_length ? event.data_length : 1);
    if (event.data_length)
        memcpy(event.data, vb_db_row_bytes(row, 5), event.data_length);
    if (take->fn(take->arg, &event) != 0) {
        take->stopped = true;
        return 1;
    }
    return 0;
}

vb_status_t
stream_store_take(vb_db_t *db, const char *statement, int limit, vb_arena_t *arena,
                  stream_event_fn fn, void *arg, int64_t *taken)
{
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%d", limit);
    const char *params[] = {limit_text};
    s_take_t take = {.arena = arena, .fn = fn, .arg = arg};
    vb_status_t status =
        vb_db_run_binary(db, statement, params, 1, s_on_take_row, &take, NULL);
    *taken = take.taken;
    if (status == VB_STATUS_OK && take.stopped)
        return VB_STATUS_INTERNAL;
    return status;
}

/* ---- appending: COPY in PostgreSQL's binary format ----
 * The relay appends a pass's rows with one COPY ... FROM STDIN (FORMAT binary): no text to
 * parse or hex to decode on the server, which the nine text arrays of an INSERT ... unnest
 * cost about as much as the rows themselves. */

#define S_COPY_COLUMNS 9
#define S_POSTGRES_EPOCH_US INT64_C(946684800000000) /* 2000-01-01, timestamptz's zero */

static const char s_copy_sql[] =
    "COPY log (sequence, id, source, type, subject, time, dataschema, data, cloudevent)"
    " FROM STDIN (FORMAT binary)";

/* A buffer sized up front by the caller (so appending never checks). */
typedef struct {
    uint8_t *data;
    uint8_t *end;
} s_copy_t;

static void
s_copy_u16(s_copy_t *copy, uint16_t value)
{
    *copy->end++ = (uint8_t)(value >> 8);
    *copy->end++ = (uint8_t)value;
}

static void
s_copy_u32(s_copy_t *copy, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        *copy->end++ = (uint8_t)(value >> shift);
}

static void
s_copy_u64(s_copy_t *copy, uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        *copy->end++ = (uint8_t)(value >> shift);
}

/* A field of length bytes: its length, then the bytes. */
static void
s_copy_bytes(s_copy_t *copy, const void *data, size_t length)
{
    s_copy_u32(copy, (uint32_t)length);
    if (length)
        memcpy(copy->end, data, length);
    copy->end += length;
}

static void
s_copy_int8(s_copy_t *copy, uint64_t value)
{
    s_copy_u32(copy, 8);
    s_copy_u64(copy, value);
}

static int
s_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 16 bytes of a canonical UUID string; -1 when it is not one (the outbox column is uuid,
 * so that would be our bug). */
static int
s_uuid_bytes(const char *text, uint8_t out[16])
{
    int byte = 0;
    for (const char *c = text; *c && byte < 16; c++) {
        if (*c == '-')
            continue;
        int high = s_hex_digit(c[0]), low = c[1] ? s_hex_digit(c[1]) : -1;
        if (high < 0 || low < 0)
            return -1;
        out[byte++] = (uint8_t)(high << 4 | low);
        c++;
    }
    return byte == 16 ? 0 : -1;
}

vb_status_t
stream_store_append(vb_db_t *db, const stream_event_t *events, size_t count)
{
    if (count == 0)
        return VB_STATUS_OK;
    static const uint8_t signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
    /* header (signature, flags, extension length), per row a field count and nine length
     * words, the trailer */
    size_t size = sizeof signature + 8 + 2;
    for (size_t i = 0; i < count; i++) {
        const stream_event_t *event = &events[i];
        VB_ASSERT(event->cloudevent);
        size += 2 + 4 * S_COPY_COLUMNS + 8 + 16 + strlen(event->source) + strlen(event->type) +
                strlen(event->subject) + 8 + strlen(event->dataschema) + event->data_length +
                event->cloudevent_length;
    }
    uint8_t *buffer = malloc(size);
    if (!buffer)
        return VB_STATUS_INTERNAL;
    s_copy_t copy = {buffer, buffer};
    memcpy(copy.end, signature, sizeof signature);
    copy.end += sizeof signature;
    s_copy_u32(&copy, 0); /* flags */
    s_copy_u32(&copy, 0); /* header extension length */
    for (size_t i = 0; i < count; i++) {
        const stream_event_t *event = &events[i];
        uint8_t id[16];
        if (s_uuid_bytes(event->id, id) != 0) {
            free(buffer);
            vb_log_error("relay: event id \"%.40s\" is not a UUID", event->id);
            return VB_STATUS_INTERNAL;
        }
        s_copy_u16(&copy, S_COPY_COLUMNS);
        s_copy_int8(&copy, event->sequence);
        s_copy_bytes(&copy, id, sizeof id);
        s_copy_bytes(&copy, event->source, strlen(event->source));
        s_copy_bytes(&copy, event->type, strlen(event->type));
        s_copy_bytes(&copy, event->subject, strlen(event->subject));
        s_copy_int8(&copy, (uint64_t)(event->time_unix_us - S_POSTGRES_EPOCH_US));
        s_copy_bytes(&copy, event->dataschema, strlen(event->dataschema));
        s_copy_bytes(&copy, event->data, event->data_length);
        s_copy_bytes(&copy, event->cloudevent, event->cloudevent_length);
    }
    s_copy_u16(&copy, 0xFFFF); /* the trailer: a field count of -1 */
    VB_ASSERT((size_t)(copy.end - copy.data) == size);
    int64_t copied = 0;
    vb_status_t status = vb_db_copy_in(db, s_copy_sql, buffer, size, &copied);
    free(buffer);
    if (status == VB_STATUS_OK && (size_t)copied != count)
        status = VB_STATUS_INTERNAL;
    return status;
}

vb_status_t
stream_store_set_newest(vb_db_t *db, uint64_t newest)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, newest);
    const char *params[] = {text};
    return vb_db_run(db, "stream_set_newest", params, 1, NULL, NULL, NULL);
}

vb_status_t
stream_store_notify_appended(vb_db_t *db)
{
    return vb_db_run(db, "stream_notify_appended", NULL, 0, NULL, NULL, NULL);
}

vb_status_t
stream_store_scrub(vb_db_t *db, const char *subject, uint64_t before, const uint8_t *person_data,
                   size_t person_length, const uint8_t *profile_data, size_t profile_length,
                   vb_arena_t *arena, stream_event_fn fn, void *arg, int64_t *scrubbed)
{
    s_events_t events = {.arena = arena, .fn = fn, .arg = arg};
    char before_text[24];
    snprintf(before_text, sizeof before_text, "%" PRIu64, before);
    char *person = s_bytea_encode(person_data, person_length);
    char *profile = s_bytea_encode(profile_data, profile_length);
    vb_status_t status = VB_STATUS_INTERNAL;
    if (person && profile) {
        const char *params[] = {subject, before_text, person, profile};
        status = vb_db_run(db, "stream_scrub", params, 4, fn ? s_on_event_row : NULL, &events,
                           scrubbed);
    }
    free(person);
    free(profile);
    if (status == VB_STATUS_OK && events.malformed)
        return VB_STATUS_INTERNAL;
    return status;
}

vb_status_t
stream_store_expire(vb_db_t *db, int64_t max_age_seconds, int64_t *deleted)
{
    *deleted = 0;
    char age_text[24];
    snprintf(age_text, sizeof age_text, "%lld", (long long)max_age_seconds);
    const char *age_params[] = {age_text};
    uint64_t upto = 0;
    vb_status_t status =
        vb_db_run(db, "stream_expired_upto", age_params, 1, s_read_uint64, &upto, NULL);
    if (status != VB_STATUS_OK || upto == 0)
        return status;
    char upto_text[24];
    snprintf(upto_text, sizeof upto_text, "%" PRIu64, upto);
    const char *params[] = {upto_text};
    status = vb_db_run(db, "stream_retain_from", params, 1, NULL, NULL, NULL);
    if (status == VB_STATUS_OK)
        status = vb_db_run(db, "stream_delete_upto", params, 1, NULL, NULL, deleted);
    return status;
}
