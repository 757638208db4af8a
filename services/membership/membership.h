/* membership.h - the membership service's context (created in main.c, passed to every handler)
 * and its dispatch table: one handler per request message of verbund.membership.v1, in proto
 * order. Does not: own the database, cache, outbox or taxonomy (main.c creates and destroys
 * them). */
#ifndef MEMBERSHIP_H
#define MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/cache.h"
#include "vb/db.h"
#include "vb/outbox.h"
#include "vb/rpc_server.h"
#include "vb/taxonomy.h"

#define MEMBERSHIP_SERVICE "membership"
#define MEMBERSHIP_CACHE_PENDING_MAX 1024
#define MEMBERSHIP_CACHE_TTL_SECONDS 3600

/* A cache write (invalidation floor or deletion) that Redis did not take; retried before the
 * next cache read so a stale value is never served after Redis comes back. */
typedef struct {
    char key[64];    /* "person:<uuid>" */
    int64_t version; /* floor version; -1 = delete the key */
} membership_cache_pending_t;

typedef struct {
    vb_db_t *db;                           /* borrowed: the service's connection */
    vb_cache_t *cache;                     /* borrowed: Redis cache, may be unavailable */
    vb_outbox_t *outbox;                   /* borrowed: events, appended in the call's transaction */
    const vb_taxonomy_t *taxonomy; /* borrowed: loaded once at start */
    int64_t minimum_supporting_cents;      /* VERBUND_MIN_SUPPORTING_CONTRIBUTION_CENTS */
    membership_cache_pending_t pending[MEMBERSHIP_CACHE_PENDING_MAX]; /* undelivered writes */
    size_t pending_count; /* entries of pending in use */
    bool cache_untrusted; /* pending overflowed: never read the cache again */
} membership_t;

/* The dispatch table (static, borrowed) and its length. */
const vb_rpc_method_t *membership_methods(size_t *count);

/* Delivers pending cache writes; true when none is left. For a timer and before cache reads. */
bool membership_cache_flush(membership_t *self);

/* Handlers, in the order of membership.proto. context is a membership_t. */
vb_status_t membership_handle_person_create(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_person_get(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_person_list(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_person_update(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_person_erase(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_person_export(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_expert_profile_put(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_expert_profile_list(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_organization_create(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_organization_get(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_organization_list(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_membership_create(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_membership_get(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_membership_list(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_membership_transition(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_taxonomy_get(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_token_create(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_token_verify(void *context, vb_rpc_call_t *call);
vb_status_t membership_handle_health(void *context, vb_rpc_call_t *call);

#endif
