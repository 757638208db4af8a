/* stream_store.h - every SQL statement of the stream service: the log, its state row (newest
 * sequence, retention start), relaying outbox rows, erasure scrubbing and retention.
 * Does not: open transactions on its own (the relay does), or build CloudEvents. */
#ifndef STREAM_STORE_H
#define STREAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/db.h"

/* One log row; data (and strings, unless a call says otherwise) live in the arena given to
 * the call that produced it. */
typedef struct {
    uint64_t sequence;
    const char *id;
    const char *source;
    const char *type;
    const char *subject;
    int64_t time_unix_us;
    const char *dataschema;
    uint8_t *data;
    size_t data_length;
    const uint8_t *cloudevent; /* the packed CloudEvent when known (the relay packs it), or NULL */
    size_t cloudevent_length;
} stream_event_t;

typedef struct {
    uint64_t newest;        /* the newest sequence assigned (0: none yet) */
    uint64_t retained_from; /* every sequence >= it is still in the log (retention) */
    uint64_t oldest;        /* the oldest sequence in the log, 0 when empty */
} stream_head_t;

/* Called per event; return 0 to go on. */
typedef int (*stream_event_fn)(void *arg, const stream_event_t *event);

/* The fixed statements, for vb_db_options_t. */
const vb_db_statement_t *stream_store_statements(size_t *count);

/* The relay statement of one source schema ([a-z_]+, checked here: the only SQL built from
 * configuration). Fills *statement with a name and SQL the caller keeps alive for the db's
 * life (free both with free()). 0, or -1 when the schema name is not valid. */
int stream_store_relay_statement(const char *schema, vb_db_statement_t *statement);

/* True when <schema>.outbox exists (the source service has been migrated). */
vb_status_t stream_store_outbox_exists(vb_db_t *db, const char *schema, bool *exists);

vb_status_t stream_store_head(vb_db_t *db, stream_head_t *head);

/* One snapshot: the head, and the events with after < sequence <= min(newest, after + window)
 * whose type starts with one of prefixes (count 0 = every type), at most limit, in order.
 * Data is decoded into arena; strings are copied there with copy, else borrowed for the
 * duration of fn only. */
vb_status_t stream_store_read(vb_db_t *db, uint64_t after, uint64_t window, int limit,
                              const char *const *prefixes, size_t prefix_count, bool copy,
                              vb_arena_t *arena, stream_head_t *head, stream_event_fn fn,
                              void *arg);

/* Called per row of stream_store_read_packed: the row's stored packed CloudEvent (borrowed for
 * the call; NULL when the row predates the cloudevent column). Return 0 to go on. */
typedef int (*stream_packed_fn)(void *arg, uint64_t sequence, const uint8_t *cloudevent,
                                size_t length);

/* stream_store_read's snapshot, but each event as its stored packed CloudEvent, fetched in
 * binary format (no bytea hex, nothing decoded or copied here). *head is filled from the head
 * row, which the statement returns before the events (fn may read it for sizing; nothing may
 * depend on it for correctness before the call returns). */
vb_status_t stream_store_read_packed(vb_db_t *db, uint64_t after, uint64_t window, int limit,
                                     const char *const *prefixes, size_t prefix_count,
                                     vb_arena_t *arena, stream_head_t *head, stream_packed_fn fn,
                                     void *arg);

/* Inside the relay transaction: stores the packed CloudEvent of each event (events whose
 * cloudevent is NULL are skipped), in one statement. */
vb_status_t stream_store_set_cloudevents(vb_db_t *db, const stream_event_t *events, size_t count);

/* Inside the relay transaction: locks the state row and returns the newest sequence. */
vb_status_t stream_store_lock_state(vb_db_t *db, uint64_t *newest);

/* Inside the relay transaction: deletes up to limit outbox rows of one source (the statement
 * of stream_store_relay_statement) and hands fn each one whose id is not in the log yet, in
 * outbox order, without sequence or source, strings and data in arena. *taken gets the
 * number of rows deleted (fresh or not). */
vb_status_t stream_store_take(vb_db_t *db, const char *statement, int limit, vb_arena_t *arena,
                              stream_event_fn fn, void *arg, int64_t *taken);

/* Inside the relay transaction: inserts the events (numbered, each with its packed
 * CloudEvent) into the log in one statement. */
vb_status_t stream_store_append(vb_db_t *db, const stream_event_t *events, size_t count);

vb_status_t stream_store_set_newest(vb_db_t *db, uint64_t newest);

/* Wakes other stream instances (delivered on commit). */
vb_status_t stream_store_notify_appended(vb_db_t *db);

/* Erasure: replaces the data of the person's earlier PersonEvent / ExpertProfileEvent rows;
 * fn (may be NULL) sees each scrubbed row, with the new data, in arena (to re-pack its
 * CloudEvent). */
vb_status_t stream_store_scrub(vb_db_t *db, const char *subject, uint64_t before,
                               const uint8_t *person_data, size_t person_length,
                               const uint8_t *profile_data, size_t profile_length,
                               vb_arena_t *arena, stream_event_fn fn, void *arg,
                               int64_t *scrubbed);

/* Retention: deletes rows older than max_age_seconds (and every row below them, so the
 * retained range stays contiguous) and moves retained_from. *deleted gets the count. */
vb_status_t stream_store_expire(vb_db_t *db, int64_t max_age_seconds, int64_t *deleted);

#endif
