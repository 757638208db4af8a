/* stream_handlers.c - the replay socket's methods, in proto order: stream.Read (events after a
 * position, filtered by the caller's topics, SNAPSHOT_REQUIRED when the position fell out of the
 * retention) and stream.Head. stream.Read writes the ReadReply's wire bytes straight from the
 * CloudEvents the relay stored (built from the columns only for rows older than that column);
 * nothing is logged per event.
 * Does not: publish (stream_publisher.c) or write the log (stream_relay.c). */
#include <inttypes.h>
#include <string.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/cloudevent.h"
#include "stream.h"

/* The topics the caller of this request may read. A CURVE peer's come from its certificate
 * only; a loopback (NULL-mechanism) caller's from the Envelope: its prefixes, or everything for
 * admin, staff and service callers (and for calls without a caller), nothing for members. */
static void
s_caller_topics(stream_t *self, const vb_rpc_call_t *call, stream_topics_t *allowed)
{
    if (call->peer_user_id) {
        stream_client_topics(self->clients, call->peer_user_id, allowed);
        return;
    }
    stream_topics_none(allowed);
    const Verbund__Rpc__V1__Caller *caller = call->envelope ? call->envelope->caller : NULL;
    if (!caller || caller->role == VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED) {
        allowed->all = true;
        return;
    }
    if (caller->n_topic_prefixes > 0) {
        for (size_t i = 0; i < caller->n_topic_prefixes; i++) {
            const char *prefix = caller->topic_prefixes[i];
            (void)stream_topics_add(allowed, prefix, strlen(prefix));
        }
        return;
    }
    allowed->all = caller->role != VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
}

/* Collects events of a read into the reply. */
typedef struct {
    vb_arena_t *arena;
    Verbund__Stream__V1__ReadReply *reply;
    uint64_t last;
} s_read_t;

static int
s_read_event(void *arg, const stream_event_t *event)
{
    s_read_t *read = arg;
    read->reply->events[read->reply->n_events++] = stream_event_cloudevent(read->arena, event);
    read->last = event->sequence;
    return 0;
}

/* The reply of a read, written as ReadReply wire bytes: per event the tag of field 1
 * (events, length-delimited), the varint length and the stored CloudEvent, then the other
 * fields. The buffer lives in the request arena, which zeroes every allocation and cannot grow
 * one in place: growing a page of 5000 events by doubling zeroed and faulted in about four
 * times the page and copied it twice, half the service's time per read. So an unfiltered read,
 * whose event count the head already gives (the log is gapless up to newest), reserves that
 * many events of the first event's size at once; a filtered read (count unknown) and a page of
 * larger events grow by doubling. */
typedef struct {
    vb_arena_t *arena;
    uint8_t *bytes;
    size_t length, capacity;
    uint32_t count;     /* events written */
    uint64_t last;      /* the last event's sequence */
    bool legacy;        /* a row without a stored CloudEvent: build the reply the old way */
    uint64_t after;     /* the request's position */
    uint32_t limit;     /* the request's limit */
    bool unfiltered;    /* every type: the page holds min(limit, newest - after) events */
    const stream_head_t *head; /* filled by the store from the head row (which comes first) */
} s_packed_reply_t;

/* The trailer: scanned_through, newest_sequence, oldest_sequence (tag + varint each). */
#define S_REPLY_TRAILER 33

static void
s_reply_reserve(s_packed_reply_t *reply, size_t more)
{
    if (reply->length + more <= reply->capacity)
        return;
    size_t capacity = reply->capacity ? reply->capacity * 2 : 4096;
    if (reply->capacity == 0 && reply->unfiltered && reply->head->newest > reply->after) {
        /* the first event: the whole page at its size */
        uint64_t events = reply->head->newest - reply->after;
        if (events > reply->limit)
            events = reply->limit;
        capacity = (size_t)events * more + S_REPLY_TRAILER;
    }
    while (capacity < reply->length + more)
        capacity *= 2;
    uint8_t *grown = vb_arena_alloc(reply->arena, capacity);
    if (reply->length)
        memcpy(grown, reply->bytes, reply->length);
    reply->bytes = grown;
    reply->capacity = capacity;
}

static void
s_reply_varint(s_packed_reply_t *reply, uint64_t value)
{
    uint8_t *p = reply->bytes + reply->length;
    while (value >= 0x80) {
        *p++ = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    *p++ = (uint8_t)value;
    reply->length = (size_t)(p - reply->bytes);
}

/* A uint64 field (varint wire type); proto3 leaves zeros out. */
static void
s_reply_uint64(s_packed_reply_t *reply, unsigned field, uint64_t value)
{
    if (value == 0)
        return;
    s_reply_reserve(reply, 11);
    reply->bytes[reply->length++] = (uint8_t)(field << 3);
    s_reply_varint(reply, value);
}

static int
s_read_packed(void *arg, uint64_t sequence, const uint8_t *cloudevent, size_t length)
{
    s_packed_reply_t *reply = arg;
    if (!cloudevent) {
        reply->legacy = true;
        return 1;
    }
    size_t framed = 2 + length; /* tag, varint length (one byte per 7 bits), CloudEvent */
    for (size_t rest = length >> 7; rest; rest >>= 7)
        framed++;
    s_reply_reserve(reply, framed);
    reply->bytes[reply->length++] = 0x0a; /* field 1, length-delimited */
    s_reply_varint(reply, length);
    memcpy(reply->bytes + reply->length, cloudevent, length);
    reply->length += length;
    reply->count++;
    reply->last = sequence;
    return 0;
}

/* The reply's scanned_through: a full page ends at its last event, else at the window's end
 * (or the newest sequence), never before after. */
static uint64_t
s_scanned_through(uint64_t after, uint32_t count, uint32_t limit, uint64_t last, uint64_t newest)
{
    if (count == limit)
        return last;
    uint64_t window_end = after + STREAM_READ_WINDOW;
    uint64_t through = newest < window_end ? newest : window_end;
    return through > after ? through : after;
}

static vb_status_t
s_snapshot_required(vb_rpc_call_t *call, uint64_t after, const stream_head_t *head)
{
    return vb_rpc_fail(call, VB_STATUS_SNAPSHOT_REQUIRED,
                       "position %" PRIu64 " is older than the retention: events up to %" PRIu64
                       " were deleted; rebuild from a snapshot, then read after %" PRIu64,
                       after, head->retained_from - 1, head->retained_from - 1);
}

/* The reply built from the log's columns, for rows stored before the cloudevent column. */
static vb_status_t
s_read_legacy(stream_t *self, vb_rpc_call_t *call, uint64_t after, uint32_t limit,
              const char *const *prefixes, size_t prefix_count)
{
    Verbund__Stream__V1__ReadReply *reply =
        vb_arena_message(call->arena, &verbund__stream__v1__read_reply__descriptor);
    reply->events = vb_arena_alloc(call->arena, limit * sizeof *reply->events);
    s_read_t read = {call->arena, reply, 0};
    stream_head_t head;
    vb_status_t status =
        stream_store_read(self->db, after, STREAM_READ_WINDOW, (int)limit, prefixes,
                          prefix_count, false, call->arena, &head, s_read_event, &read);
    if (status != VB_STATUS_OK)
        return vb_rpc_fail(call, status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL,
                           "reading the log failed");
    if (after + 1 < head.retained_from) {
        reply->n_events = 0;
        return s_snapshot_required(call, after, &head);
    }
    reply->scanned_through =
        s_scanned_through(after, (uint32_t)reply->n_events, limit, read.last, head.newest);
    reply->newest_sequence = head.newest;
    reply->oldest_sequence = head.oldest;
    call->reply = &reply->base;
    return VB_STATUS_OK;
}

static vb_status_t
stream_handle_read(void *context, vb_rpc_call_t *call)
{
    stream_t *self = context;
    const Verbund__Stream__V1__ReadRequest *request =
        (const Verbund__Stream__V1__ReadRequest *)call->request;
    uint32_t limit = request->limit ? request->limit : STREAM_READ_DEFAULT_LIMIT;
    if (limit > STREAM_READ_MAX_LIMIT) {
        vb_rpc_field_error(call, "limit", "must be 1..%d", STREAM_READ_MAX_LIMIT);
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "limit %" PRIu32 " is above %d", limit,
                           STREAM_READ_MAX_LIMIT);
    }
    if (request->n_topic_prefixes > STREAM_TOPICS_MAX)
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "at most %d topic prefixes",
                           STREAM_TOPICS_MAX);
    for (size_t i = 0; i < request->n_topic_prefixes; i++) {
        const char *prefix = request->topic_prefixes[i];
        if (!stream_topic_prefix_valid(prefix, strlen(prefix))) {
            vb_rpc_field_error(call, "topic_prefixes", "\"%.64s\" is not 1..%d of [a-z0-9._-]",
                               prefix, STREAM_TOPIC_MAX_LENGTH);
            return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "invalid topic prefix");
        }
    }
    stream_topics_t allowed, effective;
    s_caller_topics(self, call, &allowed);
    if (!allowed.all && allowed.count == 0)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "this caller may not read any topic");
    stream_topics_intersect(&allowed, (const char *const *)request->topic_prefixes,
                            request->n_topic_prefixes, &effective);
    if (!effective.all && effective.count == 0)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "none of the requested topic prefixes is allowed for this caller");
    const char *prefixes[STREAM_TOPICS_MAX];
    for (size_t i = 0; i < effective.count; i++)
        prefixes[i] = effective.prefixes[i];

    uint64_t after = request->after;
    stream_head_t head = {0};
    s_packed_reply_t reply = {.arena = call->arena,
                              .after = after,
                              .limit = limit,
                              .unfiltered = effective.all && effective.count == 0,
                              .head = &head};
    vb_status_t status =
        stream_store_read_packed(self->db, after, STREAM_READ_WINDOW, (int)limit, prefixes,
                                 effective.count, call->arena, &head, s_read_packed, &reply);
    if (status != VB_STATUS_OK)
        return vb_rpc_fail(call, status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL,
                           "reading the log failed");
    if (reply.legacy)
        return s_read_legacy(self, call, after, limit, prefixes, effective.count);
    if (after + 1 < head.retained_from)
        return s_snapshot_required(call, after, &head);
    s_reply_uint64(&reply, 2, s_scanned_through(after, reply.count, limit, reply.last, head.newest));
    s_reply_uint64(&reply, 3, head.newest);
    s_reply_uint64(&reply, 4, head.oldest);
    if (reply.length == 0) {
        /* an empty ReadReply: the server sends an empty body, which decodes as one */
        call->reply = vb_arena_message(call->arena, &verbund__stream__v1__read_reply__descriptor);
        return VB_STATUS_OK;
    }
    call->reply_body.data = reply.bytes;
    call->reply_body.len = reply.length;
    return VB_STATUS_OK;
}

static vb_status_t
stream_handle_head(void *context, vb_rpc_call_t *call)
{
    stream_t *self = context;
    stream_head_t head;
    vb_status_t status = stream_store_head(self->db, &head);
    if (status != VB_STATUS_OK)
        return vb_rpc_fail(call, status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL,
                           "reading the head failed");
    Verbund__Stream__V1__HeadReply *reply =
        vb_arena_message(call->arena, &verbund__stream__v1__head_reply__descriptor);
    reply->newest_sequence = head.newest;
    reply->oldest_sequence = head.oldest;
    call->reply = &reply->base;
    return VB_STATUS_OK;
}

static const vb_rpc_method_t s_methods[] = {
    /* events after a position */
    {"stream.Read", &verbund__stream__v1__read_request__descriptor, stream_handle_read, 0},
    /* newest and oldest retained sequence */
    {"stream.Head", &verbund__stream__v1__head_request__descriptor, stream_handle_head, 0},
};

const vb_rpc_method_t *
stream_methods(size_t *count)
{
    *count = sizeof s_methods / sizeof s_methods[0];
    return s_methods;
}
