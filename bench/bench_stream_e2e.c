/* bench_stream_e2e.c - end to end: 16 writer threads (a vb_rpc_client each) call
 * membership.PersonCreate; the outbox event is relayed into the log, published, and received
 * by one vb_subscriber. Against NATS JetStream: the benchmark starts Debian's nats-server
 * (-js, file store in a temporary directory, loopback, a free port), creates a file-backed
 * stream, 16 publisher threads do synchronous js_Publish of a payload the size of the
 * CloudEvent, and a fresh pull consumer created before the publishing receives all. Time is
 * first write to last event received, the same count, rounds interleaved, medians.
 * nats-server is stopped by its pid. Also in the same run, an info line with the ceiling the
 * verbund side is bound by: PostgreSQL writing the same creates (bench_pgbench.h) 16 per
 * pipelined transaction, as group commit does at best, and no relay - events/s end to end cannot
 * exceed it. Does not: measure replay (bench_stream_replay.c). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <nats/nats.h>

#include "bench_node.h"
#include "bench_pgbench.h"
#include "bench_report.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/subscriber.h"

#define WRITERS 16
#define COUNT 8000
#define ROUNDS 3
#define CREATED_TOPIC "verbund.membership.person.created.v1"
#define CEILING_SECONDS 3

static pid_t s_nats_pid;
static char s_nats_dir[256];
static atomic_long s_next; /* writes handed out in this round */
static atomic_long s_failures;
static size_t s_event_size = 450; /* a person.created CloudEvent, measured in round 1 */

static void
s_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

static void
s_nats_stop(void)
{
    if (s_nats_pid > 0) {
        kill(s_nats_pid, SIGTERM);
        waitpid(s_nats_pid, NULL, 0);
        s_nats_pid = 0;
        char line[512];
        snprintf(line, sizeof line, "rm -rf '%s'", s_nats_dir);
        if (system(line) != 0)
            fprintf(stderr, "bench: could not remove %s\n", s_nats_dir);
    }
}

/* --- verbund ------------------------------------------------------------------------------ */

typedef struct {
    const char *run_id;
    int index;
} s_writer_t;

static void *
s_writer(void *arg)
{
    s_writer_t *writer = arg;
    vb_rpc_client_options_t options = {.endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"),
                                       .attempt_timeout_ms = 10000,
                                       .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    if (!client)
        s_die("cannot create an RPC client");
    vb_rpc_call_options_t call = {
        .deadline_ms = 10000, .caller = bench_admin_caller(), .write = true};
    bench_person_t person;
    for (;;) {
        long n = atomic_fetch_add(&s_next, 1);
        if (n >= COUNT)
            break;
        char run[48];
        snprintf(run, sizeof run, "%s.%d", writer->run_id, writer->index);
        bench_person_fill(&person, run, n);
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status = vb_rpc_client_call(client, "membership.PersonCreate",
                                                &person.request.base, &call, &reply);
        if (status != VB_STATUS_CREATED)
            atomic_fetch_add(&s_failures, 1);
        if (reply)
            vb_rpc_reply_free(reply);
    }
    vb_rpc_client_destroy(&client);
    return NULL;
}

typedef struct {
    long received;
    uint64_t last;
    long out_of_order;
} s_counter_t;

static int
s_on_event(void *arg, const vb_cloudevent_t *event)
{
    s_counter_t *counter = arg;
    uint64_t sequence = vb_cloudevent_sequence(event);
    if (sequence <= counter->last)
        counter->out_of_order++;
    counter->last = sequence;
    counter->received++;
    s_event_size = protobuf_c_message_get_packed_size(&event->base);
    return 0;
}

static double
s_run_verbund(vb_subscriber_t *subscriber, s_counter_t *counter, const char *run_id, int round)
{
    atomic_store(&s_next, 0);
    long target = counter->received + COUNT;
    pthread_t threads[WRITERS];
    s_writer_t writers[WRITERS];
    char run[40];
    snprintf(run, sizeof run, "%s.r%d", run_id, round);
    double start = bench_now_seconds();
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (s_writer_t){run, i};
        pthread_create(&threads[i], NULL, s_writer, &writers[i]);
    }
    double deadline = start + 80;
    while (counter->received < target) {
        if (vb_subscriber_process(subscriber, 100) < 0)
            s_die(vb_subscriber_error(subscriber));
        if (bench_now_seconds() > deadline)
            s_die("the subscriber did not receive every event in time");
    }
    double elapsed = bench_now_seconds() - start;
    for (int i = 0; i < WRITERS; i++)
        pthread_join(threads[i], NULL);
    if (atomic_load(&s_failures) > 0)
        s_die("a PersonCreate failed");
    return COUNT / elapsed;
}

/* --- NATS JetStream ------------------------------------------------------------------------ */

static int
s_free_port(void)
{
    return 30000 + (int)(getpid() % 20000);
}

static natsConnection *
s_nats_start(const char *url, int port)
{
    snprintf(s_nats_dir, sizeof s_nats_dir, "/tmp/verbund-bench-nats-XXXXXX");
    if (!mkdtemp(s_nats_dir))
        s_die("mkdtemp");
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    s_nats_pid = fork();
    if (s_nats_pid == 0) {
        char log_path[300];
        snprintf(log_path, sizeof log_path, "%s/nats.log", s_nats_dir);
        if (!freopen(log_path, "w", stdout) || !freopen(log_path, "a", stderr))
            _exit(126);
        execlp("nats-server", "nats-server", "-js", "-sd", s_nats_dir, "-a", "127.0.0.1", "-p",
               port_text, (char *)NULL);
        _exit(127);
    }
    if (s_nats_pid < 0)
        s_die("fork");
    atexit(s_nats_stop);
    natsConnection *connection = NULL;
    double deadline = bench_now_seconds() + 10;
    while (natsConnection_ConnectTo(&connection, url) != NATS_OK) {
        if (bench_now_seconds() > deadline)
            s_die("nats-server did not come up (is the nats-server package installed?)");
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return connection;
}

typedef struct {
    const char *url;
    const char *subject;
    size_t size;
} s_publisher_t;

static void *
s_publisher(void *arg)
{
    s_publisher_t *publisher = arg;
    natsConnection *connection = NULL;
    jsCtx *js = NULL;
    if (natsConnection_ConnectTo(&connection, publisher->url) != NATS_OK ||
        natsConnection_JetStream(&js, connection, NULL) != NATS_OK)
        s_die("NATS publisher cannot connect");
    char *payload = malloc(publisher->size);
    memset(payload, 'x', publisher->size);
    for (;;) {
        long n = atomic_fetch_add(&s_next, 1);
        if (n >= COUNT)
            break;
        memcpy(payload, &n, sizeof n);
        jsErrCode error = 0;
        if (js_Publish(NULL, js, publisher->subject, payload, (int)publisher->size, NULL, &error) !=
            NATS_OK)
            atomic_fetch_add(&s_failures, 1);
    }
    free(payload);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    return NULL;
}

static double
s_run_nats(jsCtx *js, const char *url, int round)
{
    char subject[32], durable[32];
    snprintf(subject, sizeof subject, "bench.r%d", round);
    snprintf(durable, sizeof durable, "fresh%d", round);
    jsSubOptions sub_options;
    jsSubOptions_Init(&sub_options);
    sub_options.Config.AckPolicy = js_AckNone;
    natsSubscription *subscription = NULL;
    jsErrCode error = 0;
    if (js_PullSubscribe(&subscription, js, subject, durable, NULL, &sub_options, &error) !=
        NATS_OK)
        s_die("js_PullSubscribe failed");
    atomic_store(&s_next, 0);
    pthread_t threads[WRITERS];
    s_publisher_t publisher = {url, subject, s_event_size};
    double start = bench_now_seconds();
    for (int i = 0; i < WRITERS; i++)
        pthread_create(&threads[i], NULL, s_publisher, &publisher);
    long received = 0;
    double deadline = start + 80;
    while (received < COUNT) {
        natsMsgList list = {0};
        natsStatus status = natsSubscription_Fetch(&list, subscription, 256, 100, &error);
        if (status == NATS_OK)
            received += list.Count;
        natsMsgList_Destroy(&list);
        if (bench_now_seconds() > deadline)
            s_die("the NATS consumer did not receive every message in time");
    }
    double elapsed = bench_now_seconds() - start;
    for (int i = 0; i < WRITERS; i++)
        pthread_join(threads[i], NULL);
    natsSubscription_Unsubscribe(subscription);
    natsSubscription_Destroy(subscription);
    if (atomic_load(&s_failures) > 0)
        s_die("a js_Publish failed");
    return COUNT / elapsed;
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    char pgbench[512];
    bench_pgbench_path(pgbench, sizeof pgbench);
    bench_node_start();
    bench_scratch_create();
    char ceiling_path[512];
    bench_pgbench_batch_file(s_node_dir, "stream_e2e_ceiling.sql", WRITERS, "pge", ceiling_path,
                             sizeof ceiling_path);
    int port = s_free_port();
    char url[64];
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
    natsConnection *connection = s_nats_start(url, port);
    jsCtx *js = NULL;
    if (natsConnection_JetStream(&js, connection, NULL) != NATS_OK)
        s_die("no JetStream context");
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char *subjects[] = {"bench.>"};
    config.Name = "BENCH";
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    jsErrCode error = 0;
    if (js_AddStream(NULL, js, &config, NULL, &error) != NATS_OK)
        s_die("js_AddStream failed");

    s_counter_t counter = {0};
    const char *topics[] = {CREATED_TOPIC};
    vb_subscriber_options_t subscriber_options = {
        .pub_endpoint = getenv("VERBUND_STREAM_PUB_ENDPOINT"),
        .replay_endpoint = getenv("VERBUND_STREAM_REPLAY_ENDPOINT"),
        .topic_prefixes = topics,
        .topic_prefix_count = 1,
        .receive_high_water_mark = 100000,
        .on_event = s_on_event,
        .arg = &counter,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&subscriber_options);
    if (!subscriber)
        s_die("cannot create the subscriber");
    (void)vb_subscriber_process(subscriber, 500);
    char run_id[32];
    bench_run_id(run_id, sizeof run_id);

    double verbund[ROUNDS], reference[ROUNDS], ceiling[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        verbund[round] = s_run_verbund(subscriber, &counter, run_id, round);
        reference[round] = s_run_nats(js, url, round);
        ceiling[round] = WRITERS * bench_pgbench_run(pgbench, ceiling_path, CEILING_SECONDS);
        printf("info stream_e2e round %d: verbund %.0f events/s, NATS JetStream %.0f msgs/s "
               "(%zu-byte messages), PostgreSQL ceiling %.0f creates/s\n",
               round + 1, verbund[round], reference[round], s_event_size, ceiling[round]);
        fflush(stdout);
    }
    vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
    printf("info stream_e2e: %ld events received of %d written, out of order %ld; subscriber "
           "live %llu, replayed %llu, gaps %llu\n",
           counter.received, ROUNDS * COUNT, counter.out_of_order, (unsigned long long)stats.live,
           (unsigned long long)stats.replayed, (unsigned long long)stats.gaps);
    double ceiling_median = bench_median(ceiling, ROUNDS);
    double reference_median = bench_median(reference, ROUNDS);
    printf("info stream_e2e ceiling: pgbench -M prepared -c 1 writing the same creates %d per "
           "pipelined transaction (no relay, no subscriber): %.0f creates/s = %.2fx NATS "
           "JetStream here; verbund reaches %.0f%% of it end to end\n",
           WRITERS, ceiling_median, reference_median > 0 ? ceiling_median / reference_median : 0.0,
           ceiling_median > 0 ? 100.0 * bench_median(verbund, ROUNDS) / ceiling_median : 0.0);
    bench_report("stream_e2e", "events/s", bench_median(verbund, ROUNDS),
                 "NATS JetStream file stream, 16 sync publishers, fresh consumer",
                 bench_median(reference, ROUNDS), 1.0);
    vb_subscriber_destroy(&subscriber);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    s_nats_stop();
    nats_Close();
    bench_scratch_drop();
    bench_node_stop();
    return 0;
}
