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

#endif
