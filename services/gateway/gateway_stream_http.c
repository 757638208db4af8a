/* gateway_stream_http.c - GET /v1/stream (a CloudEvents JSON batch, with an optional long poll)
 * and GET /v1/stream/sse (Server-Sent Events) on top of the stream service's stream.Read, called
 * with the token's Caller so the service applies the token's topic prefixes as well.
 * Does not: keep a subscription to the PUB socket; an idle reader polls stream.Read every
 * stream_poll_ms (100 ms by default), which keeps the gateway stateless between reads. */
#include "gateway_http.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "gateway_problem.h"
#include "gateway_stream.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/cloudevent_wire.h"

#define STREAM_SSE_BLOCK_SIZE (32 * 1024)
#define STREAM_SSE_RETRY_MS 1000 /* the reconnect delay suggested to SSE clients */
#define STREAM_BATCH_TYPE "application/cloudevents-batch+json"

/* One stream.Read: what came back. */
typedef struct {
    vb_status_t status;                   /* the call's status */
    Verbund__Rpc__V1__Reply *reply;       /* the raw reply, NULL when none arrived */
    Verbund__Stream__V1__ReadReply *read; /* decoded body on success, else NULL */
    vb_arena_t *arena;                    /* what read lives in (the subscriber's decoder) */
} stream_read_t;

static void
s_read_clear(stream_read_t *read)
{
    vb_arena_destroy(&read->arena);
    if (read->reply)
        vb_rpc_reply_free(read->reply);
    memset(read, 0, sizeof(*read));
}

/* Calls stream.Read (events after `after`) as caller. A success whose body does not decode
 * becomes INTERNAL. */
static void
s_read(gateway_t *gateway, vb_rpc_client_t *client, const Verbund__Rpc__V1__Caller *caller,
       const char *trace_id, uint64_t after, uint32_t limit, char *const *topics,
       size_t topic_count, stream_read_t *out)
{
    memset(out, 0, sizeof(*out));
    Verbund__Stream__V1__ReadRequest request = VERBUND__STREAM__V1__READ_REQUEST__INIT;
    request.after = after;
    request.limit = limit;
    request.topic_prefixes = (char **)topics;
    request.n_topic_prefixes = topic_count;
    vb_rpc_call_options_t options = {
        .deadline_ms = (int)gateway->config.rpc_deadline_ms,
        .caller = caller,
        .trace_id = trace_id,
    };
    out->status = vb_rpc_client_call(client, "stream.Read", &request.base, &options, &out->reply);
    if (vb_status_is_success(out->status)) {
        if (out->reply) {
            out->arena = vb_arena_new();
            VB_ASSERT(out->arena);
            out->read = vb_stream_read_reply_unpack(out->arena, out->reply->body.data,
                                                    out->reply->body.len);
        }
        if (!out->read)
            out->status = VB_STATUS_INTERNAL;
    }
}

static void
s_pause_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec pause = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL); /* the poll interval of a caught-up reader */
}

static enum MHD_Result
s_send_read_failure(http_exchange_t *x, const stream_read_t *read)
{
    if (read->status == VB_STATUS_INTERNAL && read->reply && !read->read)
        return gateway_http_send_simple_problem(
            x, 502, "the stream service sent a reply that does not decode as ReadReply");
    return gateway_http_send_rpc_failure(x, read->status, read->reply, "stream");
}

/* The position just before the oldest retained event (stream.Head), for a request that named
 * no position. OK, or the failed call's status with *reply_p set (caller frees). */
static vb_status_t
s_oldest_position(gateway_t *gateway, vb_rpc_client_t *client,
                  const Verbund__Rpc__V1__Caller *caller, const char *trace_id, uint64_t *after,
                  Verbund__Rpc__V1__Reply **reply_p)
{
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    vb_rpc_call_options_t options = {
        .deadline_ms = (int)gateway->config.rpc_deadline_ms,
        .caller = caller,
        .trace_id = trace_id,
    };
    vb_status_t status =
        vb_rpc_client_call(client, "stream.Head", &request.base, &options, reply_p);
    if (!vb_status_is_success(status))
        return status;
    Verbund__Stream__V1__HeadReply *head = (Verbund__Stream__V1__HeadReply *)vb_rpc_reply_unpack(
        *reply_p, &verbund__stream__v1__head_reply__descriptor);
    if (!head)
        return VB_STATUS_INTERNAL;
    *after = head->oldest_sequence > 0 ? head->oldest_sequence - 1 : 0;
    protobuf_c_message_free_unpacked(&head->base, NULL);
    vb_rpc_reply_free(*reply_p);
    *reply_p = NULL;
    return VB_STATUS_OK;
}

/* --- GET /v1/stream --- */

static enum MHD_Result
s_serve_batch(http_exchange_t *x, vb_rpc_client_t *client, const Verbund__Rpc__V1__Caller *caller,
              const gateway_stream_params_t *params)
{
    gateway_t *gateway = x->gateway;
    int64_t deadline_us = vb_clock_monotonic_us() + (int64_t)params->timeout_s * 1000000;
    uint64_t after = params->after;
    stream_read_t read;
    for (;;) {
        s_read(gateway, client, caller, x->trace_id, after, params->limit,
               (char *const *)params->topics, params->topic_count, &read);
        if (!vb_status_is_success(read.status)) {
            enum MHD_Result result = s_send_read_failure(x, &read);
            s_read_clear(&read);
            return result;
        }
        int64_t left_us = deadline_us - vb_clock_monotonic_us();
        if (read.read->n_events > 0 || left_us <= 0 || atomic_load(&gateway->stopping))
            break;
        /* Caught up: continue after what was scanned (events of other topics included). */
        after = gateway_stream_next_after(after, read.read);
        s_read_clear(&read);
        int64_t pause_ms = gateway->config.stream_poll_ms;
        if (pause_ms * 1000 > left_us)
            pause_ms = (left_us + 999) / 1000;
        s_pause_ms(pause_ms);
    }
    json_t *batch = gateway_stream_batch_json(read.read);
    char next[32];
    snprintf(next, sizeof(next), "%llu",
             (unsigned long long)gateway_stream_next_after(after, read.read));
    s_read_clear(&read);
    if (!batch)
        return gateway_http_send_simple_problem(x, 500, "out of memory");
    const char *headers[] = {"Verbund-Next-After", next, NULL};
    return gateway_http_send_json(x, 200, STREAM_BATCH_TYPE, batch, headers);
}

/* --- GET /v1/stream/sse --- */

/* One Server-Sent Events response: what the content callback needs after the request's arena
 * is gone, so everything is owned here. */
typedef struct {
    gateway_t *gateway;
    struct MHD_Connection *connection;
    int fd;                          /* the client's socket (-1: unknown), watched for hang-up */
    Verbund__Rpc__V1__Caller caller; /* deep copy of the token's caller */
    char *topics[GATEWAY_STREAM_MAX_TOPICS];
    size_t topic_count;
    uint64_t after;
    uint32_t limit;
    char trace_id[129];
    char *pending;          /* text not yet handed to MHD */
    size_t pending_size;    /* bytes in pending */
    size_t pending_sent;    /* of which already handed out */
    bool end_after_pending; /* the stream ends once pending is sent */
    bool warned;            /* a failing stream service was logged */
    int64_t last_write_us;  /* monotonic time text was last handed out */
} sse_t;

static void
s_sse_free(void *cls)
{
    sse_t *sse = cls;
    if (!sse)
        return;
    free(sse->caller.id);
    free(sse->caller.person_id);
    for (size_t i = 0; i < sse->caller.n_topic_prefixes; i++)
        free(sse->caller.topic_prefixes[i]);
    free(sse->caller.topic_prefixes);
    for (size_t i = 0; i < sse->topic_count; i++)
        free(sse->topics[i]);
    free(sse->pending);
    free(sse);
}

/* Appends text to pending. 0 or -1. */
static int
s_sse_append(sse_t *sse, const char *text, size_t length)
{
    if (sse->pending_sent == sse->pending_size) {
        sse->pending_size = sse->pending_sent = 0;
    }
    char *grown = realloc(sse->pending, sse->pending_size + length + 1);
    if (!grown)
        return -1;
    memcpy(grown + sse->pending_size, text, length);
    sse->pending = grown;
    sse->pending_size += length;
    sse->pending[sse->pending_size] = '\0';
    return 0;
}

/* Appends every event of a read and moves after past what was scanned. 0 or -1. */
static int
s_sse_take(sse_t *sse, const Verbund__Stream__V1__ReadReply *read)
{
    for (size_t i = 0; i < read->n_events; i++) {
        size_t length = 0;
        char *text = gateway_stream_sse_event(read->events[i], &length);
        if (!text || s_sse_append(sse, text, length) < 0) {
            free(text);
            return -1;
        }
        free(text);
    }
    sse->after = gateway_stream_next_after(sse->after, read);
    return 0;
}

/* Waits up to ms for the client to hang up. True when it has. */
static bool
s_sse_client_gone(sse_t *sse, int64_t ms)
{
    if (sse->fd < 0) {
        s_pause_ms(ms);
        return false;
    }
    struct pollfd item = {.fd = sse->fd, .events = POLLIN | POLLRDHUP};
    int rc = poll(&item, 1, (int)ms);
    if (rc <= 0)
        return false;
    if (item.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
        return true;
    if (item.revents & POLLIN) {
        char byte;
        ssize_t n = recv(sse->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0)
            return true;
        s_pause_ms(ms); /* the client sent something (pipelining): just wait */
    }
    return false;
}

/* A final "event: error" with a problem, then the end of the stream. */
static void
s_sse_error(sse_t *sse, int http_status, const char *detail)
{
    json_t *problem = gateway_problem_new(http_status, detail, "/v1/stream/sse");
    char *data = problem ? json_dumps(problem, JSON_COMPACT) : NULL;
    json_decref(problem);
    if (data) {
        size_t size = strlen(data) + 32;
        char *text = malloc(size);
        if (text) {
            int n = snprintf(text, size, "event: error\ndata: %s\n\n", data);
            if (n > 0)
                (void)s_sse_append(sse, text, (size_t)n);
        }
        free(text);
        free(data);
    }
    sse->end_after_pending = true;
}

static ssize_t
s_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse_t *sse = cls;
    gateway_t *gateway = sse->gateway;
    for (;;) {
        if (sse->pending_sent < sse->pending_size) {
            size_t n = sse->pending_size - sse->pending_sent;
            if (n > max)
                n = max;
            memcpy(buf, sse->pending + sse->pending_sent, n);
            sse->pending_sent += n;
            sse->last_write_us = vb_clock_monotonic_us();
            return (ssize_t)n;
        }
        if (sse->end_after_pending || atomic_load(&gateway->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        vb_rpc_client_t *client = gateway_stream_client(gateway);
        if (!client)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        stream_read_t read;
        s_read(gateway, client, &sse->caller, sse->trace_id, sse->after, sse->limit, sse->topics,
               sse->topic_count, &read);
        if (vb_status_is_success(read.status)) {
            sse->warned = false;
            int taken = s_sse_take(sse, read.read);
            bool got = read.read->n_events > 0;
            s_read_clear(&read);
            if (taken < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            if (got)
                continue;
        } else if (read.status == VB_STATUS_SNAPSHOT_REQUIRED ||
                   read.status == VB_STATUS_FORBIDDEN || read.status == VB_STATUS_UNAUTHENTICATED) {
            const char *message = read.reply && read.reply->message ? read.reply->message : "";
            s_sse_error(sse, vb_status_http(read.status), message[0] ? message : NULL);
            s_read_clear(&read);
            continue;
        } else {
            if (!sse->warned) /* transient: keep the client, retry at the poll interval */
                vb_log_warn("event stream: stream.Read failed (%s); retrying",
                            vb_status_name(read.status));
            sse->warned = true;
            s_read_clear(&read);
        }
        int64_t now = vb_clock_monotonic_us();
        if (now - sse->last_write_us >= gateway->config.sse_keepalive_ms * 1000) {
            static const char keepalive[] = ": keepalive\n\n";
            if (s_sse_append(sse, keepalive, sizeof(keepalive) - 1) < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        if (s_sse_client_gone(sse, gateway->config.stream_poll_ms))
            return MHD_CONTENT_READER_END_OF_STREAM; /* a normal way for a stream to end */
    }
}

/* A heap copy of caller for the life of the stream. 0 or -1. */
static int
s_caller_copy(Verbund__Rpc__V1__Caller *copy, const Verbund__Rpc__V1__Caller *caller)
{
    verbund__rpc__v1__caller__init(copy);
    copy->role = caller->role;
    copy->id = strdup(caller->id ? caller->id : "");
    copy->person_id = strdup(caller->person_id ? caller->person_id : "");
    if (!copy->id || !copy->person_id)
        return -1;
    if (caller->n_topic_prefixes > 0) {
        copy->topic_prefixes = calloc(caller->n_topic_prefixes, sizeof(char *));
        if (!copy->topic_prefixes)
            return -1;
        for (size_t i = 0; i < caller->n_topic_prefixes; i++) {
            if (!(copy->topic_prefixes[i] = strdup(caller->topic_prefixes[i])))
                return -1;
            copy->n_topic_prefixes = i + 1;
        }
    }
    return 0;
}

static enum MHD_Result
s_serve_sse(http_exchange_t *x, vb_rpc_client_t *client, const Verbund__Rpc__V1__Caller *caller,
            const gateway_stream_params_t *params)
{
    /* The first read happens before the response so that a position older than the retention
     * or a stream service that is down is an HTTP status, not a broken stream. */
    stream_read_t read;
    s_read(x->gateway, client, caller, x->trace_id, params->after, params->limit,
           (char *const *)params->topics, params->topic_count, &read);
    if (!vb_status_is_success(read.status)) {
        enum MHD_Result result = s_send_read_failure(x, &read);
        s_read_clear(&read);
        return result;
    }
    sse_t *sse = calloc(1, sizeof(*sse));
    bool ok = sse != NULL;
    if (ok) {
        sse->gateway = x->gateway;
        sse->connection = x->connection;
        sse->after = params->after;
        sse->limit = params->limit;
        snprintf(sse->trace_id, sizeof(sse->trace_id), "%s", x->trace_id);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(x->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        sse->fd = info ? info->connect_fd : -1;
        sse->last_write_us = vb_clock_monotonic_us();
        ok = s_caller_copy(&sse->caller, caller) == 0;
        for (size_t i = 0; ok && i < params->topic_count; i++) {
            ok = (sse->topics[i] = strdup(params->topics[i])) != NULL;
            sse->topic_count = ok ? i + 1 : i;
        }
        char retry[32];
        int n = snprintf(retry, sizeof(retry), "retry: %d\n\n", STREAM_SSE_RETRY_MS);
        ok = ok && s_sse_append(sse, retry, (size_t)n) == 0 && s_sse_take(sse, read.read) == 0;
    }
    s_read_clear(&read);
    struct MHD_Response *response =
        ok ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_SSE_BLOCK_SIZE, s_sse_read,
                                               sse, s_sse_free)
           : NULL;
    if (!response) {
        s_sse_free(sse);
        return gateway_http_send_simple_problem(x, 500, "out of memory");
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(response, "X-Accel-Buffering", "no");
    gateway_http_common_headers(x, response);
    x->status = 200;
    enum MHD_Result result = MHD_queue_response(x->connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

/* --- both --- */

/* Query parameters a stream request may bring at the most. */
#define STREAM_MAX_QUERY 64

enum MHD_Result
gateway_stream_serve(http_exchange_t *x, const gateway_route_t *route,
                     const Verbund__Rpc__V1__Caller *caller)
{
    bool sse = (route->flags & GATEWAY_ROUTE_SSE) != 0;
    gateway_query_t query_items[STREAM_MAX_QUERY];
    gateway_http_query_t query = {.items = query_items, .capacity = STREAM_MAX_QUERY};
    gateway_http_query_collect(x, &query);
    const char *last_event_id =
        sse ? MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "Last-Event-ID") : NULL;
    gateway_stream_params_t params;
    vb_json_errors_t errors = {0};
    int parsed =
        gateway_stream_params_parse(query.items, query.count, last_event_id, sse, &params, &errors);
    if (parsed < 0 || query.overflow) {
        json_t *problem = gateway_problem_new(400, "the request has invalid parameters", x->path);
        if (query.overflow)
            gateway_problem_add_error(problem, "query", "has too many parameters");
        gateway_problem_add_json_errors(problem, &errors);
        return gateway_http_send_problem(x, problem, NULL);
    }
    const char *detail = NULL;
    if (gateway_stream_topics_allowed(caller, params.topics, params.topic_count, &detail) !=
        VB_STATUS_OK)
        return gateway_http_send_simple_problem(x, 403, "%s", detail);
    vb_rpc_client_t *client = gateway_stream_client(x->gateway);
    if (!client)
        return gateway_http_send_simple_problem(x, 503, "cannot create an RPC client");
    if (params.from_oldest) {
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status =
            s_oldest_position(x->gateway, client, caller, x->trace_id, &params.after, &reply);
        if (!vb_status_is_success(status)) {
            enum MHD_Result result = gateway_http_send_rpc_failure(x, status, reply, "stream");
            if (reply)
                vb_rpc_reply_free(reply);
            return result;
        }
    }
    return sse ? s_serve_sse(x, client, caller, &params)
               : s_serve_batch(x, client, caller, &params);
}
