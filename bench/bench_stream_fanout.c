/* bench_stream_fanout.c - live fan-out: the stream service's publishing path against bare
 * ZeroMQ PUB/SUB, one subscriber, loopback TCP, the same count, rounds interleaved, medians.
 *
 * Headline, verbund side: events that the relay has committed (this round's rows of stream.log,
 * packed CloudEvents as the relay stores and sends them, ~350 bytes) are published by
 * stream_publisher (the service's own module, linked from vb_stream_publisher: XPUB, manual
 * subscriptions, its SNDHWM/SNDBUF, non-blocking sends that drop when full) in passes of the
 * relay's batch, each followed by a heartbeat as the relay does, and received by one
 * vb_subscriber: decoded, checked for gaps, deduplicated, delivered in order. Time is first
 * send to last delivery. A gap the subscriber detects is filled by stream.Read from the node's
 * real stream service (it has these rows), inside the timing. Checked per event: every sequence
 * exactly once, in order (zero undetected loss).
 * Headline, reference: a PUB thread sends [topic][200 bytes] frames (SNDHWM 0, blocking) to a
 * SUB that checks their order.
 * Info line, relay-inclusive: the same rows first written in bulk into membership.outbox (one
 * SQL transaction), moved by the running service's relay into the log and published on its PUB
 * socket to a second vb_subscriber: "relay events/s" is bounded by PostgreSQL, not by fan-out.
 * Does not: include the writing service's RPCs (bench_stream_e2e.c does). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bench_node.h"
#include "bench_report.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/subscriber.h"
#include "stream.h"

#define COUNT 50000
#define ROUNDS 3
#define BARE_SIZE 200
#define TOPIC "verbund.membership.person.created.v1"
#define RELAY_BATCH 5000  /* the relay's rows per pass (services/stream/main.c) */
#define HEARTBEAT_MS 1000 /* the service's default VERBUND_STREAM_HEARTBEAT_MS */

static void
s_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

/* --- reference: bare PUB/SUB ------------------------------------------------------------ */

typedef struct {
    void *context;
    const char *endpoint;
} s_bare_t;

static void *
s_bare_publisher(void *arg)
{
    s_bare_t *bare = arg;
    void *pub = zmq_socket(bare->context, ZMQ_PUB);
    int zero = 0;
    zmq_setsockopt(pub, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_bind(pub, bare->endpoint);
    /* wait for the subscription: a ready frame, until one arrives */
    void *ready = zmq_socket(bare->context, ZMQ_PAIR);
    zmq_connect(ready, "inproc://bench-fanout-ready");
    char byte;
    zmq_recv(ready, &byte, 1, 0);
    char body[BARE_SIZE];
    memset(body, 'x', sizeof body);
    for (int i = 0; i < COUNT; i++) {
        memcpy(body, &i, sizeof i);
        zmq_send(pub, TOPIC, strlen(TOPIC), ZMQ_SNDMORE);
        zmq_send(pub, body, sizeof body, 0);
    }
    zmq_recv(ready, &byte, 1, 0); /* the subscriber has everything */
    zmq_close(ready);
    zmq_close(pub);
    return NULL;
}

static double
s_run_bare(void *context, int port)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    void *ready = zmq_socket(context, ZMQ_PAIR);
    zmq_bind(ready, "inproc://bench-fanout-ready");
    s_bare_t bare = {context, endpoint};
    pthread_t thread;
    pthread_create(&thread, NULL, s_bare_publisher, &bare);
    void *sub = zmq_socket(context, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "verbund.", 8);
    /* the PUB binds in its thread: retry the connect's first message by probing with a delay */
    zmq_connect(sub, endpoint);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the subscription reaches the PUB (no sequence to probe with) */
    zmq_send(ready, "", 1, 0);
    char buffer[512];
    int received = 0, expected = 0;
    double start = bench_now_seconds();
    while (received < COUNT) {
        zmq_recv(sub, buffer, sizeof buffer, 0); /* topic */
        int size = zmq_recv(sub, buffer, sizeof buffer, 0);
        int index;
        memcpy(&index, buffer, sizeof index);
        if (size != BARE_SIZE || index != expected)
            s_die("bare PUB/SUB lost or reordered a message");
        expected++;
        received++;
    }
    double elapsed = bench_now_seconds() - start;
    zmq_send(ready, "", 1, 0);
    pthread_join(thread, NULL);
    zmq_close(sub);
    zmq_close(ready);
    return COUNT / elapsed;
}

/* --- info: outbox rows -> relay -> the service's PUB -> vb_subscriber ------------------ */

typedef struct {
    uint64_t last; /* the last sequence delivered */
    long delivered;
    long out_of_order; /* a sequence that is not last + 1: undetected loss or a duplicate */
    size_t bytes;      /* size of the last CloudEvent, for the report */
} s_counter_t;

static int
s_on_event(void *arg, const vb_cloudevent_t *event)
{
    s_counter_t *counter = arg;
    uint64_t sequence = vb_cloudevent_sequence(event);
    if (sequence != counter->last + 1)
        counter->out_of_order++;
    counter->last = sequence;
    counter->delivered++;
    if (counter->bytes == 0) /* for the report; once, so the consumer costs what a light one does */
        counter->bytes = protobuf_c_message_get_packed_size(&event->base);
    return 0;
}

static double
s_run_relay(vb_db_t *db, vb_subscriber_t *subscriber, s_counter_t *counter)
{
    char count_text[16];
    snprintf(count_text, sizeof count_text, "%d", COUNT);
    const char *params[] = {count_text};
    long target = counter->delivered + COUNT;
    double start = bench_now_seconds();
    /* what vb_outbox appends, COUNT times, and the NOTIFY it sends */
    vb_status_t status = vb_db_begin(db);
    if (status == VB_STATUS_OK)
        status =
            vb_db_exec(db,
                       "INSERT INTO membership.outbox (id, type, subject, dataschema, data)"
                       " SELECT gen_random_uuid(), 'verbund.membership.person.created.v1', s::text,"
                       "  'verbund.membership.v1.PersonEvent', '\\x0a260a24'::bytea || "
                       "convert_to(s::text, 'UTF8')"
                       " FROM (SELECT gen_random_uuid() AS s FROM generate_series(1, $1::int8)) g",
                       params, 1, NULL, NULL, NULL);
    if (status == VB_STATUS_OK)
        status =
            vb_db_exec(db, "SELECT pg_notify('verbund_outbox', '')", NULL, 0, NULL, NULL, NULL);
    if (status == VB_STATUS_OK)
        status = vb_db_commit(db);
    if (status != VB_STATUS_OK)
        s_die(vb_db_error(db));
    double deadline = bench_now_seconds() + 60;
    while (counter->delivered < target) {
        if (vb_subscriber_process(subscriber, 100) < 0)
            s_die(vb_subscriber_error(subscriber));
        if (bench_now_seconds() > deadline)
            s_die("the subscriber did not receive every event within 60 s");
    }
    return COUNT / (bench_now_seconds() - start);
}

/* --- headline: committed log rows -> stream_publisher -> vb_subscriber ------------------ */

/* The rows one round publishes, as the relay holds them after its commit. */
typedef struct {
    stream_event_t *events;
    size_t count;
    vb_arena_t *arena; /* their types and CloudEvents */
} s_rows_t;

static int
s_on_log_row(void *arg, const vb_db_row_t *row)
{
    s_rows_t *rows = arg;
    stream_event_t *event = &rows->events[rows->count++];
    memset(event, 0, sizeof *event);
    event->sequence = (uint64_t)vb_db_row_int64(row, 0);
    event->type = vb_arena_strdup(rows->arena, vb_db_row_text(row, 1));
    size_t length = vb_db_row_length(row, 2);
    uint8_t *bytes = vb_arena_alloc(rows->arena, length ? length : 1);
    memcpy(bytes, vb_db_row_bytes(row, 2), length);
    event->cloudevent = bytes;
    event->cloudevent_length = length;
    return rows->count == COUNT; /* stop when full */
}

typedef struct {
    void *context;
    const char *endpoint;
    s_rows_t *rows; /* set by main before each "go" */
} s_publisher_args_t;

/* The publisher thread: owns the stream_publisher (objects do not cross threads). "go" on the
 * pipe publishes rows in relay-sized passes, each followed by a heartbeat; it answers "sent". */
static void *
s_publisher_thread(void *arg)
{
    s_publisher_args_t *args = arg;
    void *pipe = zmq_socket(args->context, ZMQ_PAIR);
    zmq_connect(pipe, "inproc://bench-fanout-publisher");
    stream_publisher_t *publisher =
        stream_publisher_new(args->endpoint, STREAM_DEFAULT_SEND_QUEUE, NULL, NULL, "bench");
    if (!publisher)
        s_die("cannot bind the publisher");
    vb_arena_t *scratch = vb_arena_new();
    bool subscribed = false;
    uint64_t newest = 0;
    for (;;) {
        zmq_pollitem_t items[] = {{pipe, 0, ZMQ_POLLIN, 0},
                                  {stream_publisher_handle(publisher), 0, ZMQ_POLLIN, 0}};
        int ready = zmq_poll(items, 2, HEARTBEAT_MS);
        if (ready == -1)
            break;
        if (ready == 0) {
            /* Idle, as the relay between wake-ups: its periodic heartbeat is how a subscriber
             * learns of a dropped tail. */
            if (newest > 0)
                stream_publisher_heartbeat(publisher, newest);
            continue;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            stream_publisher_subscriptions(publisher);
            if (!subscribed)
                zmq_send(pipe, "subscribed", 10, 0);
            subscribed = true;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            char command[16] = "";
            zmq_recv(pipe, command, sizeof command - 1, 0);
            if (strcmp(command, "go") != 0)
                break;
            s_rows_t *rows = args->rows;
            for (size_t first = 0; first < rows->count; first += RELAY_BATCH) {
                size_t end = first + RELAY_BATCH < rows->count ? first + RELAY_BATCH : rows->count;
                for (size_t i = first; i < end; i++)
                    stream_publisher_send(publisher, scratch, &rows->events[i]);
                newest = rows->events[end - 1].sequence;
                stream_publisher_heartbeat(publisher, newest);
            }
            zmq_send(pipe, "sent", 4, 0);
        }
    }
    vb_arena_destroy(&scratch);
    stream_publisher_destroy(&publisher);
    zmq_close(pipe);
    return NULL;
}

/* Loads the log rows after `after` (committed by the relay in this round's info run). */
static void
s_rows_load(vb_db_t *db, uint64_t after, s_rows_t *rows)
{
    vb_arena_destroy(&rows->arena);
    rows->arena = vb_arena_new();
    rows->count = 0;
    char after_text[24];
    snprintf(after_text, sizeof after_text, "%llu", (unsigned long long)after);
    const char *params[] = {after_text};
    if (vb_db_run_binary(db, "bench_log_rows", params, 1, s_on_log_row, rows, NULL) !=
            VB_STATUS_OK ||
        rows->count != COUNT)
        s_die("cannot read this round's log rows");
}

static double
s_run_publisher(void *pipe, vb_subscriber_t *subscriber, s_counter_t *counter, uint64_t last)
{
    double start = bench_now_seconds();
    zmq_send(pipe, "go", 2, 0);
    double deadline = start + 60;
    while (counter->last < last) {
        if (vb_subscriber_process(subscriber, 100) < 0)
            s_die(vb_subscriber_error(subscriber));
        if (bench_now_seconds() > deadline)
            s_die("the subscriber did not receive every event within 60 s");
    }
    double rate = COUNT / (bench_now_seconds() - start);
    char reply[8];
    zmq_recv(pipe, reply, sizeof reply, 0); /* "sent" */
    return rate;
}

static int
s_free_port(void)
{
    return 20000 + (int)(getpid() % 20000);
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    bench_node_start();
    static const vb_db_statement_t statements[] = {
        {"bench_log_rows",
         "SELECT sequence, type, cloudevent FROM log WHERE sequence > $1::int8 ORDER BY sequence"},
    };
    vb_db_options_t options = {.conninfo = getenv("VERBUND_DATABASE_URL"),
                               .schema = "stream",
                               .statements = statements,
                               .statement_count = 1};
    char err[512];
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db || vb_db_prepare_all(db, err, sizeof err) != 0)
        s_die(err);
    void *context = zmq_ctx_new();
    int port = s_free_port();

    /* the relay-inclusive subscriber, on the service's PUB socket */
    s_counter_t relay_counter = {0};
    vb_subscriber_options_t relay_options = {
        .pub_endpoint = getenv("VERBUND_STREAM_PUB_ENDPOINT"),
        .replay_endpoint = getenv("VERBUND_STREAM_REPLAY_ENDPOINT"),
        .receive_high_water_mark = 100000,
        .on_event = s_on_event,
        .arg = &relay_counter,
    };
    vb_subscriber_t *relay_subscriber = vb_subscriber_new(&relay_options);
    if (!relay_subscriber)
        s_die("cannot create the subscriber");
    (void)vb_subscriber_process(relay_subscriber, 500); /* connected and caught up */

    /* the measured subscriber, on the bench's stream_publisher; replay from the service */
    char publisher_endpoint[64];
    snprintf(publisher_endpoint, sizeof publisher_endpoint, "tcp://127.0.0.1:%d", port + ROUNDS);
    void *pipe = zmq_socket(context, ZMQ_PAIR);
    zmq_bind(pipe, "inproc://bench-fanout-publisher");
    s_rows_t rows = {.events = calloc(COUNT, sizeof(stream_event_t))};
    s_publisher_args_t publisher_args = {context, publisher_endpoint, &rows};
    pthread_t publisher_thread;
    pthread_create(&publisher_thread, NULL, s_publisher_thread, &publisher_args);
    s_counter_t counter = {0};
    vb_subscriber_options_t subscriber_options = relay_options;
    subscriber_options.pub_endpoint = publisher_endpoint;
    subscriber_options.arg = &counter;
    vb_subscriber_t *subscriber = vb_subscriber_new(&subscriber_options);
    if (!subscriber)
        s_die("cannot create the subscriber");
    char reply[16];
    zmq_recv(pipe, reply, sizeof reply, 0); /* "subscribed" */
    while (vb_subscriber_process(subscriber, 100) > 0)
        ; /* caught up with the log */
    counter.last = vb_subscriber_position(subscriber);
    counter.delivered = 0;
    uint64_t first_position = counter.last;

    double verbund[ROUNDS], reference[ROUNDS], relay[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        reference[round] = s_run_bare(context, port + round);
        uint64_t before = vb_subscriber_position(relay_subscriber);
        relay[round] = s_run_relay(db, relay_subscriber, &relay_counter);
        s_rows_load(db, before, &rows);
        verbund[round] = s_run_publisher(pipe, subscriber, &counter, before + COUNT);
        vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
        printf("info stream_fanout round %d: verbund publisher %.0f events/s, bare PUB/SUB %.0f "
               "msgs/s, relay-inclusive %.0f events/s (publisher path: live %llu, replayed "
               "%llu, gaps %llu)\n",
               round + 1, verbund[round], reference[round], relay[round],
               (unsigned long long)stats.live, (unsigned long long)stats.replayed,
               (unsigned long long)stats.gaps);
        fflush(stdout);
    }
    vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
    vb_subscriber_stats_t relay_stats = vb_subscriber_stats(relay_subscriber);
    uint64_t position = vb_subscriber_position(subscriber);
    bool lossless = counter.out_of_order == 0 && counter.delivered == ROUNDS * COUNT &&
                    counter.last == first_position + (uint64_t)ROUNDS * COUNT &&
                    relay_counter.out_of_order == 0;
    printf("info stream_fanout: publisher path %ld events delivered of %d published, position "
           "%llu, out of order or missing %ld, CloudEvent %zu bytes; subscriber stats: live "
           "%llu, replayed %llu, gaps detected %llu, duplicates skipped %llu; undetected loss: "
           "%s\n",
           counter.delivered, ROUNDS * COUNT, (unsigned long long)position, counter.out_of_order,
           counter.bytes, (unsigned long long)stats.live, (unsigned long long)stats.replayed,
           (unsigned long long)stats.gaps, (unsigned long long)stats.duplicates_skipped,
           lossless ? "none" : "YES");
    printf("info stream_fanout: relay-inclusive (outbox -> relay -> PUB -> subscriber) %.0f "
           "events/s median, bounded by the relay's PostgreSQL transaction; its subscriber: live "
           "%llu, replayed %llu, gaps %llu\n",
           bench_median(relay, ROUNDS), (unsigned long long)relay_stats.live,
           (unsigned long long)relay_stats.replayed, (unsigned long long)relay_stats.gaps);
    bench_report("stream_fanout", "events/s", bench_median(verbund, ROUNDS),
                 "bare ZeroMQ PUB/SUB, 200-byte messages", bench_median(reference, ROUNDS), 0.5);
    zmq_send(pipe, "stop", 4, 0);
    pthread_join(publisher_thread, NULL);
    zmq_close(pipe);
    vb_subscriber_destroy(&subscriber);
    vb_subscriber_destroy(&relay_subscriber);
    vb_arena_destroy(&rows.arena);
    free(rows.events);
    vb_db_destroy(&db);
    zmq_ctx_term(context);
    bench_node_stop();
    return lossless ? 0 : 1;
}
