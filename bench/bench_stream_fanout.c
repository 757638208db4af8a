/* bench_stream_fanout.c - live fan-out: events written in bulk into membership.outbox (SQL, one
 * transaction per round), moved by the stream service's relay into the log and published on
 * its PUB socket, received in order by one vb_subscriber; against bare ZeroMQ PUB/SUB over
 * loopback TCP sending [topic][200 bytes] frames, the same count, rounds interleaved, medians.
 * Loss: the subscriber must deliver every sequence exactly once in order (checked per event),
 * and its stats say how much came live and how much from replay after a detected gap.
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

#define COUNT 50000
#define ROUNDS 3
#define BARE_SIZE 200
#define TOPIC "verbund.membership.person.created.v1"

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

/* --- verbund: outbox rows -> relay -> PUB -> vb_subscriber ------------------------------ */

typedef struct {
    uint64_t last;       /* the last sequence delivered */
    long delivered;
    long out_of_order;   /* a sequence that is not last + 1: undetected loss or a duplicate */
    size_t bytes;        /* size of the last CloudEvent, for the report */
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
    counter->bytes = protobuf_c_message_get_packed_size(&event->base);
    return 0;
}

static double
s_run_verbund(vb_db_t *db, vb_subscriber_t *subscriber, s_counter_t *counter)
{
    char count_text[16];
    snprintf(count_text, sizeof count_text, "%d", COUNT);
    const char *params[] = {count_text};
    long target = counter->delivered + COUNT;
    double start = bench_now_seconds();
    /* what vb_outbox appends, COUNT times, and the NOTIFY it sends */
    vb_status_t status = vb_db_begin(db);
    if (status == VB_STATUS_OK)
        status = vb_db_exec(
            db,
            "INSERT INTO membership.outbox (id, type, subject, dataschema, data)"
            " SELECT gen_random_uuid(), 'verbund.membership.person.created.v1', s::text,"
            "  'verbund.membership.v1.PersonEvent', '\\x0a260a24'::bytea || convert_to(s::text, 'UTF8')"
            " FROM (SELECT gen_random_uuid() AS s FROM generate_series(1, $1::int8)) g",
            params, 1, NULL, NULL, NULL);
    if (status == VB_STATUS_OK)
        status = vb_db_exec(db, "SELECT pg_notify('verbund_outbox', '')", NULL, 0, NULL, NULL,
                            NULL);
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

static int
s_free_port(void)
{
    return 20000 + (int) (getpid() % 20000);
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    bench_node_start();
    vb_db_options_t options = {.conninfo = getenv("VERBUND_DATABASE_URL"), .schema = "stream"};
    char err[512];
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db)
        s_die(err);
    s_counter_t counter = {0};
    vb_subscriber_options_t subscriber_options = {
        .pub_endpoint = getenv("VERBUND_STREAM_PUB_ENDPOINT"),
        .replay_endpoint = getenv("VERBUND_STREAM_REPLAY_ENDPOINT"),
        .receive_high_water_mark = 100000,
        .on_event = s_on_event,
        .arg = &counter,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&subscriber_options);
    if (!subscriber)
        s_die("cannot create the subscriber");
    (void) vb_subscriber_process(subscriber, 500); /* connected and caught up */
    void *context = zmq_ctx_new();
    int port = s_free_port();

    double verbund[ROUNDS], reference[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        reference[round] = s_run_bare(context, port + round);
        verbund[round] = s_run_verbund(db, subscriber, &counter);
        vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
        printf("info stream_fanout round %d: verbund %.0f events/s, bare PUB/SUB %.0f msgs/s "
               "(live %llu, replayed %llu, gaps %llu)\n",
               round + 1, verbund[round], reference[round], (unsigned long long) stats.live,
               (unsigned long long) stats.replayed, (unsigned long long) stats.gaps);
        fflush(stdout);
    }
    vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
    uint64_t position = vb_subscriber_position(subscriber);
    printf("info stream_fanout: %ld events delivered of %d written, last sequence %llu, position "
           "%llu, out of order or missing %ld, CloudEvent %zu bytes; subscriber stats: live %llu, "
           "replayed %llu, gaps detected %llu, duplicates skipped %llu; undetected loss: %s\n",
           counter.delivered, ROUNDS * COUNT, (unsigned long long) counter.last,
           (unsigned long long) position, counter.out_of_order, counter.bytes,
           (unsigned long long) stats.live, (unsigned long long) stats.replayed,
           (unsigned long long) stats.gaps, (unsigned long long) stats.duplicates_skipped,
           counter.out_of_order == 0 && counter.delivered == ROUNDS * COUNT &&
                   counter.last == (uint64_t) ROUNDS * COUNT
               ? "none"
               : "YES");
    bench_report("stream_fanout", "events/s", bench_median(verbund, ROUNDS),
                 "bare ZeroMQ PUB/SUB, 200-byte messages", bench_median(reference, ROUNDS), 0.5);
    vb_subscriber_destroy(&subscriber);
    vb_db_destroy(&db);
    zmq_ctx_term(context);
    bench_node_stop();
    return 0;
}
