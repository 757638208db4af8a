/* test_rpc_batch.c - passes and batch hooks of the RPC server, driven on one thread over inproc:
 * the order of hooks and handlers, replies held until batch_end, failing begin/commit, replayed
 * replies, max_batch, draining (not accepting) and replies to vanished peers.
 * Does not: use the RPC client (test_rpc.c) or malformed frames (test_rpc_faults.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "vb/clock.h"
#include "vb/metrics.h"
#include "vb/rpc_client.h"
#include "vb/rpc_server.h"

typedef Verbund__Common__V1__StringValue string_value_t;

#define S_MAX_EVENTS 64

/* What hooks and handlers did, in order. */
static char s_events[S_MAX_EVENTS][48];
static int s_event_count;
static int s_batch_begin_result;
static int s_batch_end_result;
static zsock_t *s_dealer; /* the test's client, checked for early replies in batch_end */
static const uint8_t s_replayed_body[] = {0x0a, 0x03, 'o', 'l', 'd'}; /* StringValue "old" */

static void
s_event(const char *fmt, ...)
{
    assert_true(s_event_count < S_MAX_EVENTS);
    va_list args;
    va_start(args, fmt);
    vsnprintf(s_events[s_event_count++], sizeof(s_events[0]), fmt, args);
    va_end(args);
}

static const char *
s_value(const vb_rpc_call_t *call)
{
    return ((const string_value_t *)call->request)->value;
}

/* --- handlers --- */

static vb_status_t
s_handle_write(void *context, vb_rpc_call_t *call)
{
    (void)context;
    s_event("write:%s%s", s_value(call), call->in_batch ? "" : ":no-batch");
    string_value_t *out =
        vb_arena_message(call->arena, &verbund__common__v1__string_value__descriptor);
    out->value = vb_arena_strdup(call->arena, s_value(call));
    call->reply = &out->base;
    return VB_STATUS_CREATED;
}

static vb_status_t
s_handle_read(void *context, vb_rpc_call_t *call)
{
    (void)context;
    s_event("read:%s%s", s_value(call), call->in_batch ? ":in-batch" : "");
    return VB_STATUS_OK;
}

static vb_rpc_server_t *s_server; /* the server under test, for test.Vanish */

/* Closes the caller's socket, then waits until the ROUTER no longer routes to it (probing with
 * throw-away frames), so that the reply of this call cannot be delivered. */
static vb_status_t
s_handle_vanish(void *context, vb_rpc_call_t *call)
{
    (void)context;
    (void)call;
    zsock_destroy(&s_dealer);
    void *router = zsock_resolve(vb_rpc_server_socket(s_server));
    int64_t end_us = vb_clock_monotonic_us() + 5 * 1000 * 1000;
    while (vb_clock_monotonic_us() < end_us) {
        if (zmq_send(router, "vanish", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1) {
            s_event("peer_gone");
            break;
        }
        zmq_send(router, "", 0, ZMQ_DONTWAIT);
        zmq_poll(NULL, 0, 1);
    }
    return VB_STATUS_OK;
}

static const vb_rpc_method_t s_methods[] = {
    {"test.Write", &verbund__common__v1__string_value__descriptor, s_handle_write, VB_RPC_WRITE},
    {"test.Read", &verbund__common__v1__string_value__descriptor, s_handle_read, 0},
    {"test.Vanish", &verbund__common__v1__string_value__descriptor, s_handle_vanish, 0},
};

/* --- hooks that record --- */

static int
s_batch_begin(void *context)
{
    (void)context;
    s_event("batch_begin");
    return s_batch_begin_result;
}

static vb_rpc_begin_t
s_call_begin(void *context, vb_rpc_call_t *call)
{
    (void)context;
    s_event("call_begin:%s", s_value(call));
    if (strcmp(s_value(call), "replay") == 0) {
        call->status = VB_STATUS_CONFLICT;
        call->message = "replayed";
        call->reply_body.data = (uint8_t *)s_replayed_body;
        call->reply_body.len = sizeof(s_replayed_body);
        return VB_RPC_REPLIED;
    }
    return VB_RPC_RUN_HANDLER;
}

static void
s_call_end(void *context, vb_rpc_call_t *call)
{
    (void)context;
    s_event("call_end:%s:%s", s_value(call), vb_status_name(call->status));
}

static int
s_batch_end(void *context)
{
    (void)context;
    s_event("batch_end");
    /* The commit has not returned yet: no reply of the pass may have left. */
    zmq_pollitem_t item = {zsock_resolve(s_dealer), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 0) != 0)
        s_event("reply_before_commit");
    return s_batch_end_result;
}

static const vb_rpc_batch_hooks_t s_hooks = {
    .context = NULL,
    .batch_begin = s_batch_begin,
    .call_begin = s_call_begin,
    .call_end = s_call_end,
    .batch_end = s_batch_end,
};

/* --- fixture --- */

typedef struct {
    vb_rpc_server_t *server;
    vb_metrics_t *metrics;
} s_fixture_t;

static vb_rpc_server_t *
s_server_new(s_fixture_t *fixture, const vb_rpc_batch_hooks_t *hooks, int max_batch)
{
    static int counter;
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "inproc://test-rpc-batch-%d", ++counter);
    vb_rpc_server_options_t options = {
        .service = "batch",
        .endpoint = endpoint,
        .methods = s_methods,
        .method_count = VB_ARRAY_SIZE(s_methods),
        .batch_hooks = hooks,
        .max_batch = max_batch,
        .metrics = fixture->metrics,
    };
    fixture->server = vb_rpc_server_new(&options);
    assert_non_null(fixture->server);
    s_server = fixture->server;
    s_dealer = zsock_new(ZMQ_DEALER);
    assert_non_null(s_dealer);
    zsock_set_linger(s_dealer, 0);
    zsock_set_identity(s_dealer, "vanish");
    assert_int_equal(zsock_connect(s_dealer, "%s", vb_rpc_server_endpoint(fixture->server)), 0);
    return fixture->server;
}

static int
s_setup(void **state)
{
    s_fixture_t *fixture = calloc(1, sizeof(*fixture));
    fixture->metrics = vb_metrics_new();
    s_event_count = 0;
    s_batch_begin_result = 0;
    s_batch_end_result = 0;
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    zsock_destroy(&s_dealer);
    vb_rpc_server_destroy(&fixture->server);
    vb_metrics_destroy(&fixture->metrics);
    free(fixture);
    return 0;
}

static void
s_send(const char *method, const char *request_id, const char *value, int64_t deadline_unix_ms)
{
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = (char *)value;
    uint8_t body[128];
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)method;
    envelope.request_id = (char *)request_id;
    envelope.deadline_unix_ms = deadline_unix_ms;
    envelope.body.data = body;
    envelope.body.len = verbund__common__v1__string_value__pack(&request, body);
    uint8_t buffer[256];
    size_t size = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    assert_int_equal(zmq_send(zsock_resolve(s_dealer), buffer, size, 0), (int)size);
}

/* Waits until the server has input, then runs one pass. */
static int
s_pass(vb_rpc_server_t *server)
{
    zmq_pollitem_t item = {zsock_resolve(vb_rpc_server_socket(server)), 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, 5000), 1);
    return vb_rpc_server_process(server);
}

static Verbund__Rpc__V1__Reply *
s_reply(void)
{
    zmq_pollitem_t item = {zsock_resolve(s_dealer), 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, 5000), 1);
    zframe_t *frame = zframe_recv(s_dealer);
    assert_non_null(frame);
    Verbund__Rpc__V1__Reply *reply =
        vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
    zframe_destroy(&frame);
    assert_non_null(reply);
    return reply;
}

/* Reads count replies and checks the status of each by request id. */
static void
s_expect_replies(const char *const *request_ids, const vb_status_t *statuses, int count)
{
    for (int i = 0; i < count; i++) {
        Verbund__Rpc__V1__Reply *reply = s_reply();
        int index = -1;
        for (int r = 0; r < count; r++)
            if (strcmp(reply->request_id, request_ids[r]) == 0)
                index = r;
        if (index < 0)
            fail_msg("unexpected reply %s", reply->request_id);
        if ((int)reply->status != (int)statuses[index])
            fail_msg("%s: status %d, expected %d (%s)", reply->request_id, reply->status,
                     statuses[index], reply->message);
        vb_rpc_reply_free(reply);
    }
}

static void
s_expect_events(const char *const *expected, int count)
{
    for (int i = 0; i < count && i < s_event_count; i++)
        if (strcmp(s_events[i], expected[i]) != 0)
            fail_msg("event %d is \"%s\", expected \"%s\"", i, s_events[i], expected[i]);
    assert_int_equal(s_event_count, count);
}

/* --- tests --- */

/* Writes run between the hooks; the read runs after the commit; replies leave afterwards. */
static void
test_hook_order_and_replies_after_commit(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_send("test.Write", "w1", "a", 0);
    s_send("test.Read", "r1", "b", 0);
    s_send("test.Write", "w2", "c", 0);
    assert_int_equal(s_pass(server), 3);

    static const char *const expected[] = {
        "batch_begin",        "call_begin:a", "write:a",
        "call_end:a:created", "call_begin:c", "write:c",
        "call_end:c:created", "batch_end",    "read:b",
    };
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    static const char *const ids[] = {"w1", "r1", "w2"};
    static const vb_status_t statuses[] = {VB_STATUS_CREATED, VB_STATUS_OK, VB_STATUS_CREATED};
    s_expect_replies(ids, statuses, 3);
}

static void
test_failed_commit_turns_writes_unavailable(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_batch_end_result = -1;
    s_send("test.Write", "w1", "a", 0);
    s_send("test.Read", "r1", "b", 0);
    assert_int_equal(s_pass(server), 2);

    for (int i = 0; i < 2; i++) {
        Verbund__Rpc__V1__Reply *reply = s_reply();
        if (strcmp(reply->request_id, "w1") == 0) {
            assert_int_equal(reply->status, VB_STATUS_UNAVAILABLE);
            assert_non_null(strstr(reply->message, "not committed"));
            assert_int_equal(reply->body.len, 0); /* the handler's reply was never committed */
        } else {
            assert_string_equal(reply->request_id, "r1");
            assert_int_equal(reply->status, VB_STATUS_OK);
        }
        vb_rpc_reply_free(reply);
    }
}

static void
test_failed_begin_runs_no_write(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_batch_begin_result = -1;
    s_send("test.Write", "w1", "a", 0);
    s_send("test.Read", "r1", "b", 0);
    assert_int_equal(s_pass(server), 2);
    static const char *const expected[] = {"batch_begin", "read:b"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    static const char *const ids[] = {"w1", "r1"};
    static const vb_status_t statuses[] = {VB_STATUS_UNAVAILABLE, VB_STATUS_OK};
    s_expect_replies(ids, statuses, 2);
}

/* call_begin answers from the idempotency store: no handler, the stored body goes out. */
static void
test_call_begin_replays_reply(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_send("test.Write", "w1", "replay", 0);
    assert_int_equal(s_pass(server), 1);
    static const char *const expected[] = {"batch_begin", "call_begin:replay",
                                           "call_end:replay:conflict", "batch_end"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    Verbund__Rpc__V1__Reply *reply = s_reply();
    assert_int_equal(reply->status, VB_STATUS_CONFLICT);
    assert_string_equal(reply->message, "replayed");
    assert_int_equal(reply->body.len, sizeof(s_replayed_body));
    assert_memory_equal(reply->body.data, s_replayed_body, sizeof(s_replayed_body));
    vb_rpc_reply_free(reply);
}

static void
test_reads_only_skip_hooks(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_send("test.Read", "r1", "a", 0);
    s_send("rpc.Ping", "p1", "", 0);
    assert_int_equal(s_pass(server), 2);
    static const char *const expected[] = {"read:a"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    static const char *const ids[] = {"r1", "p1"};
    static const vb_status_t statuses[] = {VB_STATUS_OK, VB_STATUS_OK};
    s_expect_replies(ids, statuses, 2);
}

static void
test_writes_without_hooks(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, NULL, 0);
    s_send("test.Write", "w1", "a", 0);
    assert_int_equal(s_pass(server), 1);
    static const char *const expected[] = {"write:a:no-batch"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    static const char *const ids[] = {"w1"};
    static const vb_status_t statuses[] = {VB_STATUS_CREATED};
    s_expect_replies(ids, statuses, 1);
}

/* A write past its deadline never reaches call_begin (no savepoint, no idempotency record). */
static void
test_write_past_deadline(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    s_send("test.Write", "w1", "late", vb_clock_now_ms() - 1);
    s_send("test.Write", "w2", "on-time", vb_clock_now_ms() + 60000);
    assert_int_equal(s_pass(server), 2);
    static const char *const expected[] = {"batch_begin", "call_begin:on-time", "write:on-time",
                                           "call_end:on-time:created", "batch_end"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    static const char *const ids[] = {"w1", "w2"};
    static const vb_status_t statuses[] = {VB_STATUS_DEADLINE_EXCEEDED, VB_STATUS_CREATED};
    s_expect_replies(ids, statuses, 2);
}

static void
test_max_batch_bounds_a_pass(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 4);
    char ids[10][8];
    for (int i = 0; i < 10; i++) {
        snprintf(ids[i], sizeof(ids[i]), "w%d", i);
        s_send("test.Write", ids[i], "x", 0);
    }
    assert_int_equal(s_pass(server), 4);
    assert_int_equal(s_pass(server), 4);
    assert_int_equal(s_pass(server), 2);
    assert_int_equal(vb_rpc_server_process(server), 0);
    int batch_begins = 0;
    for (int i = 0; i < s_event_count; i++)
        batch_begins += strcmp(s_events[i], "batch_begin") == 0;
    assert_int_equal(batch_begins, 3);
    for (int i = 0; i < 10; i++) {
        Verbund__Rpc__V1__Reply *reply = s_reply();
        assert_int_equal(reply->status, VB_STATUS_CREATED);
        vb_rpc_reply_free(reply);
    }
}

static void
test_not_accepting_answers_unavailable(void **state)
{
    vb_rpc_server_t *server = s_server_new(*state, &s_hooks, 0);
    vb_rpc_server_set_accepting(server, false);
    s_send("test.Write", "w1", "a", 0);
    s_send("test.Read", "r1", "b", 0);
    s_send("rpc.Ping", "p1", "", 0);
    assert_int_equal(s_pass(server), 3);
    assert_int_equal(s_event_count, 0);
    static const char *const ids[] = {"w1", "r1", "p1"};
    static const vb_status_t statuses[] = {VB_STATUS_UNAVAILABLE, VB_STATUS_UNAVAILABLE,
                                           VB_STATUS_UNAVAILABLE};
    s_expect_replies(ids, statuses, 3);

    vb_rpc_server_set_accepting(server, true);
    s_send("test.Read", "r2", "c", 0);
    assert_int_equal(s_pass(server), 1);
    static const char *const ids2[] = {"r2"};
    static const vb_status_t statuses2[] = {VB_STATUS_OK};
    s_expect_replies(ids2, statuses2, 1);
}

/* The peer is gone when the reply is sent: counted and dropped, and the server goes on. */
static void
test_reply_to_vanished_peer(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_server_t *server = s_server_new(fixture, NULL, 0);
    s_send("test.Vanish", "v1", "a", 0);
    assert_int_equal(s_pass(server), 1);
    static const char *const expected[] = {"peer_gone"};
    s_expect_events(expected, VB_ARRAY_SIZE(expected));
    char *text = vb_metrics_render(fixture->metrics);
    assert_non_null(text);
    assert_non_null(strstr(text, "vb_rpc_replies_dropped_total{service=\"batch\"} 1"));
    free(text);

    /* A new peer is served. */
    s_dealer = zsock_new(ZMQ_DEALER);
    zsock_set_linger(s_dealer, 0);
    assert_int_equal(zsock_connect(s_dealer, "%s", vb_rpc_server_endpoint(server)), 0);
    s_send("test.Read", "r2", "b", 0);
    assert_int_equal(s_pass(server), 1);
    static const char *const ids[] = {"r2"};
    static const vb_status_t statuses[] = {VB_STATUS_OK};
    s_expect_replies(ids, statuses, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hook_order_and_replies_after_commit, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_turns_writes_unavailable, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failed_begin_runs_no_write, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_call_begin_replays_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reads_only_skip_hooks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_writes_without_hooks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_write_past_deadline, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_max_batch_bounds_a_pass, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_not_accepting_answers_unavailable, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_reply_to_vanished_peer, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
