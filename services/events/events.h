/* events.h - the events service's context (created in main.c, passed to every handler) and its
 * dispatch table: one handler per request message of verbund.events.v1, in proto order.
 * Does not: own the database, outbox or taxonomy (main.c creates and destroys them). */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/db.h"
#include "vb/outbox.h"
#include "vb/rpc_server.h"
#include "vb/taxonomy.h"

#define EVENTS_SERVICE "events"

typedef struct {
    vb_db_t *db;                   /* borrowed: the service's connection */
    vb_outbox_t *outbox;           /* borrowed: events, appended in the call's transaction */
    const vb_taxonomy_t *taxonomy; /* borrowed: fetched from membership at start */
    const char *node_id;           /* borrowed: VERBUND_NODE_ID, the iCalendar UID domain */
    int max_occurrences;           /* VERBUND_EVENTS_MAX_OCCURRENCES: a series is cut here */
} events_t;

/* The dispatch table (static, borrowed) and its length. */
const vb_rpc_method_t *events_methods(size_t *count);

/* Handlers, in the order of events.proto. context is an events_t. */
vb_status_t events_handle_event_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_get(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_update(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_cancel(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_close(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_occurrence_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_occurrence_move(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_occurrence_cancel(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_registration_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_registration_cancel(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_registration_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_checkin_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_table_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_table_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_table_assignment_put(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_table_assignment_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_booth_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_booth_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_agenda_item_create(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_agenda_list(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_event_calendar(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_community_calendar(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_node_calendar(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_personal_calendar(void *context, vb_rpc_call_t *call);
vb_status_t events_handle_calendar_token_create(void *context, vb_rpc_call_t *call);

/* What one erasure changed (events_erase_person). */
typedef struct {
    size_t registrations_cancelled;   /* active registrations cancelled */
    size_t promoted;                  /* waitlisted registrations that got their seats */
    int64_t registrations_anonymised; /* every registration of the person, cancelled ones too */
    int64_t calendar_tokens;
    size_t assignment_events;         /* events whose table assignments lost the person */
    size_t events_organised;          /* events whose organiser became the erased-person id */
} events_erase_counts_t;

/* Erases person_id from everything the service stores, inside the caller's open transaction
 * (call: a service caller with an arena; no reply is built), appending the events of the
 * changes: its active registrations are cancelled as RegistrationCancel would (freed seats
 * promote the waitlist; registration.cancelled names EVENTS_ERASED_PERSON), then every
 * registration of it is anonymised (person_id EVENTS_ERASED_PERSON, no table preferences;
 * check-ins stay as counts), its calendar token is deleted, its table assignments are deleted
 * (table_assignments.updated per event), it stops moderating tables and speaking in agenda
 * items (no events: those changes have no event type), and events it organises get
 * EVENTS_ERASED_PERSON as organiser (event.updated). A second run finds nothing to change and
 * writes nothing. OK or the failing status (call->message may say more). */
vb_status_t events_erase_person(events_t *self, vb_rpc_call_t *call, const char *person_id,
                                events_erase_counts_t *counts);

#endif
