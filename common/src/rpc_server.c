/* rpc_server.c - the ROUTER side of request/reply: reads passes of [identity][Envelope], runs
 * the method table's handlers (writes between the batch hooks) and sends every [identity][Reply]
 * of a pass after the pass's batch_end. Does not: authenticate, retry, or store idempotency
 * keys (the batch hooks do, see write_batch.c). */
#include "vb/rpc_server.h"
#include "vb/czmq_once.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vb/clock.h"
#include "vb/log.h"
#include "vb/rpc_wire.h"

#define S_DEFAULT_MAX_MESSAGE_SIZE ((int64_t)4 * 1024 * 1024)
#define S_DEFAULT_MAX_BATCH 64
#define S_LINGER_MS 1000 /* bounded flush of the last replies at shutdown */
#define S_LABEL_MAX 256  /* metric label buffer */
#define S_SCRATCH_SIZE (64 * 1024) /* decoded Envelopes and bodies of one pass; more spills to
                                      the pass's arena */
#define S_SCRATCH_ALIGN 16

static const char s_ping_method[] = "rpc.Ping";
static const char s_not_committed[] = "not committed; retry with the same idempotency key";

/* What a request of a pass turned out to be once its frames were read. */
typedef enum {
    S_KIND_ERROR = 0, /* answered from call.status without a handler (bad frame, unknown...) */
    S_KIND_PING,      /* the built-in rpc.Ping */
    S_KIND_READ,      /* a method without VB_RPC_WRITE */
    S_KIND_WRITE,     /* a method with VB_RPC_WRITE: runs between the batch hooks */
} s_kind_t;

/* One request of the current pass. */
typedef struct {
    zmq_msg_t identity; /* routing id of the peer (the ROUTER's first frame) */
    s_kind_t kind;
    const vb_rpc_method_t *method; /* table row; NULL for errors and rpc.Ping */
    vb_rpc_call_t call;            /* what the handler sees; status is the outcome */
    int64_t start_us;              /* monotonic time its pass began reading */
} s_request_t;

struct vb_rpc_server {
    char *service;                  /* copy of options->service, for logs and metrics */
    char *endpoint;                 /* the bound endpoint as resolved (ZMQ_LAST_ENDPOINT) */
    const vb_rpc_method_t *methods; /* borrowed table */
    size_t method_count;
    const vb_rpc_method_t **index;     /* open-addressing hash of methods by name */
    size_t index_mask;                 /* index size - 1 (a power of two) */
    void *handler_context;             /* first argument of every handler */
    const vb_rpc_batch_hooks_t *hooks; /* borrowed; NULL = writes run without a transaction */
    vb_metrics_t *metrics;             /* borrowed; may be NULL */
    int max_batch;                     /* requests per pass */
    zsock_t *socket;                   /* the ROUTER */
    void *handle;                      /* its libzmq socket, for the zmq_msg_* hot path */
    bool accepting;                    /* false: answer UNAVAILABLE without handlers */
    bool curve;                        /* a CURVE server: peer metadata comes from ZAP */
    s_request_t *requests;             /* max_batch slots, reused by every pass */
    uint64_t dropped_replies;          /* replies to vanished or stuck peers */
    vb_arena_t *pass_arena;            /* the current pass's arena; created when first needed
                                          (a pass of rpc.Ping needs none) */
    unsigned char *scratch;            /* S_SCRATCH_SIZE bytes, reused by every pass */
    size_t scratch_used;               /* bytes of scratch handed out in the current pass */
    ProtobufCAllocator scratch_allocator; /* unpacks into scratch, then into pass_arena */
    int64_t pass_start_us;             /* monotonic time the current pass began reading */
    int64_t now_ms;                    /* wall clock for deadline checks; 0 = read it again
                                          (after any handler ran, which may have taken long) */
};

/* FNV-1a; method names are short. */
static uint32_t
s_hash(const char *s)
{
    uint32_t hash = 2166136261u;
    for (; *s; s++) {
        hash ^= (unsigned char)*s;
        hash *= 16777619u;
    }
    return hash;
}

static const vb_rpc_method_t *
s_method_find(const vb_rpc_server_t *self, const char *name)
{
    if (!self->index)
        return NULL;
    for (size_t i = s_hash(name) & self->index_mask;; i = (i + 1) & self->index_mask) {
        const vb_rpc_method_t *method = self->index[i];
        if (!method)
            return NULL;
        if (strcmp(method->method, name) == 0)
            return method;
    }
}

static void
s_method_index_build(vb_rpc_server_t *self)
{
    size_t size = 16;
    while (size < self->method_count * 2)
        size *= 2;
    self->index = zmalloc(size * sizeof(*self->index));
    self->index_mask = size - 1;
    for (size_t m = 0; m < self->method_count; m++) {
        const vb_rpc_method_t *method = &self->methods[m];
        VB_ASSERT(method->method && method->request_type && method->handler);
        VB_ASSERT(strcmp(method->method, s_ping_method) != 0);
        size_t i = s_hash(method->method) & self->index_mask;
        while (self->index[i]) {
            VB_ASSERT(strcmp(self->index[i]->method, method->method) != 0); /* duplicate row */
            i = (i + 1) & self->index_mask;
        }
        self->index[i] = method;
    }
}

/* The current pass's arena, created on first use. */
static vb_arena_t *
s_pass_arena(vb_rpc_server_t *self)
{
    if (!self->pass_arena)
        self->pass_arena = vb_arena_new();
    VB_ASSERT(self->pass_arena);
    return self->pass_arena;
}

/* Bump allocation from the server's scratch (valid until the next pass begins, as long as the
 * pass's arena); what does not fit goes to the arena. Saves a pass of rpc.Ping the arena's
 * malloc and free of a fresh block. */
static void *
s_scratch_alloc(void *allocator_data, size_t size)
{
    vb_rpc_server_t *self = allocator_data;
    size_t rounded = (size + S_SCRATCH_ALIGN - 1) & ~(size_t)(S_SCRATCH_ALIGN - 1);
    if (size <= S_SCRATCH_SIZE && rounded <= S_SCRATCH_SIZE - self->scratch_used) {
        void *memory = self->scratch + self->scratch_used;
        self->scratch_used += rounded;
        return memory;
    }
    return vb_arena_alloc(s_pass_arena(self), size);
}

static void
s_scratch_free(void *allocator_data, void *pointer)
{
    /* Released with the pass. */
    (void)allocator_data;
    (void)pointer;
}

vb_rpc_server_t *
vb_rpc_server_new(const vb_rpc_server_options_t *options)
{
    VB_ASSERT(options && options->endpoint);
    VB_ASSERT(options->method_count == 0 || options->methods);

    vb_rpc_server_t *self = zmalloc(sizeof(*self));
    self->service = strdup(options->service ? options->service : "");
    self->methods = options->methods;
    self->method_count = options->method_count;
    self->handler_context = options->handler_context;
    self->hooks = options->batch_hooks;
    self->metrics = options->metrics;
    self->max_batch = options->max_batch > 0 ? options->max_batch : S_DEFAULT_MAX_BATCH;
    self->accepting = true;
    self->requests = zmalloc((size_t)self->max_batch * sizeof(*self->requests));
    self->scratch = aligned_alloc(S_SCRATCH_ALIGN, S_SCRATCH_SIZE);
    VB_ASSERT(self->scratch);
    self->scratch_allocator.alloc = s_scratch_alloc;
    self->scratch_allocator.free = s_scratch_free;
    self->scratch_allocator.allocator_data = self;
    s_method_index_build(self);

    vb_czmq_init_once();
    self->socket = zsock_new(ZMQ_ROUTER);
    if (!self->socket) {
        vb_log_error("rpc server %s: cannot create a ROUTER socket: %s", options->endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }
    self->handle = zsock_resolve(self->socket);
    int64_t max_message_size =
        options->max_message_size > 0 ? options->max_message_size : S_DEFAULT_MAX_MESSAGE_SIZE;
    zsock_set_router_mandatory(self->socket, 1);
    zsock_set_linger(self->socket, S_LINGER_MS);
    if (zmq_setsockopt(self->handle, ZMQ_MAXMSGSIZE, &max_message_size, sizeof(max_message_size)) ==
        -1) {
        vb_log_error("rpc server %s: cannot set ZMQ_MAXMSGSIZE: %s", options->endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }
    if (options->curve_server_certificate) {
        zcert_apply(options->curve_server_certificate, self->socket);
        zsock_set_curve_server(self->socket, 1);
        self->curve = true;
    }
    if (zsock_bind(self->socket, "%s", options->endpoint) == -1) {
        vb_log_error("rpc server cannot bind %s: %s", options->endpoint, zmq_strerror(zmq_errno()));
        goto failed;
    }
    self->endpoint = zsock_last_endpoint(self->socket);
    if (!self->endpoint)
        self->endpoint = strdup(options->endpoint);
    vb_log_info("rpc server %s listening on %s", self->service, self->endpoint);
    return self;

failed:
    vb_rpc_server_destroy(&self);
    return NULL;
}

void
vb_rpc_server_destroy(vb_rpc_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_rpc_server_t *self = *self_p;
    zsock_destroy(&self->socket);
    free(self->requests);
    free(self->scratch);
    vb_arena_destroy(&self->pass_arena);
    free(self->index);
    free(self->endpoint);
    free(self->service);
    free(self);
    *self_p = NULL;
}

zsock_t *
vb_rpc_server_socket(vb_rpc_server_t *self)
{
    VB_ASSERT(self);
    return self->socket;
}

const char *
vb_rpc_server_endpoint(vb_rpc_server_t *self)
{
    VB_ASSERT(self);
    return self->endpoint;
}

void
vb_rpc_server_set_accepting(vb_rpc_server_t *self, bool accepting)
{
    VB_ASSERT(self);
    self->accepting = accepting;
}

/* vprintf into the arena (the header only offers the variadic form). */
static char *
s_arena_vprintf(vb_arena_t *arena, const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int size = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (size < 0)
        return vb_arena_strdup(arena, fmt);
    char *out = vb_arena_alloc(arena, (size_t)size + 1);
    vsnprintf(out, (size_t)size + 1, fmt, args);
    return out;
}

vb_status_t
vb_rpc_fail(vb_rpc_call_t *call, vb_status_t status, const char *fmt, ...)
{
    VB_ASSERT(call && call->arena && fmt);
    va_list args;
    va_start(args, fmt);
    call->message = s_arena_vprintf(call->arena, fmt, args);
    va_end(args);
    call->status = status;
    return status;
}

void
vb_rpc_field_error(vb_rpc_call_t *call, const char *field, const char *fmt, ...)
{
    VB_ASSERT(call && call->arena && field && fmt);
    Verbund__Rpc__V1__FieldError *error =
        vb_arena_message(call->arena, &verbund__rpc__v1__field_error__descriptor);
    error->field = vb_arena_strdup(call->arena, field);
    va_list args;
    va_start(args, fmt);
    error->message = s_arena_vprintf(call->arena, fmt, args);
    va_end(args);

    /* The array doubles at powers of two (from 4): the arena cannot grow in place. */
    size_t count = call->field_error_count;
    if (count == 0 || (count >= 4 && (count & (count - 1)) == 0)) {
        size_t capacity = count == 0 ? 4 : count * 2;
        Verbund__Rpc__V1__FieldError **grown =
            vb_arena_alloc(call->arena, capacity * sizeof(*grown));
        if (count)
            memcpy(grown, call->field_errors, count * sizeof(*grown));
        call->field_errors = grown;
    }
    call->field_errors[count] = error;
    call->field_error_count = count + 1;
}

/* Sets an outcome decided by the RPC layer itself (no handler ran or its result is void). */
static void
s_request_fail(s_request_t *request, vb_status_t status, const char *message)
{
    request->call.status = status;
    request->call.message = message;
    request->call.reply = NULL;
    request->call.reply_body.len = 0;
    request->call.reply_body.data = NULL;
    request->call.field_errors = NULL;
    request->call.field_error_count = 0;
}

/* Decodes the envelope frame and classifies the request; every failure becomes a status. */
static void
s_request_decode(vb_rpc_server_t *self, s_request_t *request, zmq_msg_t *frame,
                 ProtobufCAllocator *allocator)
{
    vb_rpc_call_t *call = &request->call;
    Verbund__Rpc__V1__Envelope *envelope =
        vb_rpc_wire_envelope_unpack_fast(allocator, zmq_msg_data(frame), zmq_msg_size(frame));
    if (!envelope) /* not the plain form: protobuf-c decides */
        envelope = verbund__rpc__v1__envelope__unpack(allocator, zmq_msg_size(frame),
                                                      zmq_msg_data(frame));
    if (!envelope) {
        s_request_fail(request, VB_STATUS_BAD_REQUEST, "the envelope does not decode");
        return;
    }
    call->envelope = envelope;
    if (envelope->method[0] == '\0') {
        s_request_fail(request, VB_STATUS_BAD_REQUEST, "the envelope names no method");
        return;
    }
    if (strcmp(envelope->method, s_ping_method) == 0) {
        request->kind = S_KIND_PING;
        return;
    }
    const vb_rpc_method_t *method = s_method_find(self, envelope->method);
    if (!method) {
        s_request_fail(request, VB_STATUS_UNKNOWN_METHOD,
                       vb_arena_printf(s_pass_arena(self), "unknown method \"%.100s\"",
                                       envelope->method));
        return;
    }
    request->method = method;
    call->method_flags = method->flags;
    call->request = protobuf_c_message_unpack(method->request_type, allocator, envelope->body.len,
                                              envelope->body.data);
    if (!call->request) {
        s_request_fail(request, VB_STATUS_BAD_REQUEST,
                       vb_arena_printf(s_pass_arena(self), "the body does not decode as %s",
                                       method->request_type->name));
        return;
    }
    request->kind = (method->flags & VB_RPC_WRITE) ? S_KIND_WRITE : S_KIND_READ;
}

/* Copies the ZAP-provided peer identity of a CURVE connection into the call. */
static void
s_request_peer(vb_rpc_server_t *self, s_request_t *request, zmq_msg_t *frame)
{
    if (!self->curve)
        return;
    const char *user_id = zmq_msg_gets(frame, "User-Id");
    if (!user_id || !user_id[0])
        return;
    request->call.peer_user_id = vb_arena_strdup(s_pass_arena(self), user_id);
    const char *topics = zmq_msg_gets(frame, "topics");
    if (topics)
        request->call.peer_topics = vb_arena_strdup(s_pass_arena(self), topics);
}

/* Reads one whole message without waiting. 1: read into request, 0: nothing was ready. */
static int
s_request_read(vb_rpc_server_t *self, s_request_t *request)
{
    zmq_msg_init(&request->identity);
    if (zmq_msg_recv(&request->identity, self->handle, ZMQ_DONTWAIT) == -1) {
        if (zmq_errno() != EAGAIN && zmq_errno() != EINTR)
            vb_log_warn("rpc server %s: receive failed: %s", self->service,
                        zmq_strerror(zmq_errno()));
        zmq_msg_close(&request->identity);
        return 0;
    }
    /* One clock read per pass: the requests of a pass are read back to back. */
    if (self->pass_start_us == 0)
        self->pass_start_us = vb_clock_monotonic_us();
    request->start_us = self->pass_start_us;
    memset(&request->call, 0, sizeof(request->call)); /* call.arena is set once the pass is read */
    request->call.status = VB_STATUS_OK;
    request->kind = S_KIND_ERROR;
    request->method = NULL;

    /* A multipart message arrives whole, so the remaining frames are read without waiting. */
    zmq_msg_t envelope_frame;
    zmq_msg_init(&envelope_frame);
    int frames = 1;
    bool more = zmq_msg_more(&request->identity);
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, self->handle, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close(&part);
            break;
        }
        frames++;
        more = zmq_msg_more(&part);
        if (frames == 2)
            zmq_msg_move(&envelope_frame, &part);
        zmq_msg_close(&part);
    }
    if (frames == 2)
        s_request_peer(self, request, &envelope_frame);
    if (frames != 2)
        s_request_fail(
            request, VB_STATUS_BAD_REQUEST,
            vb_arena_printf(s_pass_arena(self), "expected 2 frames ([identity][Envelope]), got %d",
                            frames));
    else
        s_request_decode(self, request, &envelope_frame, &self->scratch_allocator);
    zmq_msg_close(&envelope_frame);
    return 1;
}

/* The deadline is unix milliseconds from the caller's clock; 0 means none. The clock is read
 * again only after a handler ran, so a pass of rpc.Ping reads it once. */
static bool
s_deadline_passed(vb_rpc_server_t *self, const vb_rpc_call_t *call)
{
    int64_t deadline = call->envelope ? call->envelope->deadline_unix_ms : 0;
    if (deadline <= 0)
        return false;
    if (self->now_ms == 0)
        self->now_ms = vb_clock_now_ms();
    return self->now_ms >= deadline;
}

static vb_status_t
s_status_checked(vb_status_t status)
{
    return status >= VB_STATUS_OK && status <= VB_STATUS_LAST ? status
                                                                        : VB_STATUS_INTERNAL;
}

static void
s_run_handler(vb_rpc_server_t *self, s_request_t *request)
{
    vb_rpc_call_t *call = &request->call;
    vb_status_t status = request->method->handler(self->handler_context, call);
    self->now_ms = 0; /* the handler took time: the next deadline check reads the clock */
    call->status = s_status_checked(status);
    if (call->status == VB_STATUS_INTERNAL && !call->message)
        call->message = "internal error";
}

/* A write inside the pass's batch: call_begin, handler, call_end. */
static void
s_run_write(vb_rpc_server_t *self, s_request_t *request, bool in_batch)
{
    vb_rpc_call_t *call = &request->call;
    if (s_deadline_passed(self, call)) {
        s_request_fail(request, VB_STATUS_DEADLINE_EXCEEDED,
                       "the deadline passed before the "
                       "request was handled");
        return;
    }
    call->in_batch = in_batch;
    const vb_rpc_batch_hooks_t *hooks = in_batch ? self->hooks : NULL;
    vb_rpc_begin_t begin = VB_RPC_RUN_HANDLER;
    if (hooks && hooks->call_begin)
        begin = hooks->call_begin(hooks->context, call);
    self->now_ms = 0; /* the hook may have waited for the database */
    if (begin == VB_RPC_REPLIED)
        call->status = s_status_checked(call->status);
    else
        s_run_handler(self, request);
    if (hooks && hooks->call_end)
        hooks->call_end(hooks->context, call);
}

static void
s_run_writes(vb_rpc_server_t *self, int count, int writes)
{
    if (writes == 0)
        return;
    const vb_rpc_batch_hooks_t *hooks = self->hooks;
    if (hooks && hooks->batch_begin && hooks->batch_begin(hooks->context) == -1) {
        for (int i = 0; i < count; i++)
            if (self->requests[i].kind == S_KIND_WRITE)
                s_request_fail(&self->requests[i], VB_STATUS_UNAVAILABLE,
                               "cannot start a transaction; retry");
        return;
    }
    for (int i = 0; i < count; i++)
        if (self->requests[i].kind == S_KIND_WRITE)
            s_run_write(self, &self->requests[i], hooks != NULL);
    int end = hooks && hooks->batch_end ? hooks->batch_end(hooks->context) : 0;
    if (end == VB_RPC_BATCH_RETRY) {
        /* The hooks rolled the pass back and want it once more, call by call: every write
         * runs again from a clean outcome (what the first run answered is void). */
        if (hooks->batch_begin && hooks->batch_begin(hooks->context) == -1) {
            end = -1;
        } else {
            for (int i = 0; i < count; i++)
                if (self->requests[i].kind == S_KIND_WRITE) {
                    s_request_fail(&self->requests[i], VB_STATUS_OK, NULL);
                    s_run_write(self, &self->requests[i], true);
                }
            end = hooks->batch_end ? hooks->batch_end(hooks->context) : 0;
        }
    }
    if (end != 0) {
        for (int i = 0; i < count; i++)
            if (self->requests[i].kind == S_KIND_WRITE)
                s_request_fail(&self->requests[i], VB_STATUS_UNAVAILABLE, s_not_committed);
    }
}

static void
s_run_read(vb_rpc_server_t *self, s_request_t *request)
{
    if (s_deadline_passed(self, &request->call)) {
        s_request_fail(request, VB_STATUS_DEADLINE_EXCEEDED,
                       "the deadline passed before the "
                       "request was handled");
        return;
    }
    if (request->kind == S_KIND_READ)
        s_run_handler(self, request);
    /* rpc.Ping: status stays OK with an empty body */
}

/* Packs the reply into a message the caller sends. */
static void
s_reply_pack(s_request_t *request, zmq_msg_t *out)
{
    vb_rpc_call_t *call = &request->call;
    Verbund__Rpc__V1__Reply reply = VERBUND__RPC__V1__REPLY__INIT;
    if (call->envelope)
        reply.request_id = call->envelope->request_id;
    reply.status = (Verbund__Rpc__V1__Status)call->status;
    if (call->message)
        reply.message = (char *)call->message;
    reply.n_field_errors = call->field_error_count;
    reply.field_errors = call->field_errors;
    if (call->reply) {
        size_t size = protobuf_c_message_get_packed_size(call->reply);
        uint8_t *body = vb_arena_alloc(call->arena, size ? size : 1);
        reply.body.len = protobuf_c_message_pack(call->reply, body);
        reply.body.data = body;
    } else if (call->reply_body.len) {
        reply.body = call->reply_body;
    }
    size_t size = vb_rpc_wire_reply_size(&reply);
    int rc = zmq_msg_init_size(out, size);
    VB_ASSERT(rc == 0);
    size_t packed = vb_rpc_wire_reply_pack(&reply, zmq_msg_data(out));
    VB_ASSERT(packed == size);
}

/* Sends one reply; a vanished peer (EHOSTUNREACH) or a full queue is counted and dropped. */
static void
s_reply_send(vb_rpc_server_t *self, s_request_t *request)
{
    zmq_msg_t out;
    s_reply_pack(request, &out);
    if (zmq_msg_send(&request->identity, self->handle, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1) {
        int error = zmq_errno();
        zmq_msg_close(&request->identity);
        zmq_msg_close(&out);
        self->dropped_replies++;
        if (self->metrics) {
            char labels[S_LABEL_MAX];
            snprintf(labels, sizeof(labels), "service=\"%s\"", self->service);
            vb_metrics_counter_add(self->metrics, "vb_rpc_replies_dropped_total",
                                   "Replies dropped because the peer was gone or not reading.",
                                   labels, 1);
        }
        vb_log_fields(error == EHOSTUNREACH ? VB_LOG_DEBUG : VB_LOG_WARN, NULL, NULL, 0,
                      "rpc reply dropped: %s", zmq_strerror(error));
        return;
    }
    if (zmq_msg_send(&out, self->handle, ZMQ_DONTWAIT) == -1) {
        /* cannot happen after the first frame went (the message is queued atomically) */
        zmq_msg_close(&out);
        self->dropped_replies++;
    }
}

/* The outcome line and the metrics of one request. */
static void
s_request_record(vb_rpc_server_t *self, s_request_t *request, int64_t end_us)
{
    const vb_rpc_call_t *call = &request->call;
    const char *method = request->method                ? request->method->method
                         : request->kind == S_KIND_PING ? s_ping_method
                                                        : "unknown";
    const char *status = vb_status_name(call->status);
    int64_t duration_us = end_us - request->start_us;

    vb_log_context_t context = {NULL, NULL};
    if (call->envelope) {
        context.request_id = call->envelope->request_id;
        /* an empty trace id: the call started its trace, named by its request id */
        context.trace_id = call->envelope->trace_id[0] ? call->envelope->trace_id
                                                       : call->envelope->request_id;
    }
    vb_log_field_t fields[] = {
        {.key = "method", .string_value = method},
        {.key = "status", .string_value = status},
        {.key = "duration_us", .int_value = duration_us, .is_int = 1},
        {.key = "message", .string_value = call->message},
    };
    int field_count = call->message ? 4 : 3;
    vb_log_fields(request->kind == S_KIND_PING ? VB_LOG_DEBUG : VB_LOG_INFO, &context, fields,
                  field_count, "rpc");

    if (self->metrics) {
        char labels[S_LABEL_MAX];
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\",status=\"%s\"",
                 self->service, method, status);
        vb_metrics_counter_add(self->metrics, "vb_rpc_requests_total",
                               "RPC requests by service, method and status.", labels, 1);
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\"", self->service, method);
        vb_metrics_observe(self->metrics, "vb_rpc_request_duration_seconds",
                           "RPC request duration from read to reply, in seconds.", labels,
                           (double)duration_us / 1e6);
    }
}

int
vb_rpc_server_process(vb_rpc_server_t *self)
{
    VB_ASSERT(self);
    int count = 0;
    int writes = 0;
    int handled = 0; /* requests that run a handler: they need the arena */
    self->pass_start_us = 0;
    self->now_ms = 0;
    self->scratch_used = 0;
    VB_ASSERT(!self->pass_arena);
    while (count < self->max_batch && s_request_read(self, &self->requests[count])) {
        s_request_t *request = &self->requests[count];
        if (!self->accepting && request->kind != S_KIND_ERROR) {
            s_request_fail(request, VB_STATUS_UNAVAILABLE, "the service is shutting down");
            request->kind = S_KIND_ERROR;
        }
        if (request->kind == S_KIND_WRITE)
            writes++;
        if (request->kind == S_KIND_WRITE || request->kind == S_KIND_READ)
            handled++;
        count++;
    }
    if (count == 0)
        return 0;
    if (handled)
        s_pass_arena(self);
    for (int i = 0; i < count; i++)
        self->requests[i].call.arena = self->pass_arena; /* NULL in a pass without handlers */

    /* Writes first, inside one transaction; reads after its commit see the pass's writes. */
    s_run_writes(self, count, writes);
    if (writes)
        self->now_ms = 0; /* the commit took time: reads check their deadlines afresh */
    for (int i = 0; i < count; i++) {
        s_request_t *request = &self->requests[i];
        if (request->kind == S_KIND_READ || request->kind == S_KIND_PING)
            s_run_read(self, request);
    }

    /* Every reply of the pass leaves only now, after batch_end. The replies go out back to
     * back, so one clock read ends every request of the pass. */
    for (int i = 0; i < count; i++)
        s_reply_send(self, &self->requests[i]);
    int64_t end_us = vb_clock_monotonic_us();
    for (int i = 0; i < count; i++)
        s_request_record(self, &self->requests[i], end_us);
    vb_arena_destroy(&self->pass_arena);
    return count;
}
