/* stream_relay.c - the single writer of the log, as a zactor with connections of its own: wakes
 * on a NOTIFY from an outbox (or a fallback timer), and in one transaction takes each source's
 * outbox rows, numbers them with the next gapless sequences, scrubs an erased person's earlier
 * events (re-packing them), packs each new row's CloudEvent and appends the rows to stream.log
 * with one INSERT (each row written once, complete), commits, and only then publishes. A session advisory lock on the notify connection makes one instance the relay; the
 * others follow the log (NOTIFY verbund_stream) and publish what the relay appended. Also runs
 * retention and the heartbeat.
 * Does not: answer replay requests (stream_handlers.c, on the main thread). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/db_notify.h"
#include "vb/log.h"
#include "stream.h"

#define S_RELAY_LOCK_KEY INT64_C(0x7665726275640001) /* "verbud" + 1: the relay's lock */
#define S_PASSES_PER_WAKEUP 16   /* then the sockets get their turn */
#define S_FOLLOW_BATCH 500
#define S_PERSON_EVENT "verbund.membership.v1.PersonEvent"
#define S_PROFILE_EVENT "verbund.membership.v1.ExpertProfileEvent"

/* One source service's outbox. */
typedef struct {
    const char *schema;          /* borrowed from the options */
    char *source;                /* "//verbund/<node-id>/<schema>" */
    vb_db_statement_t statement; /* its relay statement (name and SQL malloc'd) */
    bool ready;                  /* the outbox table exists and the statement is prepared */
    bool waiting_logged;         /* "waiting for <schema>.outbox" was said once */
} s_source_t;

typedef struct {
    stream_relay_options_t *options;
    vb_db_t *db;                      /* the writer connection */
    vb_db_notify_t *notify;           /* LISTEN and the relay lock */
    stream_publisher_t *publisher;
    s_source_t *sources;
    size_t source_count;
    bool leader;                      /* holds the relay lock */
    uint64_t published_through;       /* every sequence <= it was published (or skipped) */
    uint64_t newest_known;            /* the newest sequence this relay committed */
    stream_event_t *events;           /* events of the current pass */
    size_t event_count, event_capacity;
    vb_arena_t *arena;                /* the pass's rows and packing buffers */
} s_relay_t;

static int
s_collect(void *arg, const stream_event_t *event)
{
    s_relay_t *self = arg;
    if (self->event_count == self->event_capacity) {
        size_t capacity = self->event_capacity ? self->event_capacity * 2 : 256;
        stream_event_t *grown = realloc(self->events, capacity * sizeof *grown);
        VB_ASSERT(grown);
        self->events = grown;
        self->event_capacity = capacity;
    }
    self->events[self->event_count++] = *event;
    return 0;
}

static void
s_arena_reset(s_relay_t *self)
{
    vb_arena_destroy(&self->arena);
    self->arena = vb_arena_new();
    VB_ASSERT(self->arena);
    self->event_count = 0;
}

/* Prepares the relay statement of every source whose outbox exists by now. */
static void
s_sources_check(s_relay_t *self)
{
    for (size_t i = 0; i < self->source_count; i++) {
        s_source_t *source = &self->sources[i];
        if (source->ready)
            continue;
        bool exists = false;
        if (stream_store_outbox_exists(self->db, source->schema, &exists) != VB_STATUS_OK)
            return;
        if (!exists) {
            if (!source->waiting_logged)
                vb_log_info("relay: %s.outbox does not exist yet; retrying", source->schema);
            source->waiting_logged = true;
            continue;
        }
        if (vb_db_add_statements(self->db, &source->statement, 1) != 0) {
            vb_log_warn("relay: preparing the relay of %s: %s", source->schema,
                        vb_db_error(self->db));
            continue;
        }
        source->ready = true;
        vb_log_info("relay: relaying %s.outbox", source->schema);
    }
}

/* The payload of an erased person's earlier events: the id only. */
static uint8_t *
s_pack_redacted(vb_arena_t *arena, const char *person_id, bool profile, size_t *size)
{
    ProtobufCMessage *message;
    if (profile) {
        Verbund__Membership__V1__ExpertProfile *p =
            vb_arena_message(arena, &verbund__membership__v1__expert_profile__descriptor);
        p->person_id = (char *)person_id;
        Verbund__Membership__V1__ExpertProfileEvent *event =
            vb_arena_message(arena, &verbund__membership__v1__expert_profile_event__descriptor);
        event->profile = p;
        message = &event->base;
    } else {
        Verbund__Membership__V1__Person *p =
            vb_arena_message(arena, &verbund__membership__v1__person__descriptor);
        p->id = (char *)person_id;
        p->erased = true;
        Verbund__Membership__V1__PersonEvent *event =
            vb_arena_message(arena, &verbund__membership__v1__person_event__descriptor);
        event->person = p;
        message = &event->base;
    }
    *size = protobuf_c_message_get_packed_size(message);
    uint8_t *data = vb_arena_alloc(arena, *size ? *size : 1);
    *size = protobuf_c_message_pack(message, data);
    return data;
}

/* Packs event's CloudEvent into arena (event->cloudevent), as stored in the log's cloudevent
 * column and returned by stream.Read. */
static void
s_pack(vb_arena_t *arena, stream_event_t *event)
{
    event->cloudevent = stream_event_pack(arena, event, &event->cloudevent_length);
}

/* Rows of earlier passes that a scrub changed, re-packed. */
typedef struct {
    vb_arena_t *arena;
    stream_event_t *events;
    size_t count, capacity;
} s_repacked_t;

static int
s_collect_scrubbed(void *arg, const stream_event_t *event)
{
    s_repacked_t *repacked = arg;
    if (repacked->count == repacked->capacity) {
        size_t capacity = repacked->capacity ? repacked->capacity * 2 : 16;
        stream_event_t *grown = realloc(repacked->events, capacity * sizeof *grown);
        VB_ASSERT(grown);
        repacked->events = grown;
        repacked->capacity = capacity;
    }
    stream_event_t *copy = &repacked->events[repacked->count++];
    *copy = *event;
    s_pack(repacked->arena, copy);
    return 0;
}

/* Erasure inside the pass's transaction: the log's earlier rows (their stored CloudEvents are
 * re-packed), and this pass's rows, which are not in the log yet (packed and appended after
 * this, then published). */
static vb_status_t
s_scrub(s_relay_t *self, const stream_event_t *erased)
{
    size_t person_size = 0, profile_size = 0;
    uint8_t *person = s_pack_redacted(self->arena, erased->subject, false, &person_size);
    uint8_t *profile = s_pack_redacted(self->arena, erased->subject, true, &profile_size);
    int64_t scrubbed = 0;
    s_repacked_t repacked = {.arena = self->arena};
    vb_status_t status = stream_store_scrub(self->db, erased->subject, erased->sequence, person,
                                            person_size, profile, profile_size, self->arena,
                                            s_collect_scrubbed, &repacked, &scrubbed);
    if (status == VB_STATUS_OK)
        status = stream_store_set_cloudevents(self->db, repacked.events, repacked.count);
    free(repacked.events);
    if (status != VB_STATUS_OK)
        return status;
    for (size_t i = 0; i < self->event_count; i++) {
        stream_event_t *event = &self->events[i];
        if (event->sequence >= erased->sequence || strcmp(event->subject, erased->subject) != 0)
            continue;
        if (strcmp(event->dataschema, S_PERSON_EVENT) == 0) {
            event->data = person;
            event->data_length = person_size;
        } else if (strcmp(event->dataschema, S_PROFILE_EVENT) == 0) {
            event->data = profile;
            event->data_length = profile_size;
        }
    }
    return VB_STATUS_OK;
}

/* Publishes the log after published_through (another instance's relaying, or a lag). */
static void
s_follow(s_relay_t *self)
{
    for (int batch = 0; batch < S_PASSES_PER_WAKEUP; batch++) {
        s_arena_reset(self);
        stream_head_t head;
        uint64_t after = self->published_through;
        if (stream_store_read(self->db, after, S_FOLLOW_BATCH, S_FOLLOW_BATCH, NULL, 0, true,
                              self->arena, &head, s_collect, self) != VB_STATUS_OK)
            return;
        if (head.retained_from > after + 1 && self->event_count == 0 && head.newest > after) {
            /* retention passed us: subscribers get SNAPSHOT_REQUIRED from replay */
            self->published_through = head.retained_from - 1;
            continue;
        }
        for (size_t i = 0; i < self->event_count; i++)
            stream_publisher_send(self->publisher, self->arena, &self->events[i]);
        if (self->event_count > 0) {
            self->published_through = self->events[self->event_count - 1].sequence;
            stream_publisher_heartbeat(self->publisher, self->published_through);
        }
        if (self->event_count < S_FOLLOW_BATCH)
            return;
    }
}

/* One relay pass. Returns the number of rows relayed, or -1 on a database failure. */
static int
s_relay_pass(s_relay_t *self)
{
    s_arena_reset(self);
    if (vb_db_begin(self->db) != VB_STATUS_OK)
        return -1;
    uint64_t before = 0;
    vb_status_t status = stream_store_lock_state(self->db, &before);
    /* Numbered here: the state row lock makes this the only writer, so before + 1 + i stays
     * gapless; each source's rows keep their outbox order. */
    for (size_t i = 0; status == VB_STATUS_OK && i < self->source_count; i++) {
        s_source_t *source = &self->sources[i];
        if (!source->ready)
            continue;
        size_t first = self->event_count;
        int64_t taken = 0;
        status = stream_store_take(self->db, source->statement.name, self->options->batch,
                                   self->arena, s_collect, self, &taken);
        for (size_t j = first; j < self->event_count; j++) {
            self->events[j].sequence = before + 1 + j;
            self->events[j].source = source->source;
        }
    }
    uint64_t newest = before + self->event_count;
    if (status == VB_STATUS_OK && self->event_count > 0) {
        for (size_t i = 0; status == VB_STATUS_OK && i < self->event_count; i++)
            if (strcmp(self->events[i].type, STREAM_PERSON_ERASED_TYPE) == 0)
                status = s_scrub(self, &self->events[i]);
        if (status == VB_STATUS_OK) {
            for (size_t i = 0; i < self->event_count; i++)
                s_pack(self->arena, &self->events[i]);
            status = stream_store_append(self->db, self->events, self->event_count);
        }
        if (status == VB_STATUS_OK)
            status = stream_store_set_newest(self->db, newest);
        if (status == VB_STATUS_OK)
            status = stream_store_notify_appended(self->db);
    }
    if (status == VB_STATUS_OK)
        status = vb_db_commit(self->db);
    if (status != VB_STATUS_OK) {
        vb_log_warn("relay: pass failed (%s): %s", vb_status_name(status), vb_db_error(self->db));
        if (vb_db_in_transaction(self->db))
            (void)vb_db_rollback(self->db);
        self->event_count = 0;
        return -1;
    }
    self->newest_known = newest;
    if (self->event_count == 0)
        return 0;
    if (self->published_through == before) {
        for (size_t i = 0; i < self->event_count; i++)
            stream_publisher_send(self->publisher, self->arena, &self->events[i]);
        self->published_through = newest;
        stream_publisher_heartbeat(self->publisher, newest);
    } else {
        s_follow(self);
    }
    return (int)self->event_count;
}

/* The work of a wake-up: become the relay if nobody is, relay while rows keep coming, and
 * publish what other instances appended. True when the last pass was full (rows are likely
 * waiting: the caller runs again as soon as the sockets had their turn). */
static bool
s_work(s_relay_t *self)
{
    bool was_leader = self->leader;
    self->leader = vb_db_notify_try_lock(self->notify, S_RELAY_LOCK_KEY) == 1;
    if (self->leader != was_leader)
        vb_log_info(self->leader ? "relay: this instance relays the outboxes"
                                 : "relay: another instance relays; following the log");
    if (!self->leader) {
        s_follow(self);
        return false;
    }
    s_sources_check(self);
    bool full = false;
    for (int pass = 0; pass < S_PASSES_PER_WAKEUP; pass++) {
        int relayed = s_relay_pass(self);
        full = relayed > 0 && relayed >= self->options->batch;
        if (!full)
            break;
    }
    if (self->published_through < self->newest_known)
        s_follow(self);
    return full;
}

static void
s_expire(s_relay_t *self)
{
    if (!self->leader)
        return;
    int64_t deleted = 0;
    if (vb_db_begin(self->db) != VB_STATUS_OK)
        return;
    vb_status_t status = stream_store_expire(self->db, self->options->retention_seconds, &deleted);
    if (status == VB_STATUS_OK)
        status = vb_db_commit(self->db);
    if (status != VB_STATUS_OK) {
        vb_log_warn("retention: %s", vb_db_error(self->db));
        if (vb_db_in_transaction(self->db))
            (void)vb_db_rollback(self->db);
        return;
    }
    if (deleted > 0)
        vb_log_info("retention: deleted %lld events", (long long)deleted);
}

static int
s_start(s_relay_t *self, stream_relay_options_t *options)
{
    self->options = options;
    self->source_count = options->source_count;
    self->sources = calloc(options->source_count ? options->source_count : 1,
                           sizeof *self->sources);
    if (!self->sources)
        return 1;
    for (size_t i = 0; i < options->source_count; i++) {
        s_source_t *source = &self->sources[i];
        source->schema = options->sources[i];
        if (stream_store_relay_statement(source->schema, &source->statement) != 0 ||
            asprintf(&source->source, "//verbund/%s/%s", options->node_id, source->schema) < 0) {
            vb_log_error("VERBUND_STREAM_SOURCES: \"%s\" is not a schema name ([a-z_]+)",
                         source->schema);
            return 2;
        }
    }
    size_t count = 0;
    const vb_db_statement_t *statements = stream_store_statements(&count);
    vb_db_options_t db_options = {
        .conninfo = options->conninfo,
        .schema = STREAM_SERVICE,
        .statements = statements,
        .statement_count = count,
    };
    char err[512];
    self->db = vb_db_new(&db_options, err, sizeof err);
    if (!self->db || vb_db_prepare_all(self->db, err, sizeof err) != 0) {
        vb_log_error("database (relay): %s", err);
        return 3;
    }
    stream_head_t head;
    if (stream_store_head(self->db, &head) != VB_STATUS_OK) {
        vb_log_error("database (relay): reading the head: %s", vb_db_error(self->db));
        return 3;
    }
    /* New subscribers start from replay; what was in the log before this start is not sent. */
    self->published_through = head.newest;
    const char *channels[] = {STREAM_CHANNEL_OUTBOX, STREAM_CHANNEL_LOG};
    self->notify = vb_db_notify_new(options->conninfo, channels, 2);
    if (!self->notify)
        return 1;
    self->publisher = stream_publisher_new(options->pub_endpoint, options->send_queue,
                                           options->curve_certificate,
                                           options->clients_dir, options->node_id);
    if (!self->publisher)
        return 4;
    return 0;
}

static void
s_stop(s_relay_t *self)
{
    stream_publisher_destroy(&self->publisher);
    vb_db_notify_destroy(&self->notify);
    vb_db_destroy(&self->db);
    for (size_t i = 0; self->sources && i < self->source_count; i++) {
        free((char *)self->sources[i].statement.name);
        free((char *)self->sources[i].statement.sql);
        free(self->sources[i].source);
    }
    free(self->sources);
    free(self->events);
    vb_arena_destroy(&self->arena);
}

static int64_t
s_now_ms(void)
{
    return vb_clock_monotonic_us() / 1000;
}

void
stream_relay_actor(zsock_t *pipe, void *args)
{
    /* Signals belong to the main thread's loop (vb/service.h). */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    stream_relay_options_t *options = args;
    s_relay_t self;
    memset(&self, 0, sizeof self);
    options->startup_status = s_start(&self, options);
    zsock_signal(pipe, 0);
    if (options->startup_status != 0) {
        s_stop(&self);
        return;
    }
    int64_t now = s_now_ms();
    int64_t next_pass = now; /* relay at once: rows may have waited while we were down */
    int64_t next_heartbeat = now + options->heartbeat_ms;
    int64_t next_sweep = now + options->sweep_interval_ms;
    for (;;) {
        now = s_now_ms();
        int64_t due = next_pass < next_heartbeat ? next_pass : next_heartbeat;
        if (next_sweep < due)
            due = next_sweep;
        long timeout = due > now ? (long)(due - now) : 0;
        zmq_pollitem_t items[3] = {
            {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
            {stream_publisher_handle(self.publisher), 0, ZMQ_POLLIN, 0},
            {NULL, vb_db_notify_socket(self.notify), ZMQ_POLLIN, 0},
        };
        int item_count = items[2].fd >= 0 ? 3 : 2;
        int rc = zmq_poll(items, item_count, timeout);
        if (rc == -1) {
            if (zmq_errno() == EINTR)
                continue;
            break; /* the context is terminating */
        }
        if (items[0].revents & ZMQ_POLLIN) {
            char *command = zstr_recv(pipe);
            bool terminate = !command || streq(command, "$TERM");
            zstr_free(&command);
            if (terminate)
                break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            stream_publisher_subscriptions(self.publisher);
        bool work = false;
        if (item_count == 3 && (items[2].revents & ZMQ_POLLIN))
            work = vb_db_notify_consume(self.notify) != 0;
        now = s_now_ms();
        if (now >= next_pass) {
            (void)vb_db_notify_consume(self.notify); /* reconnects when it is down */
            work = true;
        }
        if (work) {
            bool more = s_work(&self);
            next_pass = more ? s_now_ms() : s_now_ms() + options->fallback_ms;
        }
        if (now >= next_heartbeat) {
            stream_publisher_heartbeat(self.publisher, self.published_through);
            next_heartbeat = now + options->heartbeat_ms;
        }
        if (now >= next_sweep) {
            s_expire(&self);
            next_sweep = now + options->sweep_interval_ms;
        }
    }
    s_stop(&self);
}
