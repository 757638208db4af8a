/* gateway_auth.c - bearer token verification through membership.TokenVerify, with a small
 * process-wide cache (5 s) keyed by a hash of the token, so a burst of requests costs one RPC.
 * Does not: store tokens (only BLAKE2b hashes), or decide roles per route (gateway_routes.c). */
#include "gateway.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/clock.h"
#include "vb/log.h"

#define AUTH_CACHE_SIZE 64
#define AUTH_CACHE_TTL_US (5 * 1000 * 1000)
#define AUTH_VERIFY_DEADLINE_MS 2000
#define AUTH_ID_SIZE 64
#define AUTH_TOPICS_SIZE 512 /* topic prefixes, each followed by '\n' */
#define AUTH_MAX_TOPICS 32

typedef struct {
    unsigned char hash[crypto_generichash_BYTES]; /* BLAKE2b of the token */
    int64_t expires_us;                           /* monotonic; 0 = empty slot */
    int role;                                     /* Verbund__Rpc__V1__Role */
    char id[AUTH_ID_SIZE];                        /* Caller.id */
    char person_id[AUTH_ID_SIZE];                 /* Caller.person_id */
    char topics[AUTH_TOPICS_SIZE];                /* Caller.topic_prefixes, "a\nb\n" */
} auth_entry_t;

struct gateway_auth {
    pthread_mutex_t lock;                  /* guards entries and next */
    auth_entry_t entries[AUTH_CACHE_SIZE]; /* verified tokens */
    size_t next;                           /* slot replaced next when none is free */
};

gateway_auth_t *
gateway_auth_new(void)
{
    if (sodium_init() < 0)
        return NULL;
    gateway_auth_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    pthread_mutex_init(&self->lock, NULL);
    return self;
}

void
gateway_auth_destroy(gateway_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_auth_t *self = *self_p;
    pthread_mutex_destroy(&self->lock);
    sodium_memzero(self, sizeof(*self));
    free(self);
    *self_p = NULL;
}

/* Copies topic prefixes into caller (arena). */
static void
s_topics_copy(vb_arena_t *arena, Verbund__Rpc__V1__Caller *caller, char *const *topics,
              size_t count)
{
    caller->n_topic_prefixes = 0;
    caller->topic_prefixes = NULL;
    if (count == 0)
        return;
    caller->topic_prefixes = vb_arena_alloc(arena, sizeof(char *) * count);
    for (size_t i = 0; i < count; i++)
        caller->topic_prefixes[i] = vb_arena_strdup(arena, topics[i]);
    caller->n_topic_prefixes = count;
}

/* Splits an entry's "a\nb\n" into caller (arena). */
static void
s_topics_unpack(vb_arena_t *arena, Verbund__Rpc__V1__Caller *caller, const char *packed)
{
    char *items[AUTH_MAX_TOPICS];
    size_t count = 0;
    for (const char *at = packed; *at && count < AUTH_MAX_TOPICS;) {
        size_t length = strcspn(at, "\n");
        items[count++] = vb_arena_strndup(arena, at, length);
        at += length + (at[length] ? 1 : 0);
    }
    s_topics_copy(arena, caller, items, count);
}

void
gateway_auth_self_caller(Verbund__Rpc__V1__Caller *caller)
{
    verbund__rpc__v1__caller__init(caller);
    caller->id = "gateway";
    caller->role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
}

static bool
s_cache_get(gateway_auth_t *self, const unsigned char *hash, vb_arena_t *arena,
            Verbund__Rpc__V1__Caller *caller)
{
    bool found = false;
    int64_t now = vb_clock_monotonic_us();
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < AUTH_CACHE_SIZE; i++) {
        auth_entry_t *entry = &self->entries[i];
        if (entry->expires_us > now && sodium_memcmp(entry->hash, hash, sizeof(entry->hash)) == 0) {
            caller->role = entry->role;
            caller->id = vb_arena_strdup(arena, entry->id);
            caller->person_id = vb_arena_strdup(arena, entry->person_id);
            s_topics_unpack(arena, caller, entry->topics);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&self->lock);
    return found;
}

static void
s_cache_put(gateway_auth_t *self, const unsigned char *hash, const Verbund__Rpc__V1__Caller *caller)
{
    if (strlen(caller->id) >= AUTH_ID_SIZE || strlen(caller->person_id) >= AUTH_ID_SIZE)
        return; /* unusual ids are simply not cached */
    char topics[AUTH_TOPICS_SIZE];
    size_t used = 0;
    if (caller->n_topic_prefixes > AUTH_MAX_TOPICS)
        return;
    for (size_t i = 0; i < caller->n_topic_prefixes; i++) {
        size_t length = strlen(caller->topic_prefixes[i]);
        if (length == 0 || strchr(caller->topic_prefixes[i], '\n') ||
            used + length + 2 > sizeof(topics))
            return; /* nor are long or odd topic lists */
        memcpy(topics + used, caller->topic_prefixes[i], length);
        used += length;
        topics[used++] = '\n';
    }
    topics[used] = '\0';
    int64_t now = vb_clock_monotonic_us();
    pthread_mutex_lock(&self->lock);
    auth_entry_t *slot = NULL;
    for (size_t i = 0; i < AUTH_CACHE_SIZE && !slot; i++)
        if (self->entries[i].expires_us <= now)
            slot = &self->entries[i];
    if (!slot) {
        slot = &self->entries[self->next];
        self->next = (self->next + 1) % AUTH_CACHE_SIZE;
    }
    memcpy(slot->hash, hash, sizeof(slot->hash));
    slot->expires_us = now + AUTH_CACHE_TTL_US;
    slot->role = caller->role;
    snprintf(slot->id, sizeof(slot->id), "%s", caller->id);
    snprintf(slot->person_id, sizeof(slot->person_id), "%s", caller->person_id);
    memcpy(slot->topics, topics, used + 1);
    pthread_mutex_unlock(&self->lock);
}

vb_status_t
gateway_auth_verify(gateway_t *gateway, vb_rpc_client_t *client, const char *token,
                    const char *trace_id, vb_arena_t *arena, Verbund__Rpc__V1__Caller *caller)
{
    verbund__rpc__v1__caller__init(caller);
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
    if (s_cache_get(gateway->auth, hash, arena, caller))
        return VB_STATUS_OK;

    Verbund__Membership__V1__TokenVerifyRequest request =
        VERBUND__MEMBERSHIP__V1__TOKEN_VERIFY_REQUEST__INIT;
    request.token = (char *)token;
    Verbund__Rpc__V1__Caller self_caller;
    gateway_auth_self_caller(&self_caller);
    vb_rpc_call_options_t options = {
        .deadline_ms = AUTH_VERIFY_DEADLINE_MS,
        .caller = &self_caller,
        .trace_id = trace_id,
    };
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.TokenVerify", &request.base, &options, &reply);
    vb_status_t result = VB_STATUS_UNAUTHENTICATED;
    if (status == VB_STATUS_UNAVAILABLE || status == VB_STATUS_DEADLINE_EXCEEDED ||
        status == VB_STATUS_INTERNAL) {
        result = status == VB_STATUS_INTERNAL ? VB_STATUS_UNAVAILABLE : status;
    } else if (vb_status_is_success(status) && reply) {
        Verbund__Membership__V1__TokenVerifyReply *verified =
            (Verbund__Membership__V1__TokenVerifyReply *)vb_rpc_reply_unpack(
                reply, &verbund__membership__v1__token_verify_reply__descriptor);
        if (verified && verified->caller &&
            verified->caller->role != VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED) {
            caller->role = verified->caller->role;
            caller->id = vb_arena_strdup(arena, verified->caller->id);
            caller->person_id = vb_arena_strdup(arena, verified->caller->person_id);
            s_topics_copy(arena, caller, verified->caller->topic_prefixes,
                          verified->caller->n_topic_prefixes);
            s_cache_put(gateway->auth, hash, caller);
            result = VB_STATUS_OK;
        }
        if (verified)
            protobuf_c_message_free_unpacked(&verified->base, NULL);
    }
    if (reply)
        vb_rpc_reply_free(reply);
    sodium_memzero(hash, sizeof(hash));
    return result;
}
