/* rpc_client.c - the DEALER side of request/reply: packs Envelopes, keeps every call in flight in
 * an open-addressing table by request id, resends the same bytes when an attempt times out and
 * ends a call at its deadline. Does not: load-balance, reconnect by itself (libzmq does), or
 * retry a call the server answered (an UNAVAILABLE reply is returned to the caller).
 * vb_rpc_client_call assumes it is the only blocking caller; completions of other tickets that
 * arrive while it waits are kept and handed out by the next vb_rpc_client_receive. */
#include "vb/rpc_client.h"
#include "vb/czmq_once.h"

#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_wire.h"

#define S_DEFAULT_ATTEMPT_TIMEOUT_MS 2000
#define S_DEFAULT_MAX_ATTEMPTS 3
#define S_DEFAULT_MAX_MESSAGE_SIZE ((int64_t)16 * 1024 * 1024)
#define S_INITIAL_CAPACITY 128 /* slots; a window of 64 never grows the table */
#define S_INLINE_ENVELOPE 128  /* an Envelope this small is kept in its slot, not malloc'd (a
                                  no-op call's is ~50 bytes) */
#define S_STACK_BODY 1024      /* a body this small is packed on the stack */

/* One call in flight. ticket 0 marks a free slot. */
typedef struct {
    uint64_t ticket;                      /* what send returned; 0 = free slot */
    uint32_t hash;                        /* of request_id: home slot and shift deletion */
    char request_id[VB_COMPACT_ID_SIZE];  /* the key replies are matched by */
    uint8_t *packed_heap;                 /* the Envelope as sent when it outgrew packed_inline */
    uint8_t packed_inline[S_INLINE_ENVELOPE]; /* the Envelope as sent; retries resend it */
    size_t packed_size;
    int64_t deadline_us;     /* monotonic: DEADLINE_EXCEEDED from then on */
    int64_t next_attempt_us; /* monotonic: resend when no reply came by then */
    int attempts;            /* attempts made (sent or refused by the queue) */
    int sent;                /* attempts libzmq accepted */
} s_call_t;

/* A completion that vb_rpc_client_call received for another ticket. */
typedef struct {
    uint64_t ticket;
    vb_status_t status;
    Verbund__Rpc__V1__Reply *reply; /* owned until handed out */
} s_done_t;

struct vb_rpc_client {
    zsock_t *socket;        /* the DEALER */
    void *handle;           /* its libzmq socket */
    int attempt_timeout_ms; /* resend after this long without a reply */
    int max_attempts;       /* including the first */
    s_call_t *calls;        /* open-addressing table, linear probing, capacity slots */
    size_t capacity;        /* a power of two */
    size_t count;           /* calls in flight */
    uint64_t next_ticket;   /* last ticket handed out */
    int64_t next_due_us;    /* monotonic: no call's deadline or resend is due before this (a
                               lower bound; the table is scanned only from then on) */
    int receive_timeout_ms; /* ZMQ_RCVTIMEO as last set on the socket */
    s_done_t *done;         /* FIFO of kept completions */
    size_t done_count;
    size_t done_capacity;
};

/* FNV-1a over the last 16 characters: a request id is a compact UUIDv7 whose tail is its random
 * bits, and hashing the whole id twice per call showed in profiles. Any string works (an id that
 * is not ours only hashes worse); matches are confirmed with strcmp. */
static uint32_t
s_hash(const char *s)
{
    size_t length = strlen(s);
    const char *at = length > 16 ? s + length - 16 : s;
    uint32_t hash = 2166136261u;
    for (; *at; at++) {
        hash ^= (unsigned char)*at;
        hash *= 16777619u;
    }
    return hash;
}

/* The client's timers run on the coarse monotonic clock (a precise read per call showed in
 * profiles). It lags the precise clock by up to a tick, so "now" read from it is never late,
 * and a time set from it is padded by a tick: a timer never fires before its duration has
 * passed, and at most two ticks after. */
static int64_t
s_tick_us(void)
{
    static _Atomic int64_t tick_us;
    int64_t tick = atomic_load_explicit(&tick_us, memory_order_relaxed);
    if (tick == 0) {
        struct timespec resolution;
        tick = clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0
                   ? (int64_t)resolution.tv_sec * 1000000 + resolution.tv_nsec / 1000 + 1
                   : 10000;
        atomic_store_explicit(&tick_us, tick, memory_order_relaxed);
    }
    return tick;
}

/* A time duration_ms after now (a coarse reading), never early. */
static int64_t
s_after_us(int64_t now_us, int64_t duration_ms)
{
    return now_us + duration_ms * 1000 + s_tick_us();
}

vb_rpc_client_t *
vb_rpc_client_new(const vb_rpc_client_options_t *options)
{
    VB_ASSERT(options && options->endpoint);
    vb_rpc_client_t *self = zmalloc(sizeof(*self));
    self->attempt_timeout_ms = options->attempt_timeout_ms > 0 ? options->attempt_timeout_ms
                                                               : S_DEFAULT_ATTEMPT_TIMEOUT_MS;
    self->max_attempts = options->max_attempts > 0 ? options->max_attempts : S_DEFAULT_MAX_ATTEMPTS;
    self->capacity = S_INITIAL_CAPACITY;
    self->calls = zmalloc(self->capacity * sizeof(*self->calls));
    self->next_due_us = INT64_MAX;
    self->receive_timeout_ms = -1; /* libzmq's default */

    vb_czmq_init_once();
    self->socket = zsock_new(ZMQ_DEALER);
    if (!self->socket) {
        vb_log_error("rpc client %s: cannot create a DEALER socket: %s", options->endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }
    self->handle = zsock_resolve(self->socket);
    zsock_set_linger(self->socket, 0);
    int64_t max_message_size =
        options->max_message_size > 0 ? options->max_message_size : S_DEFAULT_MAX_MESSAGE_SIZE;
    if (options->curve_server_public_key || options->curve_client_certificate) {
        if (!options->curve_server_public_key || !options->curve_client_certificate ||
            strlen(options->curve_server_public_key) != 40) {
            vb_log_error("rpc client %s: CURVE needs the server's public key (40 Z85 characters) "
                         "and the client certificate file",
                         options->endpoint);
            goto failed;
        }
        zcert_t *cert = zcert_load(options->curve_client_certificate);
        if (!cert) {
            vb_log_error("rpc client %s: cannot load the client certificate %s",
                         options->endpoint, options->curve_client_certificate);
            goto failed;
        }
        zcert_apply(cert, self->socket);
        zcert_destroy(&cert);
        zsock_set_curve_serverkey(self->socket, options->curve_server_public_key);
    }
    if (zmq_setsockopt(self->handle, ZMQ_MAXMSGSIZE, &max_message_size, sizeof(max_message_size)) ==
            -1 ||
        zsock_connect(self->socket, "%s", options->endpoint) == -1) {
        vb_log_error("rpc client cannot connect to %s: %s", options->endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }
    return self;

failed:
    vb_rpc_client_destroy(&self);
    return NULL;
}

void
vb_rpc_client_destroy(vb_rpc_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_rpc_client_t *self = *self_p;
    zsock_destroy(&self->socket);
    for (size_t i = 0; i < self->capacity; i++)
        free(self->calls[i].packed_heap);
    free(self->calls);
    for (size_t i = 0; i < self->done_count; i++)
        vb_rpc_reply_free(self->done[i].reply);
    free(self->done);
    free(self);
    *self_p = NULL;
}

int
vb_rpc_client_pending(const vb_rpc_client_t *self)
{
    VB_ASSERT(self);
    return (int)(self->count + self->done_count);
}

/* --- the table of calls in flight --- */

static s_call_t *
s_call_find(vb_rpc_client_t *self, const char *request_id)
{
    size_t mask = self->capacity - 1;
    uint32_t hash = s_hash(request_id);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        s_call_t *call = &self->calls[i];
        if (call->ticket == 0)
            return NULL;
        if (call->hash == hash && strcmp(call->request_id, request_id) == 0)
            return call;
    }
}

/* Places a call (by value) in a table that has room; returns its slot. */
static s_call_t *
s_call_place(s_call_t *calls, size_t capacity, const s_call_t *call)
{
    size_t mask = capacity - 1;
    size_t i = call->hash & mask;
    while (calls[i].ticket != 0)
        i = (i + 1) & mask;
    calls[i] = *call;
    return &calls[i];
}

/* Takes the free slot a call with this request id will live in (growing the table first) and
 * fills in its key; the caller packs into the slot, then s_call_commit or s_call_release. No
 * other table operation may come in between. */
static s_call_t *
s_call_reserve(vb_rpc_client_t *self, const char *request_id)
{
    if ((self->count + 1) * 2 > self->capacity) {
        size_t capacity = self->capacity * 2;
        s_call_t *calls = zmalloc(capacity * sizeof(*calls));
        for (size_t i = 0; i < self->capacity; i++)
            if (self->calls[i].ticket != 0)
                s_call_place(calls, capacity, &self->calls[i]);
        free(self->calls);
        self->calls = calls;
        self->capacity = capacity;
    }
    uint32_t hash = s_hash(request_id);
    size_t mask = self->capacity - 1;
    size_t i = hash & mask;
    while (self->calls[i].ticket != 0)
        i = (i + 1) & mask;
    s_call_t *call = &self->calls[i];
    call->hash = hash;
    memcpy(call->request_id, request_id, VB_COMPACT_ID_SIZE);
    return call;
}

/* The reserved slot holds a call in flight from now on (its ticket is set). */
static void
s_call_commit(vb_rpc_client_t *self, s_call_t *call)
{
    VB_ASSERT(call->ticket != 0);
    self->count++;
}

/* Gives a reserved slot back: it was free before, and nothing probed past it since. */
static void
s_call_release(s_call_t *call)
{
    free(call->packed_heap);
    memset(call, 0, sizeof(*call));
}

/* Frees the slot and shifts later members of its probe run back (no tombstones). */
static void
s_call_remove(vb_rpc_client_t *self, s_call_t *call)
{
    size_t mask = self->capacity - 1;
    size_t hole = (size_t)(call - self->calls);
    free(call->packed_heap);
    memset(call, 0, sizeof(*call));
    self->count--;
    for (size_t i = (hole + 1) & mask; self->calls[i].ticket != 0; i = (i + 1) & mask) {
        size_t home = self->calls[i].hash & mask;
        /* The entry may move into the hole unless its home lies cyclically in (hole, i]. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (stays)
            continue;
        self->calls[hole] = self->calls[i];
        memset(&self->calls[i], 0, sizeof(self->calls[i]));
        hole = i;
    }
}

/* --- sending --- */

/* Keeps next_due_us at or below the call's next deadline or resend. */
static void
s_due_lower(vb_rpc_client_t *self, const s_call_t *call)
{
    int64_t due = call->deadline_us;
    if (call->attempts < self->max_attempts && call->next_attempt_us < due)
        due = call->next_attempt_us;
    if (due < self->next_due_us)
        self->next_due_us = due;
}

static const uint8_t *
s_call_packed(const s_call_t *call)
{
    return call->packed_heap ? call->packed_heap : call->packed_inline;
}

static void
s_call_attempt(vb_rpc_client_t *self, s_call_t *call, int64_t now_us)
{
    call->attempts++;
    call->next_attempt_us = s_after_us(now_us, self->attempt_timeout_ms);
    if (zmq_send(self->handle, s_call_packed(call), call->packed_size, ZMQ_DONTWAIT) == -1)
        vb_log_debug("rpc client: attempt %d of %s not queued: %s", call->attempts,
                     call->request_id, zmq_strerror(zmq_errno()));
    else
        call->sent++;
}

int
vb_rpc_client_send(vb_rpc_client_t *self, const char *method, const ProtobufCMessage *request,
                   const vb_rpc_call_options_t *options, uint64_t *ticket)
{
    VB_ASSERT(self && method && ticket);
    static const vb_rpc_call_options_t s_defaults = {0};
    if (!options)
        options = &s_defaults;
    int deadline_ms = options->deadline_ms > 0 ? options->deadline_ms
                                               : self->attempt_timeout_ms * self->max_attempts;

    /* The call is packed into its slot in place (small Envelopes live inline there); a call
     * that cannot be packed gives the slot back. */
    /* One coarse wall-clock read for the id's time and the deadline the server sees (a tick
     * early at most, as from a host whose clock is a few ms behind). The call's own timers are
     * padded by a tick (s_after_us), so it never ends before its deadline. */
    int64_t now_ms = vb_clock_coarse_now_ms();
    /* A compact id: a ping's reply then fits a ZeroMQ message inline (no malloc). */
    char request_id[VB_COMPACT_ID_SIZE];
    vb_compact_id_at(request_id, now_ms);
    s_call_t *call = s_call_reserve(self, request_id);
    char idempotency_key[VB_UUID_STRING_SIZE];

    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)method;
    envelope.request_id = call->request_id;
    envelope.deadline_unix_ms = now_ms + deadline_ms;
    envelope.caller = (Verbund__Rpc__V1__Caller *)options->caller;
    /* Without one, the call starts a trace whose id is its request id: the field stays empty
     * and the server reads it that way (rpc.proto), 28 bytes fewer per call. */
    if (options->trace_id)
        envelope.trace_id = (char *)options->trace_id;
    if (options->idempotency_key) {
        envelope.idempotency_key = (char *)options->idempotency_key;
    } else if (options->write) {
        vb_uuid7_at(idempotency_key, now_ms);
        envelope.idempotency_key = idempotency_key;
    }

    uint8_t body_stack[S_STACK_BODY];
    uint8_t *body_heap = NULL;
    if (request) {
        size_t body_size = protobuf_c_message_get_packed_size(request);
        uint8_t *body = body_stack;
        if (body_size > sizeof body_stack) {
            body = body_heap = malloc(body_size);
            if (!body_heap) {
                s_call_release(call);
                return -1;
            }
        }
        envelope.body.len = protobuf_c_message_pack(request, body);
        envelope.body.data = body;
    }
    call->packed_size = vb_rpc_wire_envelope_size(&envelope);
    uint8_t *packed = call->packed_inline;
    if (call->packed_size > sizeof call->packed_inline) {
        packed = call->packed_heap = malloc(call->packed_size);
        if (!packed) {
            free(body_heap);
            s_call_release(call);
            return -1;
        }
    }
    size_t packed_size = vb_rpc_wire_envelope_pack(&envelope, packed);
    VB_ASSERT(packed_size == call->packed_size);
    free(body_heap);

    int64_t now_us = vb_clock_coarse_monotonic_us();
    call->deadline_us = s_after_us(now_us, deadline_ms);
    call->ticket = ++self->next_ticket;
    s_call_commit(self, call);
    s_call_attempt(self, call, now_us);
    s_due_lower(self, call);
    *ticket = call->ticket;
    return 0;
}

/* --- replies: one malloc each --- */

/* A reply as handed to the caller: the Reply and, right after it, its strings and body, freed
 * with one free (vb_rpc_reply_free). A reply only protobuf-c reads (field errors, unusual
 * forms) keeps protobuf-c's allocation in unpacked; the block then holds a copy of its top. */
typedef struct {
    ProtobufCMessage *unpacked; /* NULL, or what protobuf-c allocated */
    size_t used, size;          /* bytes of data handed out, available */
    Verbund__Rpc__V1__Reply reply;
    alignas(max_align_t) unsigned char data[];
} s_reply_block_t;

static void *
s_block_alloc(void *allocator_data, size_t size)
{
    s_reply_block_t *block = allocator_data;
    size_t rounded = (size + 7) & ~(size_t)7;
    if (rounded > block->size - block->used)
        return NULL; /* cannot happen: the block is sized from the frame */
    void *memory = block->data + block->used;
    block->used += rounded;
    return memory;
}

static void
s_block_free(void *allocator_data, void *pointer)
{
    (void)allocator_data;
    (void)pointer; /* freed with the block */
}

Verbund__Rpc__V1__Reply *
vb_rpc_reply_decode(const uint8_t *data, size_t size)
{
    /* The hand decoder copies at most three fields (request id, message, body; each once),
     * each no longer than the frame: the frame's bytes plus a NUL and rounding for each. */
    size_t room = size + 3 * 8;
    s_reply_block_t *block = malloc(sizeof(*block) + room);
    if (!block)
        return NULL;
    block->unpacked = NULL;
    block->used = 0;
    block->size = room;
    ProtobufCAllocator allocator = {s_block_alloc, s_block_free, block};
    if (vb_rpc_wire_reply_read(&block->reply, &allocator, data, size))
        return &block->reply;
    /* not the plain form: protobuf-c decides */
    Verbund__Rpc__V1__Reply *unpacked = verbund__rpc__v1__reply__unpack(NULL, size, data);
    if (!unpacked) {
        free(block);
        return NULL;
    }
    block->unpacked = &unpacked->base;
    block->reply = *unpacked;
    return &block->reply;
}

void
vb_rpc_reply_free(Verbund__Rpc__V1__Reply *reply)
{
    if (!reply)
        return;
    s_reply_block_t *block =
        (s_reply_block_t *)((unsigned char *)reply - offsetof(s_reply_block_t, reply));
    if (block->unpacked)
        protobuf_c_message_free_unpacked(block->unpacked, NULL);
    free(block);
}

/* --- receiving --- */

static vb_status_t
s_status_from_wire(int status)
{
    return status >= VB_STATUS_OK && status <= VB_STATUS_LAST ? (vb_status_t)status
                                                                        : VB_STATUS_INTERNAL;
}

/* Receives one frame: waits up to wait_ms for it (0: only what is ready) through ZMQ_RCVTIMEO,
 * which costs libzmq fewer system calls than zmq_poll followed by a non-blocking read.
 * 0 or -1 (errno from libzmq: EAGAIN when nothing came). */
static int
s_frame_receive(vb_rpc_client_t *self, zmq_msg_t *frame, int wait_ms)
{
    if (wait_ms > 0 && wait_ms != self->receive_timeout_ms) {
        int rc = zmq_setsockopt(self->handle, ZMQ_RCVTIMEO, &wait_ms, sizeof(wait_ms));
        VB_ASSERT(rc == 0);
        self->receive_timeout_ms = wait_ms;
    }
    return zmq_msg_recv(frame, self->handle, wait_ms > 0 ? 0 : ZMQ_DONTWAIT) == -1 ? -1 : 0;
}

/* Reads replies until one matches a call in flight (1, with the outcome set); the first read
 * waits up to wait_ms, later ones take only what is ready. Replies for unknown or finished
 * calls (late answers to a retried attempt) are dropped. 0 when nothing matching was ready,
 * -1 when the socket failed (logged). */
static int
s_read_replies(vb_rpc_client_t *self, int wait_ms, uint64_t *ticket, vb_status_t *status,
               Verbund__Rpc__V1__Reply **reply_p)
{
    for (;; wait_ms = 0) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (s_frame_receive(self, &frame, wait_ms) == -1) {
            int error = zmq_errno();
            zmq_msg_close(&frame);
            if (error == EAGAIN || error == EINTR)
                return 0;
            vb_log_error("rpc client: receive failed: %s", zmq_strerror(error));
            return -1;
        }
        bool multipart = zmq_msg_more(&frame);
        Verbund__Rpc__V1__Reply *reply =
            multipart ? NULL : vb_rpc_reply_decode(zmq_msg_data(&frame), zmq_msg_size(&frame));
        zmq_msg_close(&frame);
        while (multipart) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            multipart =
                zmq_msg_recv(&part, self->handle, ZMQ_DONTWAIT) != -1 && zmq_msg_more(&part);
            zmq_msg_close(&part);
        }
        if (!reply) {
            vb_log_warn("rpc client: dropped a reply that does not decode");
            continue;
        }
        s_call_t *call = s_call_find(self, reply->request_id);
        if (!call) {
            vb_log_debug("rpc client: dropped a late or unknown reply %.40s", reply->request_id);
            vb_rpc_reply_free(reply);
            continue;
        }
        *ticket = call->ticket;
        *status = s_status_from_wire(reply->status);
        *reply_p = reply;
        s_call_remove(self, call);
        return 1;
    }
}

/* Ends the first call past its deadline (1) or resends calls whose attempt timed out; lowers
 * *next_us to the earliest time something is due. */
static int
s_check_timers(vb_rpc_client_t *self, int64_t now_us, int64_t *next_us, uint64_t *ticket,
               vb_status_t *status)
{
    for (size_t i = 0; i < self->capacity; i++) {
        s_call_t *call = &self->calls[i];
        if (call->ticket == 0)
            continue;
        if (now_us >= call->deadline_us) {
            *ticket = call->ticket;
            /* Nothing ever left the socket: the service could not be reached at all. */
            *status = call->sent ? VB_STATUS_DEADLINE_EXCEEDED : VB_STATUS_UNAVAILABLE;
            s_call_remove(self, call);
            return 1;
        }
        if (call->attempts < self->max_attempts && now_us >= call->next_attempt_us)
            s_call_attempt(self, call, now_us);
        if (call->deadline_us < *next_us)
            *next_us = call->deadline_us;
        if (call->attempts < self->max_attempts && call->next_attempt_us < *next_us)
            *next_us = call->next_attempt_us;
    }
    return 0;
}

/* receive without the kept completions (vb_rpc_client_call keeps others there). Waits in the
 * read itself (a ready reply returns at once); the table is scanned for deadlines and resends
 * only once next_due_us has come, after taking the replies that are already here. */
static int
s_receive(vb_rpc_client_t *self, int timeout_ms, uint64_t *ticket, vb_status_t *status,
          Verbund__Rpc__V1__Reply **reply_p)
{
    if (self->count == 0)
        return -1;
    int64_t now_us = vb_clock_coarse_monotonic_us();
    int64_t end_us = timeout_ms < 0 ? INT64_MAX : s_after_us(now_us, timeout_ms);
    if (now_us < self->next_due_us) {
        /* Nothing is due: a reply that is here already is taken without arming a timeout
         * (under load there usually is one). */
        int read = s_read_replies(self, 0, ticket, status, reply_p);
        if (read != 0)
            return read == 1 ? 1 : 0;
    }
    for (;;) {
        int read;
        if (now_us >= self->next_due_us) {
            /* A reply that is already here wins over its call's deadline. */
            read = s_read_replies(self, 0, ticket, status, reply_p);
            if (read != 0)
                return read == 1 ? 1 : 0;
            int64_t next_us = INT64_MAX;
            if (s_check_timers(self, now_us, &next_us, ticket, status))
                return 1; /* next_due_us stays in the past: the next receive scans again */
            self->next_due_us = next_us;
        }
        int64_t until_us = self->next_due_us < end_us ? self->next_due_us : end_us;
        int64_t wait_us = until_us > now_us ? until_us - now_us : 0;
        int wait_ms = wait_us >= (int64_t)INT_MAX * 1000 ? INT_MAX : (int)((wait_us + 999) / 1000);
        read = s_read_replies(self, wait_ms, ticket, status, reply_p);
        if (read != 0)
            return read == 1 ? 1 : 0;
        now_us = vb_clock_coarse_monotonic_us();
        if (now_us >= end_us && now_us < self->next_due_us)
            return 0;
    }
}

int
vb_rpc_client_receive(vb_rpc_client_t *self, int timeout_ms, uint64_t *ticket, vb_status_t *status,
                      Verbund__Rpc__V1__Reply **reply_p)
{
    VB_ASSERT(self && ticket && status && reply_p);
    *reply_p = NULL;
    if (self->done_count > 0) {
        *ticket = self->done[0].ticket;
        *status = self->done[0].status;
        *reply_p = self->done[0].reply;
        self->done_count--;
        memmove(self->done, self->done + 1, self->done_count * sizeof(*self->done));
        return 1;
    }
    return s_receive(self, timeout_ms, ticket, status, reply_p);
}

static void
s_done_keep(vb_rpc_client_t *self, uint64_t ticket, vb_status_t status,
            Verbund__Rpc__V1__Reply *reply)
{
    if (self->done_count == self->done_capacity) {
        self->done_capacity = self->done_capacity ? self->done_capacity * 2 : 8;
        self->done = realloc(self->done, self->done_capacity * sizeof(*self->done));
        VB_ASSERT(self->done);
    }
    self->done[self->done_count++] = (s_done_t){ticket, status, reply};
}

vb_status_t
vb_rpc_client_call(vb_rpc_client_t *self, const char *method, const ProtobufCMessage *request,
                   const vb_rpc_call_options_t *options, Verbund__Rpc__V1__Reply **reply_p)
{
    VB_ASSERT(self && reply_p);
    *reply_p = NULL;
    uint64_t wanted;
    if (vb_rpc_client_send(self, method, request, options, &wanted) == -1)
        return VB_STATUS_UNAVAILABLE;
    for (;;) {
        uint64_t ticket = 0;
        vb_status_t status = VB_STATUS_UNAVAILABLE;
        Verbund__Rpc__V1__Reply *reply = NULL;
        /* Bounded: every call in flight ends at its deadline. */
        if (s_receive(self, -1, &ticket, &status, &reply) != 1)
            return VB_STATUS_UNAVAILABLE;
        if (ticket == wanted) {
            *reply_p = reply;
            return status;
        }
        s_done_keep(self, ticket, status, reply);
    }
}

ProtobufCMessage *
vb_rpc_reply_unpack(const Verbund__Rpc__V1__Reply *reply, const ProtobufCMessageDescriptor *type)
{
    VB_ASSERT(reply && type);
    return protobuf_c_message_unpack(type, NULL, reply->body.len, reply->body.data);
}
