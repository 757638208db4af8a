/* matchmaking.h - the matchmaking service's context (created in main.c, passed to every
 * handler) and its dispatch table: one handler per request message of verbund.matchmaking.v1,
 * in proto order. Does not: own the database, outbox, read model, follower or clients (main.c
 * creates and destroys them). */
#ifndef MATCHMAKING_H
#define MATCHMAKING_H

#include <stddef.h>

#include "vb/db.h"
#include "vb/outbox.h"
#include "vb/rpc_client.h"
#include "vb/rpc_server.h"
#include "matchmaking_experts.h"
#include "matchmaking_follow.h"
#include "matchmaking_read_model.h"

#define MATCHMAKING_SERVICE "matchmaking"

typedef struct {
    vb_db_t *db;                     /* borrowed: the service's connection */
    vb_outbox_t *outbox;             /* borrowed: events, appended in the call's transaction */
    matchmaking_read_model_t *model; /* borrowed: persons, profiles, organisations */
    matchmaking_experts_t *experts;  /* borrowed: the expert index, rebuilt when stale */
    matchmaking_follow_t *follow;    /* borrowed: the stream position (health), and persons
                                        fetched on demand (peer groups) */
    vb_rpc_client_t *events;         /* borrowed: the events service; NULL when not configured */
    int events_deadline_ms;          /* per call to the events service */
} matchmaking_t;

/* The dispatch table (static, borrowed) and its length. */
const vb_rpc_method_t *matchmaking_methods(size_t *count);

/* Handlers, in the order of matchmaking.proto. context is a matchmaking_t. */
vb_status_t matchmaking_handle_need_create(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_need_get(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_need_list(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_expert_search(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_offer_create(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_offer_get(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_offer_list(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_rating_put(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_offer_recommend(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_peer_group_plan(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_table_assign(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_partner_search(void *context, vb_rpc_call_t *call);
vb_status_t matchmaking_handle_health(void *context, vb_rpc_call_t *call);

#endif
