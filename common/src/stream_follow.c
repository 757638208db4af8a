/* stream_follow.c - following topic prefixes of the stream with the position stored in the
 * service's own database, in the transaction of each applied event (see the header).
 * Does not: run its own thread or loop (a service timer calls vb_stream_follow_tick). */
#include "vb/stream_follow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/assert.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/subscriber.h"

#define S_STORE_SCANNED_US 1000000 /* store a scanned-past position at most once a second */

struct vb_stream_follow {
    char *consumer;
    vb_db_t *db; /* borrowed */
    vb_stream_follow_apply_fn apply;
    void *arg;
    vb_subscriber_t *subscriber; /* owned; NULL when not following */
    vb_rpc_client_t *replay;     /* owned: stream.Head after SNAPSHOT_REQUIRED */
    uint64_t stored;             /* the sequence in stream_position */
    bool retry;                  /* an apply failed: read again from stored */
    bool failing;                /* the last process failed (log once per outage) */
    int64_t stored_at_us;        /* when a scanned-past position was last stored */
    vb_stream_follow_stats_t stats;
};

static const char *const S_SQL_LOAD = "SELECT sequence FROM stream_position WHERE consumer = $1";
static const char *const S_SQL_STORE =
    "INSERT INTO stream_position (consumer, sequence) VALUES ($1, $2) "
    "ON CONFLICT (consumer) DO UPDATE SET sequence = excluded.sequence, "
    "updated_at = clock_timestamp() WHERE stream_position.sequence < excluded.sequence";

static int
s_read_sequence(void *arg, const vb_db_row_t *row)
{
    *(uint64_t *)arg = (uint64_t)vb_db_row_int64(row, 0);
    return 0;
}

static vb_status_t
s_store(vb_stream_follow_t *self, uint64_t sequence)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, sequence);
    const char *params[] = {self->consumer, text};
    return vb_db_exec(self->db, S_SQL_STORE, params, 2, NULL, NULL, NULL);
}

/* ---- applying ---- */

static int
s_on_event(void *arg, const vb_cloudevent_t *event)
{
    vb_stream_follow_t *self = arg;
    uint64_t sequence = vb_cloudevent_sequence(event);
    if (sequence <= self->stored) {
        self->stats.duplicates++;
        return 0;
    }
    if (self->retry || vb_db_in_transaction(self->db)) {
        self->retry = true;
        return 1;
    }
    vb_status_t status = vb_db_begin(self->db);
    if (status == VB_STATUS_OK) {
        status = self->apply(self->arg, event);
        if (status == VB_STATUS_OK)
            status = s_store(self, sequence);
        if (status == VB_STATUS_OK)
            status = vb_db_commit(self->db);
        if (status != VB_STATUS_OK && vb_db_in_transaction(self->db))
            (void)vb_db_rollback(self->db);
    }
    if (status != VB_STATUS_OK) {
        self->stats.failures++;
        vb_log_warn("stream follow %s: event %s (sequence %" PRIu64 ") not applied: %s %s; "
                    "trying again",
                    self->consumer, event->id ? event->id : "?", sequence,
                    vb_status_name(status), vb_db_error(self->db));
        self->retry = true;
        return 1;
    }
    self->stored = sequence;
    self->stats.applied++;
    return 0;
}

/* ---- retention ---- */

static vb_status_t
s_head(vb_stream_follow_t *self, uint64_t *oldest, uint64_t *newest)
{
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = self->consumer;
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
    vb_rpc_call_options_t options = {.deadline_ms = 2000, .caller = &caller};
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(self->replay, "stream.Head", &request.base, &options, &reply);
    if (status == VB_STATUS_OK && reply) {
        Verbund__Stream__V1__HeadReply *head = (Verbund__Stream__V1__HeadReply *)
            vb_rpc_reply_unpack(reply, &verbund__stream__v1__head_reply__descriptor);
        if (head) {
            *oldest = head->oldest_sequence;
            *newest = head->newest_sequence;
            protobuf_c_message_free_unpacked(&head->base, NULL);
        } else {
            status = VB_STATUS_INTERNAL;
        }
    }
    if (reply)
        vb_rpc_reply_free(reply);
    return status;
}

/* The position fell out of the stream's retention: what lay between is lost for good. */
static int
s_skip_lost(vb_stream_follow_t *self)
{
    uint64_t oldest = 0, newest = 0;
    vb_status_t status = s_head(self, &oldest, &newest);
    if (status != VB_STATUS_OK) {
        vb_log_warn("stream follow %s: position %" PRIu64 " out of retention and stream.Head "
                    "failed (%s); trying again",
                    self->consumer, self->stored, vb_status_name(status));
        return -1;
    }
    uint64_t resume = oldest > 0 ? oldest - 1 : newest;
    if (resume < self->stored)
        resume = self->stored;
    vb_log_warn("stream follow %s: events after %" PRIu64 " up to %" PRIu64
                " are no longer retained and were NOT applied; continuing from the oldest "
                "retained event %" PRIu64,
                self->consumer, self->stored, resume, resume + 1);
    if ((status = s_store(self, resume)) != VB_STATUS_OK) {
        vb_log_warn("stream follow %s: storing position %" PRIu64 " failed: %s", self->consumer,
                    resume, vb_db_error(self->db));
        return -1;
    }
    self->stored = resume;
    self->stats.snapshots++;
    vb_subscriber_reset(self->subscriber, resume);
    return 0;
}

/* ---- processing ---- */

int
vb_stream_follow_process(vb_stream_follow_t *self, int timeout_ms)
{
    VB_ASSERT(self);
    if (!self->subscriber)
        return 0;
    if (vb_db_in_transaction(self->db))
        return 0; /* not between batches: next tick */
    uint64_t before = self->stats.applied;
    int delivered = vb_subscriber_process(self->subscriber, timeout_ms);
    int applied = (int)(self->stats.applied - before);
    if (self->retry) {
        /* read the failed event again from the stream on the next call */
        self->retry = false;
        vb_subscriber_reset(self->subscriber, self->stored);
        self->failing = true;
        return -1;
    }
    if (delivered < 0) {
        vb_status_t status = vb_subscriber_status(self->subscriber);
        if (status == VB_STATUS_SNAPSHOT_REQUIRED)
            return s_skip_lost(self) == 0 ? applied : -1;
        if (!self->failing)
            vb_log_warn("stream follow %s: %s (%s); retrying", self->consumer,
                        vb_subscriber_error(self->subscriber), vb_status_name(status));
        self->failing = true;
        return -1;
    }
    if (self->failing)
        vb_log_info("stream follow %s: following again after %" PRIu64, self->consumer,
                    self->stored);
    self->failing = false;
    /* positions scanned past without a matching event: store now and then */
    uint64_t position = vb_subscriber_position(self->subscriber);
    int64_t now = vb_clock_monotonic_us();
    if (position > self->stored && now - self->stored_at_us >= S_STORE_SCANNED_US) {
        self->stored_at_us = now;
        if (s_store(self, position) == VB_STATUS_OK)
            self->stored = position;
    }
    return applied;
}

void
vb_stream_follow_tick(void *context)
{
    (void)vb_stream_follow_process(context, 0);
}

uint64_t
vb_stream_follow_position(const vb_stream_follow_t *self)
{
    VB_ASSERT(self);
    return self->stored;
}

vb_stream_follow_stats_t
vb_stream_follow_stats(const vb_stream_follow_t *self)
{
    VB_ASSERT(self);
    return self->stats;
}

bool
vb_stream_follow_enabled(const vb_stream_follow_t *self)
{
    return self && self->subscriber;
}

/* ---- lifecycle ---- */

vb_stream_follow_t *
vb_stream_follow_new(const vb_stream_follow_options_t *options)
{
    VB_ASSERT(options && options->consumer && options->db && options->apply);
    VB_ASSERT(options->topic_prefixes && options->topic_prefix_count > 0);
    vb_stream_follow_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->consumer = strdup(options->consumer);
    self->db = options->db;
    self->apply = options->apply;
    self->arg = options->arg;
    if (!self->consumer)
        goto failed;
    if (!options->pub_endpoint || !options->pub_endpoint[0] || !options->replay_endpoint ||
        !options->replay_endpoint[0]) {
        vb_log_warn("stream follow %s: VERBUND_STREAM_PUB_ENDPOINT or "
                    "VERBUND_STREAM_REPLAY_ENDPOINT is empty: not following the stream",
                    self->consumer);
        return self;
    }
    const char *params[] = {self->consumer};
    vb_status_t status =
        vb_db_exec(self->db, S_SQL_LOAD, params, 1, s_read_sequence, &self->stored, NULL);
    if (status != VB_STATUS_OK) {
        vb_log_error("stream follow %s: reading stream_position failed: %s", self->consumer,
                     vb_db_error(self->db));
        goto failed;
    }
    vb_rpc_client_options_t replay = {
        .endpoint = options->replay_endpoint, .attempt_timeout_ms = 1000, .max_attempts = 2};
    self->replay = vb_rpc_client_new(&replay);
    vb_subscriber_options_t subscriber = {
        .pub_endpoint = options->pub_endpoint,
        .replay_endpoint = options->replay_endpoint,
        .topic_prefixes = options->topic_prefixes,
        .topic_prefix_count = options->topic_prefix_count,
        .start_after = self->stored,
        .on_event = s_on_event,
        .arg = self,
    };
    self->subscriber = vb_subscriber_new(&subscriber);
    if (!self->replay || !self->subscriber)
        goto failed;
    vb_log_info("stream follow %s: following %s after sequence %" PRIu64, self->consumer,
                options->topic_prefixes[0], self->stored);
    return self;
failed:
    vb_stream_follow_destroy(&self);
    return NULL;
}

void
vb_stream_follow_destroy(vb_stream_follow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_stream_follow_t *self = *self_p;
    vb_subscriber_destroy(&self->subscriber);
    vb_rpc_client_destroy(&self->replay);
    free(self->consumer);
    free(self);
    *self_p = NULL;
}

/* ---- erasure ---- */

int
vb_stream_follow_erased_person(const vb_cloudevent_t *event, char *id, size_t size)
{
    const char *type = event->type ? event->type : "";
    const char *schema = vb_cloudevent_attribute(event, "dataschema");
    if (strncmp(type, VB_STREAM_FOLLOW_ERASED_TOPIC, strlen(VB_STREAM_FOLLOW_ERASED_TOPIC)) != 0)
        return 0;
    if (!schema ||
        strcmp(schema, verbund__membership__v1__person_erased_event__descriptor.name) != 0 ||
        event->data_case != IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA) {
        vb_log_warn("stream: %s event %s has payload %s, not PersonErasedEvent", type,
                    event->id ? event->id : "?", schema ? schema : "(none)");
        return -1;
    }
    Verbund__Membership__V1__PersonErasedEvent *erased =
        verbund__membership__v1__person_erased_event__unpack(NULL, event->binary_data.len,
                                                             event->binary_data.data);
    int rc = -1;
    if (erased && erased->id && vb_uuid_valid(erased->id) && strlen(erased->id) < size) {
        snprintf(id, size, "%s", erased->id);
        rc = 1;
    } else {
        vb_log_warn("stream: %s event %s does not decode or holds no person id", type,
                    event->id ? event->id : "?");
    }
    if (erased)
        verbund__membership__v1__person_erased_event__free_unpacked(erased, NULL);
    return rc;
}

vb_stream_follow_t *
vb_stream_follow_erasure_new(const char *pub_endpoint, const char *replay_endpoint, vb_db_t *db,
                             vb_stream_follow_apply_fn apply, void *arg)
{
    static const char *const topics[] = {VB_STREAM_FOLLOW_ERASED_TOPIC};
    vb_stream_follow_options_t options = {
        .consumer = VB_STREAM_FOLLOW_ERASURE,
        .pub_endpoint = pub_endpoint,
        .replay_endpoint = replay_endpoint,
        .topic_prefixes = topics,
        .topic_prefix_count = 1,
        .db = db,
        .apply = apply,
        .arg = arg,
    };
    return vb_stream_follow_new(&options);
}
