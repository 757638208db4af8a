/* test_subscriber_fake_stream.c - unit tests of vb/subscriber.h against a fake stream in this process: an
 * XPUB socket the test publishes on (it sees the subscription arrive, so nothing is lost to the
 * slow-joiner race unless a test wants it) and a ROUTER actor answering stream.Read / stream.Head
 * from an in-memory log. Covers catch-up, direct live delivery, gap filling, heartbeats, topic
 * filters, the position file, SNAPSHOT_REQUIRED and an unreachable replay socket.
 * Does not: test the real stream service (tests/integration/test_subscriber.c does). */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/arena.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/subscriber.h"

#define S_LOG_CAPACITY 256
#define S_PERSON_TOPIC "verbund.membership.person.created.v1"
#define S_ORG_TOPIC "verbund.membership.organization.created.v1"

/* The fake log: sequence i+1 at index i; odd sequences are person events, even ones
 * organisation events. Shared with the ROUTER actor (guarded by lock). */
typedef struct {
    vb_arena_t *arena;
    vb_cloudevent_t *events[S_LOG_CAPACITY];
    uint64_t newest;
    uint64_t oldest; /* retention: sequences below it are gone */
    int reads;       /* stream.Read calls answered */
    pthread_mutex_t lock;
} s_log_t;

typedef struct {
    s_log_t log;
    zactor_t *replay;
    zsock_t *pub;
    char pub_endpoint[64];
    char replay_endpoint[64];
    char position_file[128];
    /* what the subscriber delivered */
    uint64_t delivered[S_LOG_CAPACITY * 2];
    size_t delivered_count;
    int stop_after; /* on_event returns 1 when delivered_count reaches it; 0 = never */
} s_fixture_t;

static const char *
s_topic_of(uint64_t sequence)
{
    return sequence % 2 ? S_PERSON_TOPIC : S_ORG_TOPIC;
}

/* Appends events up to sequence newest. */
static void
s_log_append(s_log_t *log, uint64_t newest)
{
    pthread_mutex_lock(&log->lock);
    for (uint64_t sequence = log->newest + 1; sequence <= newest; sequence++) {
        char id[64];
        snprintf(id, sizeof id, "0190000-0000-7000-8000-%012" PRIu64, sequence);
        vb_cloudevent_fields_t fields = {
            .id = id,
            .source = "//verbund/test/membership",
            .type = s_topic_of(sequence),
            .subject = "subject",
            .time_unix_us = vb_clock_now_us(),
            .sequence = sequence,
            .dataschema = "verbund.membership.v1.PersonEvent",
            .data = (const uint8_t *)"",
            .data_length = 0,
        };
        log->events[sequence - 1] = vb_cloudevent_build(log->arena, &fields);
        assert_non_null(log->events[sequence - 1]);
    }
    if (newest > log->newest)
        log->newest = newest;
    if (log->oldest == 0 && log->newest > 0)
        log->oldest = 1;
    pthread_mutex_unlock(&log->lock);
}

static bool
s_matches(const char *type, char **prefixes, size_t count)
{
    if (count == 0)
        return true;
    for (size_t i = 0; i < count; i++)
        if (strncmp(type, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* Answers one Envelope with a packed Reply in *reply_frame. */
static zframe_t *
s_answer(s_log_t *log, const Verbund__Rpc__V1__Envelope *envelope)
{
    Verbund__Rpc__V1__Reply reply = VERBUND__RPC__V1__REPLY__INIT;
    reply.request_id = envelope->request_id;
    reply.status = VERBUND__RPC__V1__STATUS__STATUS_OK;
    uint8_t *body = NULL;
    pthread_mutex_lock(&log->lock);
    if (strcmp(envelope->method, "stream.Read") == 0) {
        log->reads++;
        Verbund__Stream__V1__ReadRequest *request = verbund__stream__v1__read_request__unpack(
            NULL, envelope->body.len, envelope->body.data);
        assert_non_null(request);
        Verbund__Stream__V1__ReadReply read = VERBUND__STREAM__V1__READ_REPLY__INIT;
        vb_cloudevent_t *events[S_LOG_CAPACITY];
        uint32_t limit = request->limit ? request->limit : 500;
        read.events = events;
        read.newest_sequence = log->newest;
        read.oldest_sequence = log->oldest;
        read.scanned_through = request->after;
        if (log->oldest > 0 && request->after + 1 < log->oldest) {
            reply.status = VERBUND__RPC__V1__STATUS__STATUS_SNAPSHOT_REQUIRED;
            reply.message = (char *)"position older than retention";
        } else {
            for (uint64_t s = request->after + 1; s <= log->newest; s++) {
                if (read.n_events == limit)
                    break;
                read.scanned_through = s;
                if (s_matches(log->events[s - 1]->type, request->topic_prefixes,
                              request->n_topic_prefixes))
                    read.events[read.n_events++] = log->events[s - 1];
            }
            if (read.scanned_through < log->newest && read.n_events < limit)
                read.scanned_through = log->newest;
            body = malloc(verbund__stream__v1__read_reply__get_packed_size(&read) + 1);
            reply.body.len = verbund__stream__v1__read_reply__pack(&read, body);
            reply.body.data = body;
        }
        verbund__stream__v1__read_request__free_unpacked(request, NULL);
    } else if (strcmp(envelope->method, "stream.Head") == 0) {
        Verbund__Stream__V1__HeadReply head = VERBUND__STREAM__V1__HEAD_REPLY__INIT;
        head.newest_sequence = log->newest;
        head.oldest_sequence = log->oldest;
        body = malloc(verbund__stream__v1__head_reply__get_packed_size(&head) + 1);
        reply.body.len = verbund__stream__v1__head_reply__pack(&head, body);
        reply.body.data = body;
    } else {
        reply.status = VERBUND__RPC__V1__STATUS__STATUS_UNKNOWN_METHOD;
    }
    pthread_mutex_unlock(&log->lock);
    zframe_t *frame = zframe_new(NULL, verbund__rpc__v1__reply__get_packed_size(&reply));
    verbund__rpc__v1__reply__pack(&reply, zframe_data(frame));
    free(body);
    return frame;
}

/* The replay side: a ROUTER bound to the endpoint in the first message on the pipe. */
static void
s_replay_actor(zsock_t *pipe, void *arg)
{
    s_log_t *log = arg;
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    assert_true(port > 0);
    zsock_signal(pipe, 0);
    zstr_sendf(pipe, "tcp://127.0.0.1:%d", port);
    zpoller_t *poller = zpoller_new(pipe, router, NULL);
    for (;;) {
        void *which = zpoller_wait(poller, -1);
        if (which == pipe || !which)
            break;
        zmsg_t *msg = zmsg_recv(router);
        if (!msg)
            break;
        zframe_t *identity = zmsg_pop(msg);
        zframe_t *frame = zmsg_pop(msg);
        Verbund__Rpc__V1__Envelope *envelope =
            verbund__rpc__v1__envelope__unpack(NULL, zframe_size(frame), zframe_data(frame));
        if (envelope) {
            zmsg_t *out = zmsg_new();
            zmsg_append(out, &identity);
            zframe_t *answer = s_answer(log, envelope);
            zmsg_append(out, &answer);
            zmsg_send(&out, router);
            verbund__rpc__v1__envelope__free_unpacked(envelope, NULL);
        }
        zframe_destroy(&identity);
        zframe_destroy(&frame);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&router);
}

static int
s_setup(void **state)
{
    s_fixture_t *fixture = calloc(1, sizeof *fixture);
    fixture->log.arena = vb_arena_new();
    pthread_mutex_init(&fixture->log.lock, NULL);
    fixture->replay = zactor_new(s_replay_actor, &fixture->log);
    char *endpoint = zstr_recv(fixture->replay);
    snprintf(fixture->replay_endpoint, sizeof fixture->replay_endpoint, "%s", endpoint);
    zstr_free(&endpoint);
    fixture->pub = zsock_new(ZMQ_XPUB);
    /* Every subscription is passed up, also one a subscriber that is going away still holds. */
    zsock_set_xpub_verbose(fixture->pub, 1);
    int port = zsock_bind(fixture->pub, "tcp://127.0.0.1:*");
    assert_true(port > 0);
    snprintf(fixture->pub_endpoint, sizeof fixture->pub_endpoint, "tcp://127.0.0.1:%d", port);
    snprintf(fixture->position_file, sizeof fixture->position_file,
             "/tmp/vb-test-subscriber-%d.pos", (int)getpid());
    unlink(fixture->position_file);
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    zactor_destroy(&fixture->replay);
    zsock_destroy(&fixture->pub);
    vb_arena_destroy(&fixture->log.arena);
    pthread_mutex_destroy(&fixture->log.lock);
    unlink(fixture->position_file);
    free(fixture);
    return 0;
}

static int
s_on_event(void *arg, const vb_cloudevent_t *event)
{
    s_fixture_t *fixture = arg;
    assert_true(fixture->delivered_count < VB_ARRAY_SIZE(fixture->delivered));
    fixture->delivered[fixture->delivered_count++] = vb_cloudevent_sequence(event);
    return fixture->stop_after > 0 && (int)fixture->delivered_count >= fixture->stop_after;
}

static vb_subscriber_t *
s_subscriber(s_fixture_t *fixture, const char *const *prefixes, size_t prefix_count,
             uint64_t start_after)
{
    vb_subscriber_options_t options = {
        .pub_endpoint = fixture->pub_endpoint,
        .replay_endpoint = fixture->replay_endpoint,
        .topic_prefixes = prefixes,
        .topic_prefix_count = prefix_count,
        .position_file = fixture->position_file,
        .start_after = start_after,
        .replay_batch = 7, /* several reads per catch-up */
        .on_event = s_on_event,
        .arg = fixture,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&options);
    assert_non_null(subscriber);
    /* Wait until the XPUB has seen the subscriptions (one per prefix plus the heartbeat). */
    size_t expected = prefix_count ? prefix_count + 1 : 1;
    for (size_t seen = 0; seen < expected;) {
        zframe_t *frame = NULL;
        zpoller_t *poller = zpoller_new(fixture->pub, NULL);
        void *which = zpoller_wait(poller, 5000);
        zpoller_destroy(&poller);
        assert_non_null(which);
        frame = zframe_recv(fixture->pub);
        assert_non_null(frame);
        if (zframe_size(frame) >= 1 && zframe_data(frame)[0] == 1)
            seen++;
        zframe_destroy(&frame);
    }
    return subscriber;
}

static void
s_publish(s_fixture_t *fixture, uint64_t sequence)
{
    vb_cloudevent_t *event = fixture->log.events[sequence - 1];
    size_t size = io__cloudevents__v1__cloud_event__get_packed_size(event);
    zframe_t *body = zframe_new(NULL, size);
    io__cloudevents__v1__cloud_event__pack(event, zframe_data(body));
    zstr_sendm(fixture->pub, event->type);
    zframe_send(&body, fixture->pub, 0);
}

static void
s_publish_heartbeat(s_fixture_t *fixture, uint64_t newest)
{
    Verbund__Stream__V1__Heartbeat heartbeat = VERBUND__STREAM__V1__HEARTBEAT__INIT;
    heartbeat.newest_sequence = newest;
    heartbeat.node_id = (char *)"test";
    zframe_t *body = zframe_new(NULL, verbund__stream__v1__heartbeat__get_packed_size(&heartbeat));
    verbund__stream__v1__heartbeat__pack(&heartbeat, zframe_data(body));
    zstr_sendm(fixture->pub, VB_STREAM_HEARTBEAT_TOPIC);
    zframe_send(&body, fixture->pub, 0);
}

/* Processes until the position reaches target (5 s at most). */
static void
s_process_until(vb_subscriber_t *subscriber, uint64_t target)
{
    int64_t deadline = vb_clock_monotonic_us() + 5000000;
    while (vb_subscriber_position(subscriber) < target) {
        assert_true(vb_clock_monotonic_us() < deadline);
        assert_int_not_equal(vb_subscriber_process(subscriber, 50), -1);
    }
}

static void
s_assert_delivered(const s_fixture_t *fixture, uint64_t first, uint64_t last, uint64_t step)
{
    size_t i = 0;
    for (uint64_t s = first; s <= last; s += step, i++) {
        assert_true(i < fixture->delivered_count);
        assert_int_equal(fixture->delivered[i], s);
    }
    assert_int_equal(fixture->delivered_count, i);
}

static void
test_catch_up_live_and_gap(void **state)
{
    s_fixture_t *fixture = *state;
    s_log_append(&fixture->log, 20);
    vb_subscriber_t *subscriber = s_subscriber(fixture, NULL, 0, 0);

    assert_int_equal(vb_subscriber_process(subscriber, 0), 20); /* catch-up, 3 reads */
    assert_int_equal(vb_subscriber_position(subscriber), 20);

    /* 21 live, directly. */
    int reads = fixture->log.reads;
    s_log_append(&fixture->log, 21);
    s_publish(fixture, 21);
    s_process_until(subscriber, 21);
    assert_int_equal(fixture->log.reads, reads);
    vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
    assert_int_equal(stats.live, 1);
    assert_int_equal(stats.gaps, 0);

    /* 22 and 23 dropped, 24 arrives: the gap is read, then 24 delivered. A repeat of 24 is a
     * duplicate. */
    s_log_append(&fixture->log, 24);
    s_publish(fixture, 24);
    s_publish(fixture, 24);
    s_process_until(subscriber, 24);
    assert_int_equal(vb_subscriber_process(subscriber, 100), 0);
    stats = vb_subscriber_stats(subscriber);
    assert_int_equal(stats.gaps, 1);
    assert_int_equal(stats.duplicates_skipped, 1);
    assert_int_equal(stats.replayed, 20 + 3); /* 24 itself came with the read */

    /* Dropped 25..26 with nothing after them: the heartbeat announces them. */
    s_log_append(&fixture->log, 26);
    s_publish_heartbeat(fixture, 26);
    s_process_until(subscriber, 26);
    assert_int_equal(vb_subscriber_stats(subscriber).gaps, 2);

    s_assert_delivered(fixture, 1, 26, 1);
    vb_subscriber_destroy(&subscriber);
    assert_null(subscriber);
}

static void
test_topic_filter_advances_past_others(void **state)
{
    s_fixture_t *fixture = *state;
    s_log_append(&fixture->log, 30);
    const char *prefixes[] = {"verbund.membership.person."};
    vb_subscriber_t *subscriber = s_subscriber(fixture, prefixes, 1, 0);
    assert_int_equal(vb_subscriber_process(subscriber, 0), 15);
    assert_int_equal(vb_subscriber_position(subscriber), 30);

    /* 31 (person) live is the next sequence: delivered without a read. 32 (organisation) is
     * not published to us; 33 (person) needs a read to learn that 32 was not ours. */
    s_log_append(&fixture->log, 33);
    s_publish(fixture, 31);
    s_process_until(subscriber, 31);
    s_publish(fixture, 33);
    s_process_until(subscriber, 33);
    assert_int_equal(vb_subscriber_stats(subscriber).gaps, 0);

    /* Organisation events only: the heartbeat moves the position past them. */
    s_log_append(&fixture->log, 34);
    s_publish_heartbeat(fixture, 34);
    s_process_until(subscriber, 34);
    s_assert_delivered(fixture, 1, 33, 2);
    vb_subscriber_destroy(&subscriber);
}

static void
test_position_file_resumes(void **state)
{
    s_fixture_t *fixture = *state;
    s_log_append(&fixture->log, 10);
    fixture->stop_after = 4;
    vb_subscriber_t *subscriber = s_subscriber(fixture, NULL, 0, 0);
    assert_int_equal(vb_subscriber_process(subscriber, 0), 4); /* stopped by the consumer */
    assert_int_equal(vb_subscriber_position(subscriber), 4);
    vb_subscriber_destroy(&subscriber);

    FILE *file = fopen(fixture->position_file, "r");
    assert_non_null(file);
    char text[32] = "";
    assert_non_null(fgets(text, sizeof text, file));
    fclose(file);
    assert_string_equal(text, "4\n");

    /* start_after is ignored when the file exists. */
    fixture->stop_after = 0;
    subscriber = s_subscriber(fixture, NULL, 0, 0);
    assert_int_equal(vb_subscriber_position(subscriber), 4);
    assert_int_equal(vb_subscriber_process(subscriber, 0), 6);
    s_assert_delivered(fixture, 1, 10, 1);
    vb_subscriber_destroy(&subscriber);
}

static void
test_snapshot_required(void **state)
{
    s_fixture_t *fixture = *state;
    s_log_append(&fixture->log, 10);
    fixture->log.oldest = 6;
    vb_subscriber_t *subscriber = s_subscriber(fixture, NULL, 0, 2);
    assert_int_equal(vb_subscriber_process(subscriber, 0), -1);
    assert_int_equal(vb_subscriber_status(subscriber), VB_STATUS_SNAPSHOT_REQUIRED);
    assert_non_null(strstr(vb_subscriber_error(subscriber), "snapshot"));
    assert_int_equal(fixture->delivered_count, 0);

    /* After a snapshot up to 5 the consumer resets and goes on. */
    vb_subscriber_reset(subscriber, 5);
    assert_int_equal(vb_subscriber_process(subscriber, 0), 5);
    s_assert_delivered(fixture, 6, 10, 1);
    vb_subscriber_destroy(&subscriber);
}

static void
test_replay_unavailable(void **state)
{
    s_fixture_t *fixture = *state;
    /* An IPC path nobody binds: unlike a TCP port given back to the kernel, no other process
     * running at the same time can start listening there. */
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "ipc:///tmp/vb-test-no-replay-%d-%u", (int)getpid(),
             (unsigned)rand());
    vb_subscriber_options_t options = {
        .pub_endpoint = fixture->pub_endpoint,
        .replay_endpoint = endpoint,
        .on_event = s_on_event,
        .arg = fixture,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&options);
    assert_non_null(subscriber);
    assert_int_equal(vb_subscriber_process(subscriber, 0), -1);
    assert_int_equal(vb_subscriber_status(subscriber), VB_STATUS_UNAVAILABLE);
    vb_subscriber_destroy(&subscriber);
}

static void
test_bad_position_file(void **state)
{
    s_fixture_t *fixture = *state;
    FILE *file = fopen(fixture->position_file, "w");
    assert_non_null(file);
    fputs("not a number\n", file);
    fclose(file);
    vb_subscriber_options_t options = {
        .pub_endpoint = fixture->pub_endpoint,
        .replay_endpoint = fixture->replay_endpoint,
        .position_file = fixture->position_file,
        .on_event = s_on_event,
        .arg = fixture,
    };
    assert_null(vb_subscriber_new(&options));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_catch_up_live_and_gap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_topic_filter_advances_past_others, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_position_file_resumes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_required, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_replay_unavailable, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_position_file, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
