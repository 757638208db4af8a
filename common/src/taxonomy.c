/* taxonomy.c - the competence taxonomy: a sorted array with binary search, and its fetch from
 * the membership service. Does not: allow removal. */
#include "vb/taxonomy.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/clock.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

struct vb_taxonomy {
    vb_taxonomy_entry_t *items; /* sorted by code (strcmp) */
    size_t count;                       /* entries in use */
    size_t capacity;                    /* entries allocated */
};

vb_taxonomy_t *
vb_taxonomy_new(void)
{
    return calloc(1, sizeof(vb_taxonomy_t));
}

void
vb_taxonomy_destroy(vb_taxonomy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_taxonomy_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free(self->items[i].code);
        free(self->items[i].area);
        free(self->items[i].label_de);
        free(self->items[i].label_en);
    }
    free(self->items);
    free(self);
    *self_p = NULL;
}

/* Index of the first entry whose code is >= code. */
static size_t
s_lower_bound(const vb_taxonomy_t *self, const char *code)
{
    size_t low = 0, high = self->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (strcmp(self->items[mid].code, code) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

int
vb_taxonomy_add(vb_taxonomy_t *self, const char *code, const char *area,
                        const char *label_de, const char *label_en)
{
    VB_ASSERT(self);
    if (!code || !code[0])
        return -1;
    size_t at = s_lower_bound(self, code);
    if (at < self->count && strcmp(self->items[at].code, code) == 0)
        return -1;
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 64;
        vb_taxonomy_entry_t *items = realloc(self->items, capacity * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->capacity = capacity;
    }
    vb_taxonomy_entry_t entry = {
        .code = strdup(code),
        .area = strdup(area ? area : ""),
        .label_de = strdup(label_de ? label_de : ""),
        .label_en = strdup(label_en ? label_en : ""),
    };
    if (!entry.code || !entry.area || !entry.label_de || !entry.label_en) {
        free(entry.code);
        free(entry.area);
        free(entry.label_de);
        free(entry.label_en);
        return -1;
    }
    memmove(&self->items[at + 1], &self->items[at], (self->count - at) * sizeof *self->items);
    self->items[at] = entry;
    self->count++;
    return 0;
}

bool
vb_taxonomy_contains(const vb_taxonomy_t *self, const char *code)
{
    VB_ASSERT(self);
    if (!code)
        return false;
    size_t at = s_lower_bound(self, code);
    return at < self->count && strcmp(self->items[at].code, code) == 0;
}

size_t
vb_taxonomy_size(const vb_taxonomy_t *self)
{
    VB_ASSERT(self);
    return self->count;
}

const vb_taxonomy_entry_t *
vb_taxonomy_at(const vb_taxonomy_t *self, size_t index)
{
    VB_ASSERT(self && index < self->count);
    return &self->items[index];
}

/* --- fetch --- */

/* One TaxonomyGet; OK and a filled *taxonomy_p, or the failure. */
static vb_status_t
s_fetch_once(vb_rpc_client_t *client, int timeout_ms, vb_taxonomy_t **taxonomy_p)
{
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
    Verbund__Membership__V1__TaxonomyGetRequest request =
        VERBUND__MEMBERSHIP__V1__TAXONOMY_GET_REQUEST__INIT;
    vb_rpc_call_options_t options = {.deadline_ms = timeout_ms, .caller = &caller};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.TaxonomyGet", &request.base, &options, &reply);
    if (status != VB_STATUS_OK) {
        if (reply)
            vb_rpc_reply_free(reply);
        return status;
    }
    ProtobufCMessage *body =
        vb_rpc_reply_unpack(reply, &verbund__membership__v1__taxonomy_reply__descriptor);
    vb_rpc_reply_free(reply);
    if (!body)
        return VB_STATUS_INTERNAL;
    Verbund__Membership__V1__TaxonomyReply *items = (Verbund__Membership__V1__TaxonomyReply *)body;
    vb_taxonomy_t *taxonomy = vb_taxonomy_new();
    status = taxonomy ? VB_STATUS_OK : VB_STATUS_INTERNAL;
    for (size_t i = 0; status == VB_STATUS_OK && i < items->n_items; i++) {
        const Verbund__Membership__V1__Competence *item = items->items[i];
        if (vb_taxonomy_add(taxonomy, item->code, item->area, item->label_de, item->label_en) < 0)
            status = VB_STATUS_INTERNAL;
    }
    protobuf_c_message_free_unpacked(body, NULL);
    if (status != VB_STATUS_OK)
        vb_taxonomy_destroy(&taxonomy);
    *taxonomy_p = taxonomy;
    return status;
}

vb_status_t
vb_taxonomy_fetch(const char *endpoint, int deadline_ms, vb_taxonomy_t **taxonomy_p)
{
    *taxonomy_p = NULL;
    vb_rpc_client_options_t options = {.endpoint = endpoint, .attempt_timeout_ms = 1000,
                                       .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    if (!client)
        return VB_STATUS_INTERNAL;
    int64_t give_up_us = vb_clock_monotonic_us() + (int64_t)deadline_ms * 1000;
    vb_status_t status;
    while ((status = s_fetch_once(client, 1000, taxonomy_p)) == VB_STATUS_UNAVAILABLE ||
           status == VB_STATUS_DEADLINE_EXCEEDED) {
        if (vb_clock_monotonic_us() >= give_up_us)
            break;
        struct timespec pause = {0, 100 * 1000 * 1000}; /* membership is starting */
        nanosleep(&pause, NULL);
    }
    vb_rpc_client_destroy(&client);
    if (status != VB_STATUS_OK)
        vb_log_error("cannot fetch the competence taxonomy from %s: %s", endpoint,
                     vb_status_name(status));
    return status;
}
