/* communities.h - the communities service's context (created in main.c, passed to every
 * handler) and its dispatch table: one handler per request message of verbund.communities.v1,
 * in proto order. Does not: own the database, outbox or taxonomy (main.c creates and destroys
 * them). */
#ifndef COMMUNITIES_H
#define COMMUNITIES_H

#include <stddef.h>

#include "vb/db.h"
#include "vb/outbox.h"
#include "vb/rpc_server.h"
#include "vb/taxonomy.h"

#define COMMUNITIES_SERVICE "communities"

typedef struct {
    vb_db_t *db;                   /* borrowed: the service's connection */
    vb_outbox_t *outbox;           /* borrowed: events, appended in the call's transaction */
    const vb_taxonomy_t *taxonomy; /* borrowed: fetched from membership once at start */
} communities_t;

/* The dispatch table (static, borrowed) and its length. */
const vb_rpc_method_t *communities_methods(size_t *count);

/* Handlers, in the order of communities.proto. context is a communities_t. */
vb_status_t communities_handle_community_propose(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_community_get(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_community_list(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_community_transition(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_member_join(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_member_list(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_member_approve(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_member_leave(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_member_role_set(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_result_publish(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_result_list(void *context, vb_rpc_call_t *call);
vb_status_t communities_handle_health(void *context, vb_rpc_call_t *call);

#endif
