/* events_store.h - every SQL statement of the events service, as one table of named prepared
 * statements, and typed functions over them. Rows arrive through callbacks and become protobuf
 * messages allocated in the caller's arena. Functions return OK, NOT_FOUND when the row does
 * not exist, or the database status (vb_db_run).
 * Does not: validate input, authorise, convert time zones or decide seats (events_waitlist.h). */
#ifndef EVENTS_STORE_H
#define EVENTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/status.h"
#include "events_proto.h"
#include "events_waitlist.h"

/* The statement table for vb_db_options_t (static, borrowed). */
const vb_db_statement_t *events_store_statements(size_t *count);

/* An event with the times the handlers decide on (Unix seconds). */
typedef struct {
    events_event_t *event;
    int64_t start_at;
    int64_t end_at;
    int64_t last_start_at; /* start of the last scheduled occurrence (= start_at when single) */
    int64_t opens_at;      /* INT64_MIN when not set */
    int64_t closes_at;     /* INT64_MIN when not set */
} events_event_row_t;

/* What a new event or a change writes; times already converted by the handler. */
typedef struct {
    const events_event_t *event; /* id, fields as validated */
    int64_t start_at, end_at, last_start_at;
    const char *now; /* RFC 3339: created_at / updated_at */
} events_event_write_t;

/* An occurrence to insert (from events_recurrence_expand). */
typedef struct {
    char id[37];
    int32_t ordinal;
    char start_local[20];
    char end_local[20];
    int64_t start_at, end_at;
} events_occurrence_new_t;

typedef struct {
    const char *community_id; /* NULL: any */
    const char *kind;         /* lower-case name or NULL */
    const char *from;         /* RFC 3339 or NULL */
    const char *to;
    bool public_only;
    const char *after_id; /* cursor: an event id, or NULL */
    int limit;
} events_event_filter_t;

typedef struct {
    const char *event_id;
    const char *status;        /* lower-case name or NULL */
    const char *occurrence_id; /* NULL: all */
    const char *after_id;
    int limit;
} events_registration_filter_t;

/* One VEVENT of a calendar feed, as read (strings in the arena). */
typedef struct {
    const char *uid_id; /* occurrence id for a series, else the event id */
    int64_t sequence;
    const char *title, *description, *venue_name, *venue_address, *online_url, *time_zone;
    const char *kind;
    int64_t start_at, end_at, updated_at;
    bool cancelled;
} events_feed_item_t;

/* ---- events ---- */
vb_status_t events_store_event_insert(vb_db_t *db, vb_arena_t *arena,
                                      const events_event_write_t *write);
/* for_update locks the event row until the transaction ends (its counts are then 0: the
 * registration path counts itself). */
vb_status_t events_store_event_get(vb_db_t *db, vb_arena_t *arena, const char *id, bool for_update,
                                   events_event_row_t *out);
/* Writes every mutable field when the row is at expected_version; NOT_FOUND otherwise. */
vb_status_t events_store_event_update(vb_db_t *db, vb_arena_t *arena,
                                      const events_event_write_t *write, int64_t expected_version);
vb_status_t events_store_event_cancel(vb_db_t *db, const char *id, const char *reason,
                                      const char *now);
/* After an occurrence moved or was cancelled: last_start_at, version + 1. */
vb_status_t events_store_event_touch(vb_db_t *db, const char *id, const char *now);
vb_status_t events_store_event_list(vb_db_t *db, vb_arena_t *arena,
                                    const events_event_filter_t *filter, events_event_t ***items,
                                    size_t *count);

/* ---- occurrences ---- */
vb_status_t events_store_occurrence_insert_many(vb_db_t *db, vb_arena_t *arena,
                                                const char *event_id,
                                                const events_occurrence_new_t *items, size_t count,
                                                const char *now);
vb_status_t events_store_occurrence_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                         events_occurrence_record_t ***items, size_t *count);
vb_status_t events_store_occurrence_get(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                        const char *id, bool for_update,
                                        events_occurrence_record_t **out);
vb_status_t events_store_occurrence_move(vb_db_t *db, vb_arena_t *arena, const char *id,
                                         const char *start_local, const char *end_local,
                                         int64_t start_at, int64_t end_at, const char *now,
                                         events_occurrence_record_t **out);
vb_status_t events_store_occurrence_cancel(vb_db_t *db, vb_arena_t *arena, const char *id,
                                           const char *reason, const char *now,
                                           events_occurrence_record_t **out);

/* ---- registrations ---- */
/* Under the event's lock: seats taken in the scope (occurrence_id NULL = whole event), how many
 * wait in that scope, and whether person_id already holds an active registration that overlaps
 * the scope. */
vb_status_t events_store_registration_seats(vb_db_t *db, const char *event_id,
                                            const char *occurrence_id, const char *person_id,
                                            int64_t *taken, int64_t *waiting, bool *duplicate);
/* Inserts a new registration (waitlisted ones take the next waitlist number). */
vb_status_t events_store_registration_insert(vb_db_t *db, vb_arena_t *arena,
                                             const events_registration_t *registration);
vb_status_t events_store_registration_get(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                          const char *id, bool for_update,
                                          events_registration_t **out);
/* The active registration of a person in a scope (occurrence_id NULL = whole event). */
vb_status_t events_store_registration_find(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                           const char *person_id, const char *occurrence_id,
                                           events_registration_t **out);
/* The strongest active registration status of a person anywhere in the event, or NOT_FOUND. */
vb_status_t events_store_registration_status_of(vb_db_t *db, const char *event_id,
                                                const char *person_id, bool *confirmed);
vb_status_t events_store_registration_cancel(vb_db_t *db, vb_arena_t *arena, const char *id,
                                             const char *now, events_registration_t **out);
/* Confirmed seats per scope (seats->occurrences in arena; confirmed_whole set) and the
 * waitlist in order (at most limit). */
vb_status_t events_store_registration_seat_counts(vb_db_t *db, vb_arena_t *arena,
                                                  const char *event_id, events_seats_t *seats);
vb_status_t events_store_registration_waiting(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                              int limit, events_waiting_t **items, size_t *count);
vb_status_t events_store_registration_promote(vb_db_t *db, vb_arena_t *arena, const char *id,
                                              const char *now, events_registration_t **out);
vb_status_t events_store_registration_list(vb_db_t *db, vb_arena_t *arena,
                                           const events_registration_filter_t *filter,
                                           events_registration_t ***items, size_t *count);
vb_status_t events_store_registration_checkin(vb_db_t *db, vb_arena_t *arena, const char *id,
                                              bool no_show, const char *now,
                                              events_registration_t **out);
/* Records every confirmed registration without a check-in as a no-show. */
vb_status_t events_store_event_close(vb_db_t *db, const char *event_id, int64_t *attended,
                                     int64_t *no_shows);
/* Person ids with a confirmed registration (arena array). */
vb_status_t events_store_confirmed_persons(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                           char ***persons, size_t *count);

/* ---- knowledge café, booths, agenda ---- */
vb_status_t events_store_table_insert(vb_db_t *db, const events_table_t *table, const char *now);
vb_status_t events_store_table_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                    events_table_t ***items, size_t *count);
vb_status_t events_store_assignment_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                         events_assignment_t ***items, size_t *count);
/* Replaces every assignment of the event by items. */
vb_status_t events_store_assignment_replace(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                            events_assignment_t *const *items, size_t count);
vb_status_t events_store_booth_insert(vb_db_t *db, vb_arena_t *arena, const events_booth_t *booth,
                                      int64_t pitch_start_at, int64_t pitch_end_at,
                                      const char *now);
vb_status_t events_store_booth_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                    events_booth_t ***items, size_t *count);
vb_status_t events_store_agenda_insert(vb_db_t *db, vb_arena_t *arena,
                                       const events_agenda_item_t *item, int64_t start_at,
                                       int64_t end_at, const char *now);
vb_status_t events_store_agenda_list(vb_db_t *db, vb_arena_t *arena, const char *event_id,
                                     events_agenda_item_t ***items, size_t *count);

/* ---- calendar ---- */
vb_status_t events_store_calendar_token_put(vb_db_t *db, const char *person_id, const char *hash,
                                            const char *now);
vb_status_t events_store_calendar_token_find(vb_db_t *db, vb_arena_t *arena, const char *hash,
                                             const char **person_id);
/* Feed rows: one event (id), a community's events, the node's public events, or a person's
 * active registrations (online_url only where the registration is confirmed). The other feeds
 * carry online_url as stored; the handler blanks it for public feeds. At most limit rows. */
typedef enum {
    EVENTS_FEED_EVENT,
    EVENTS_FEED_COMMUNITY,
    EVENTS_FEED_PUBLIC,
    EVENTS_FEED_PERSON,
} events_feed_kind_t;
vb_status_t events_store_feed(vb_db_t *db, vb_arena_t *arena, events_feed_kind_t kind,
                              const char *key, int limit, events_feed_item_t **items,
                              size_t *count);

/* ---- erasure of a person ---- */
/* The id that replaces an erased person's id where a row stays (registrations, organiser). */
#define EVENTS_ERASED_PERSON "00000000-0000-0000-0000-000000000000"
/* (registration id, event id) pairs of person_id's active registrations, by event. */
vb_status_t events_store_erase_active_registrations(vb_db_t *db, vb_arena_t *arena,
                                                    const char *person_id, char ****pairs,
                                                    size_t *count);
/* A statement of one parameter (person_id) returning one text column: "erase_assignments"
 * (the events whose assignments lost the person), "erase_organiser" (the events it
 * organised, now anonymised). */
vb_status_t events_store_erase_ids(vb_db_t *db, vb_arena_t *arena, const char *statement,
                                   const char *person_id, char ***ids, size_t *count);
/* A statement of one parameter (person_id) without rows: "erase_registrations" (anonymises
 * every registration, after the active ones were cancelled), "erase_calendar_token",
 * "erase_moderators", "erase_speakers". */
vb_status_t events_store_erase_exec(vb_db_t *db, const char *statement, const char *person_id,
                                    int64_t *affected);

#endif
