/* subscriber.c - follows a node's event stream (vb/subscriber.h): live [topic][CloudEvent] frames
 * from the SUB socket, gaps and filtered stretches filled from stream.Read on the replay socket,
 * delivery in sequence order, the position kept in a file (temp file + rename).
 * Does not: deduplicate for the consumer, or cross threads.
 *
 * The position P means "every event with sequence <= P has been delivered or was not ours". A
 * live event S is delivered directly only when S == P + 1 (nothing can lie between); any other
 * S > P first reads (P, S] from replay. A heartbeat announcing newest N > P means events were
 * dropped (or filtered away): read up to N. A read event that comes before the live event (or
 * heartbeat) that triggered the read is one the SUB socket lost: that is a gap. */
#include "vb/subscriber.h"
#include "vb/czmq_once.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/arena.h"
#include "vb/assert.h"
#include "vb/clock.h"
#include "vb/cloudevent_wire.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define S_DEFAULT_REPLAY_BATCH 500
#define S_MAX_REPLAY_BATCH 5000
#define S_PERSIST_INTERVAL_US 100000 /* at most one position write per 100 ms */
#define S_REPLAY_ATTEMPT_MS 1000     /* a stream.Read attempt; 3 attempts per call */
#define S_MAX_MESSAGES_PER_CALL 1000 /* live frames handled by one process call */
#define S_ERROR_SIZE 256

struct vb_subscriber {
    zsock_t *sub;               /* SUB on the stream's PUB socket */
    void *sub_handle;           /* its libzmq socket */
    vb_rpc_client_t *replay;    /* DEALER on the replay socket */
    char **prefixes;            /* owned copies of the topic prefixes */
    size_t prefix_count;        /* 0 = every topic */
    char *position_file;        /* NULL: not persisted */
    char *position_temp;        /* position_file + ".tmp" */
    uint64_t position;          /* P: all events <= P handled */
    uint64_t persisted;         /* the value last written to position_file */
    int64_t persisted_at_us;    /* monotonic time of that write */
    uint64_t newest_known;      /* newest sequence a heartbeat or read reported */
    bool need_catch_up;         /* read up to the newest before trusting live events */
    uint32_t replay_batch;      /* limit per stream.Read */
    vb_subscriber_event_fn on_event;
    void *arg;
    vb_status_t status;         /* of the last failure */
    char error[S_ERROR_SIZE];   /* its message */
    vb_subscriber_stats_t stats;
    vb_arena_t *live_arena;     /* the live event being handled; reset after each */
};

/* Outcome of handing events to the consumer inside one process call. */
typedef struct {
    int delivered; /* events handed to on_event */
    bool stop;     /* on_event asked to stop */
} s_run_t;

static int
s_fail(vb_subscriber_t *self, vb_status_t status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int
s_fail(vb_subscriber_t *self, vb_status_t status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(self->error, sizeof self->error, format, args);
    va_end(args);
    self->status = status;
    return -1;
}

/* --- position file --- */

/* 1 with *position read from the file, 0 when it does not exist, -1 when unreadable. */
static int
s_position_load(const char *path, uint64_t *position)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        if (errno == ENOENT)
            return 0;
        vb_log_error("subscriber: cannot open position file %s: %s", path, strerror(errno));
        return -1;
    }
    char text[64] = "";
    bool read_ok = fgets(text, sizeof text, file) != NULL;
    fclose(file);
    char *end = NULL;
    errno = 0;
    unsigned long long value = read_ok ? strtoull(text, &end, 10) : 0;
    if (!read_ok || errno || end == text || (*end && *end != '\n') || text[0] == '-') {
        vb_log_error("subscriber: position file %s does not hold a sequence number", path);
        return -1;
    }
    *position = (uint64_t)value;
    return 1;
}

/* Writes the position to a temporary file, syncs it and renames it over the position file, so
 * a crash leaves either the old or the new position, never a torn one. 0 or -1 (logged). */
static int
s_position_write(vb_subscriber_t *self)
{
    if (!self->position_file)
        return 0;
    char text[32];
    int length = snprintf(text, sizeof text, "%" PRIu64 "\n", self->position);
    int fd = open(self->position_temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        vb_log_error("subscriber: cannot write %s: %s", self->position_temp, strerror(errno));
        return -1;
    }
    bool ok = write(fd, text, (size_t)length) == length && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(self->position_temp, self->position_file) != 0) {
        vb_log_error("subscriber: cannot write position file %s: %s", self->position_file,
                     strerror(errno));
        unlink(self->position_temp);
        return -1;
    }
    self->persisted = self->position;
    self->persisted_at_us = vb_clock_monotonic_us();
    return 0;
}

/* Persists a changed position when force is set or the last write is 100 ms old. */
static void
s_position_save(vb_subscriber_t *self, bool force)
{
    if (!self->position_file || self->persisted == self->position)
        return;
    if (!force && vb_clock_monotonic_us() - self->persisted_at_us < S_PERSIST_INTERVAL_US)
        return;
    s_position_write(self);
}

/* --- construction --- */

static int
s_apply_curve(zsock_t *socket, const vb_subscriber_options_t *options)
{
    zcert_t *cert = zcert_load(options->curve_client_certificate);
    if (!cert) {
        vb_log_error("subscriber: cannot load the client certificate %s",
                     options->curve_client_certificate);
        return -1;
    }
    zcert_apply(cert, socket);
    zcert_destroy(&cert);
    zsock_set_curve_serverkey(socket, options->curve_server_public_key);
    return 0;
}

vb_subscriber_t *
vb_subscriber_new(const vb_subscriber_options_t *options)
{
    VB_ASSERT(options && options->pub_endpoint && options->replay_endpoint && options->on_event);
    VB_ASSERT(options->topic_prefix_count == 0 || options->topic_prefixes);
    bool curve = options->curve_server_public_key || options->curve_client_certificate;
    if (curve && (!options->curve_server_public_key || !options->curve_client_certificate ||
                  strlen(options->curve_server_public_key) != 40)) {
        vb_log_error("subscriber: CURVE needs the server's public key (40 Z85 characters) and "
                     "the client certificate file");
        return NULL;
    }

    vb_subscriber_t *self = zmalloc(sizeof *self);
    self->live_arena = vb_arena_new();
    VB_ASSERT(self->live_arena);
    self->on_event = options->on_event;
    self->arg = options->arg;
    self->status = VB_STATUS_OK;
    self->need_catch_up = true;
    self->replay_batch = options->replay_batch > 0 ? (uint32_t)options->replay_batch
                                                   : S_DEFAULT_REPLAY_BATCH;
    if (self->replay_batch > S_MAX_REPLAY_BATCH)
        self->replay_batch = S_MAX_REPLAY_BATCH;

    if (options->topic_prefix_count > 0) {
        self->prefixes = zmalloc(options->topic_prefix_count * sizeof *self->prefixes);
        for (size_t i = 0; i < options->topic_prefix_count; i++) {
            VB_ASSERT(options->topic_prefixes[i]);
            self->prefixes[i] = strdup(options->topic_prefixes[i]);
            VB_ASSERT(self->prefixes[i]);
        }
        self->prefix_count = options->topic_prefix_count;
    }

    self->position = options->start_after;
    if (options->position_file) {
        self->position_file = strdup(options->position_file);
        self->position_temp = zsys_sprintf("%s.tmp", options->position_file);
        VB_ASSERT(self->position_file && self->position_temp);
        if (s_position_load(self->position_file, &self->position) == -1)
            goto failed;
    }
    self->persisted = self->position;
    self->persisted_at_us = vb_clock_monotonic_us();

    vb_czmq_init_once();
    self->sub = zsock_new(ZMQ_SUB);
    if (!self->sub) {
        vb_log_error("subscriber: cannot create a SUB socket: %s", zmq_strerror(zmq_errno()));
        goto failed;
    }
    self->sub_handle = zsock_resolve(self->sub);
    zsock_set_linger(self->sub, 0);
    if (options->receive_high_water_mark > 0) {
        zsock_set_rcvhwm(self->sub, options->receive_high_water_mark);
        /* A small high-water mark asks for a bounded queue; without a matching kernel buffer
         * the TCP socket alone would hold megabytes of events behind it. */
        int buffer = options->receive_high_water_mark * 4096;
        zsock_set_rcvbuf(self->sub, buffer < (1 << 20) ? buffer : (1 << 20));
    }
    if (self->prefix_count == 0) {
        zsock_set_subscribe(self->sub, "");
    } else {
        for (size_t i = 0; i < self->prefix_count; i++)
            zsock_set_subscribe(self->sub, self->prefixes[i]);
        zsock_set_subscribe(self->sub, VB_STREAM_HEARTBEAT_TOPIC);
    }
    if (curve && s_apply_curve(self->sub, options) == -1)
        goto failed;
    if (zsock_connect(self->sub, "%s", options->pub_endpoint) == -1) {
        vb_log_error("subscriber: cannot connect to %s: %s", options->pub_endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }

    vb_rpc_client_options_t client_options = {
        .endpoint = options->replay_endpoint,
        .attempt_timeout_ms = S_REPLAY_ATTEMPT_MS,
        .max_attempts = 3,
        .curve_server_public_key = options->curve_server_public_key,
        .curve_client_certificate = options->curve_client_certificate,
    };
    self->replay = vb_rpc_client_new(&client_options);
    if (!self->replay)
        goto failed;
    return self;

failed:
    vb_subscriber_destroy(&self);
    return NULL;
}

void
vb_subscriber_destroy(vb_subscriber_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_subscriber_t *self = *self_p;
    if (self->sub)
        s_position_save(self, true);
    zsock_destroy(&self->sub);
    vb_rpc_client_destroy(&self->replay);
    vb_arena_destroy(&self->live_arena);
    for (size_t i = 0; i < self->prefix_count; i++)
        free(self->prefixes[i]);
    free(self->prefixes);
    free(self->position_file);
    zstr_free(&self->position_temp);
    free(self);
    *self_p = NULL;
}

/* --- delivery --- */

static void
s_deliver(vb_subscriber_t *self, const vb_cloudevent_t *event, uint64_t sequence, s_run_t *run)
{
    self->position = sequence;
    run->delivered++;
    if (self->on_event(self->arg, event) != 0)
        run->stop = true;
}

/* Reads from replay after the position until it passes target (0: the newest sequence),
 * delivering every event in order. An event below before_sequence counts a gap (once per
 * call). 0, or -1 with the status set (need_catch_up stays set for the next call). */
static int
s_replay(vb_subscriber_t *self, uint64_t target, uint64_t before_sequence, s_run_t *run)
{
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = "subscriber";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
    vb_rpc_call_options_t call_options = {.caller = &caller};
    bool gap_counted = false;

    while (!run->stop) {
        Verbund__Stream__V1__ReadRequest request = VERBUND__STREAM__V1__READ_REQUEST__INIT;
        request.after = self->position;
        request.limit = self->replay_batch;
        request.topic_prefixes = self->prefixes;
        request.n_topic_prefixes = self->prefix_count;
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status =
            vb_rpc_client_call(self->replay, "stream.Read", &request.base, &call_options, &reply);
        if (!vb_status_is_success(status)) {
            self->need_catch_up = true;
            char message[160] = "";
            if (reply && reply->message)
                snprintf(message, sizeof message, ": %s", reply->message);
            if (reply)
                vb_rpc_reply_free(reply);
            if (status == VB_STATUS_SNAPSHOT_REQUIRED || status == VB_STATUS_FORBIDDEN)
                return s_fail(self, status, "stream.Read after %" PRIu64 ": %s%s",
                              self->position, vb_status_name(status), message);
            return s_fail(self, VB_STATUS_UNAVAILABLE, "stream.Read after %" PRIu64 ": %s%s",
                          self->position, vb_status_name(status), message);
        }
        /* The page is decoded into an arena, freed at once after delivery (events are borrowed
         * for the callback only): with malloc, the twenty-odd allocations of each CloudEvent
         * and their frees were about nine tenths of a replaying subscriber's time. */
        vb_arena_t *arena = vb_arena_new();
        VB_ASSERT(arena);
        Verbund__Stream__V1__ReadReply *read =
            vb_stream_read_reply_unpack(arena, reply->body.data, reply->body.len);
        vb_rpc_reply_free(reply);
        if (!read) {
            vb_arena_destroy(&arena);
            self->need_catch_up = true;
            return s_fail(self, VB_STATUS_UNAVAILABLE, "stream.Read: the reply does not decode");
        }

        uint64_t start = self->position;
        size_t i = 0;
        for (; i < read->n_events && !run->stop; i++) {
            uint64_t sequence = vb_cloudevent_sequence(read->events[i]);
            if (sequence <= self->position) {
                vb_log_warn("subscriber: replay returned sequence %" PRIu64 " at position %" PRIu64,
                            sequence, self->position);
                continue;
            }
            if (sequence < before_sequence && !gap_counted) {
                self->stats.gaps++;
                gap_counted = true;
            }
            self->stats.replayed++;
            s_deliver(self, read->events[i], sequence, run);
        }
        /* Past the filtered rest of the scan only when every returned event was delivered. */
        if (i == read->n_events && read->scanned_through > self->position)
            self->position = read->scanned_through;
        if (read->newest_sequence > self->newest_known)
            self->newest_known = read->newest_sequence;
        uint64_t newest = read->newest_sequence;
        vb_arena_destroy(&arena);

        if (run->stop)
            return 0;
        if (self->position >= (target ? target : newest)) {
            if (target == 0 || self->position >= newest)
                self->need_catch_up = false;
            return 0;
        }
        if (self->position == start) {
            /* No progress: the log ends before target (a stale announcement). */
            self->need_catch_up = true;
            return s_fail(self, VB_STATUS_UNAVAILABLE,
                          "stream.Read after %" PRIu64 " did not reach %" PRIu64
                          " (newest %" PRIu64 ")",
                          self->position, target, newest);
        }
    }
    return 0;
}

/* Handles one frame pair from the SUB socket; decodes into live_arena (the caller resets it),
 * the CloudEvent by hand (vb/cloudevent_wire.h): decoding is most of a live event's cost.
 * 0, or -1 with the status set. */
static int
s_handle_live(vb_subscriber_t *self, zmq_msg_t *topic, zmq_msg_t *body, s_run_t *run)
{
    ProtobufCAllocator *allocator = vb_arena_protobuf_allocator(self->live_arena);
    size_t topic_size = zmq_msg_size(topic);
    if (topic_size == strlen(VB_STREAM_HEARTBEAT_TOPIC) &&
        memcmp(zmq_msg_data(topic), VB_STREAM_HEARTBEAT_TOPIC, topic_size) == 0) {
        Verbund__Stream__V1__Heartbeat *heartbeat = verbund__stream__v1__heartbeat__unpack(
            allocator, zmq_msg_size(body), zmq_msg_data(body));
        if (!heartbeat) {
            vb_log_warn("subscriber: dropped a heartbeat that does not decode");
            return 0;
        }
        uint64_t newest = heartbeat->newest_sequence;
        if (newest > self->newest_known)
            self->newest_known = newest;
        if (newest <= self->position)
            return 0;
        /* Everything up to newest was published before this heartbeat. */
        return s_replay(self, newest, newest + 1, run);
    }

    vb_cloudevent_t *event = vb_cloudevent_unpack(self->live_arena, zmq_msg_data(body),
                                                  zmq_msg_size(body));
    uint64_t sequence = event ? vb_cloudevent_sequence(event) : 0;
    if (sequence == 0) {
        vb_log_warn("subscriber: dropped a live event without a sequence (topic %.*s)",
                    (int)(topic_size > 100 ? 100 : topic_size), (const char *)zmq_msg_data(topic));
        return 0;
    }
    self->stats.live++;
    if (sequence > self->newest_known)
        self->newest_known = sequence;
    int rc = 0;
    if (sequence <= self->position) {
        self->stats.duplicates_skipped++;
    } else if (sequence == self->position + 1) {
        s_deliver(self, event, sequence, run);
    } else {
        rc = s_replay(self, sequence, sequence, run);
        if (rc == 0 && !run->stop && self->position < sequence) {
            /* Only when the read ended just before it; s_replay fails otherwise. */
            VB_ASSERT(self->position == sequence - 1);
            s_deliver(self, event, sequence, run);
        }
    }
    return rc;
}

/* Receives one [topic][body] message without waiting: 1 handled, 0 none ready, -1 failed. */
static int
s_receive_one(vb_subscriber_t *self, s_run_t *run)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    int rc = 1;
    if (zmq_msg_recv(&topic, self->sub_handle, ZMQ_DONTWAIT) == -1) {
        rc = 0;
        goto cleanup;
    }
    bool framed = zmq_msg_more(&topic) && zmq_msg_recv(&body, self->sub_handle, 0) != -1;
    if (framed && zmq_msg_more(&body)) {
        /* Drain the rest of a message with too many frames. */
        framed = false;
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        while (zmq_msg_recv(&extra, self->sub_handle, 0) != -1 && zmq_msg_more(&extra))
            ;
        zmq_msg_close(&extra);
    }
    if (!framed) {
        vb_log_warn("subscriber: dropped a message that is not [topic][CloudEvent]");
        goto cleanup;
    }
    if (s_handle_live(self, &topic, &body, run) == -1)
        rc = -1;
    vb_arena_reset(self->live_arena);
cleanup:
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return rc;
}

int
vb_subscriber_process(vb_subscriber_t *self, int timeout_ms)
{
    VB_ASSERT(self);
    s_run_t run = {0};
    int rc = 0;
    if (self->need_catch_up || self->newest_known > self->position) {
        rc = s_replay(self, 0, 0, &run);
        if (rc == -1 || run.stop)
            goto done;
    }

    int64_t end_us = vb_clock_monotonic_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
    for (int handled = 0; handled < S_MAX_MESSAGES_PER_CALL && !run.stop;) {
        int received = s_receive_one(self, &run);
        if (received == -1) {
            rc = -1;
            break;
        }
        if (received == 1) {
            handled++;
            continue;
        }
        /* Nothing ready: return what was delivered, or wait for more until the timeout. */
        int64_t now_us = vb_clock_monotonic_us();
        if (run.delivered > 0 || now_us >= end_us)
            break;
        zmq_pollitem_t item = {self->sub_handle, 0, ZMQ_POLLIN, 0};
        long wait_ms = (long)((end_us - now_us + 999) / 1000);
        if (zmq_poll(&item, 1, wait_ms) == -1) {
            /* A signal: return so the caller can look at its flags. */
            if (zmq_errno() != EINTR)
                rc = s_fail(self, VB_STATUS_INTERNAL, "poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
    }

done:
    s_position_save(self, false);
    return rc == -1 ? -1 : run.delivered;
}

uint64_t
vb_subscriber_position(const vb_subscriber_t *self)
{
    VB_ASSERT(self);
    return self->position;
}

void
vb_subscriber_reset(vb_subscriber_t *self, uint64_t position)
{
    VB_ASSERT(self);
    self->position = position;
    self->need_catch_up = true;
    s_position_write(self);
}

vb_status_t
vb_subscriber_status(const vb_subscriber_t *self)
{
    VB_ASSERT(self);
    return self->status;
}

const char *
vb_subscriber_error(const vb_subscriber_t *self)
{
    VB_ASSERT(self);
    return self->error;
}

vb_subscriber_stats_t
vb_subscriber_stats(const vb_subscriber_t *self)
{
    VB_ASSERT(self);
    return self->stats;
}

zsock_t *
vb_subscriber_socket(vb_subscriber_t *self)
{
    VB_ASSERT(self);
    return self->sub;
}
