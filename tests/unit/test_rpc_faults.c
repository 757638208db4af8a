/* test_rpc_faults.c - bad input straight to the server's ROUTER (garbage, truncated and oversized
 * frames, wrong frame counts, undecodable bodies) and the client's retries and deadlines against
 * a raw ROUTER that drops or never answers attempts.
 * Does not: test the happy path (test_rpc.c) or batch hooks (test_rpc_batch.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb/rpc_server.h"

#define S_MAX_MESSAGE_SIZE 4096

typedef Verbund__Common__V1__StringValue string_value_t;

static atomic_int s_echo_calls;

static vb_status_t
s_handle_echo(void *context, vb_rpc_call_t *call)
{
    (void)context;
    atomic_fetch_add(&s_echo_calls, 1);
    const string_value_t *in = (const string_value_t *)call->request;
    string_value_t *out =
        vb_arena_message(call->arena, &verbund__common__v1__string_value__descriptor);
    out->value = vb_arena_strdup(call->arena, in->value);
    call->reply = &out->base;
    return VB_STATUS_OK;
}

static const vb_rpc_method_t s_methods[] = {
    {"test.Echo", &verbund__common__v1__string_value__descriptor, s_handle_echo, 0},
};

/* --- the server thread fixture --- */

typedef struct {
    vb_rpc_server_t *server;
    pthread_t thread;
    atomic_bool stop;
} s_fixture_t;

static void *
s_server_thread(void *arg)
{
    s_fixture_t *fixture = arg;
    zmq_pollitem_t item = {zsock_resolve(vb_rpc_server_socket(fixture->server)), 0, ZMQ_POLLIN, 0};
    while (!atomic_load(&fixture->stop))
        if (zmq_poll(&item, 1, 10) > 0)
            while (vb_rpc_server_process(fixture->server) > 0)
                ;
    return NULL;
}

static int
s_setup(void **state)
{
    s_fixture_t *fixture = calloc(1, sizeof(*fixture));
    vb_rpc_server_options_t options = {
        .service = "faults",
        .endpoint = "tcp://127.0.0.1:0", /* TCP: ZMQ_MAXMSGSIZE is enforced by its decoder */
        .methods = s_methods,
        .method_count = VB_ARRAY_SIZE(s_methods),
        .max_message_size = S_MAX_MESSAGE_SIZE,
    };
    fixture->server = vb_rpc_server_new(&options);
    if (!fixture->server)
        return -1;
    atomic_store(&s_echo_calls, 0);
    if (pthread_create(&fixture->thread, NULL, s_server_thread, fixture) != 0)
        return -1;
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    atomic_store(&fixture->stop, true);
    pthread_join(fixture->thread, NULL);
    vb_rpc_server_destroy(&fixture->server);
    free(fixture);
    return 0;
}

/* --- raw sockets --- */

static zsock_t *
s_dealer(const char *endpoint)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    assert_non_null(dealer);
    zsock_set_linger(dealer, 0);
    assert_int_equal(zsock_connect(dealer, "%s", endpoint), 0);
    return dealer;
}

/* Sends frames (NULL-terminated list of (data, size) pairs given as zframe_t). */
static void
s_send_frames(zsock_t *socket, zframe_t **frames, int count)
{
    for (int i = 0; i < count; i++) {
        int more = i + 1 < count ? ZFRAME_MORE : 0;
        assert_int_equal(zframe_send(&frames[i], socket, more), 0);
    }
}

/* Waits up to timeout_ms for one single-frame Reply; NULL when none came. */
static Verbund__Rpc__V1__Reply *
s_reply_wait(zsock_t *dealer, int timeout_ms)
{
    zmq_pollitem_t item = {zsock_resolve(dealer), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) != 1)
        return NULL;
    zmsg_t *msg = zmsg_recv(dealer);
    assert_non_null(msg);
    assert_int_equal(zmsg_size(msg), 1);
    zframe_t *frame = zmsg_first(msg);
    Verbund__Rpc__V1__Reply *reply =
        vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
    zmsg_destroy(&msg);
    assert_non_null(reply);
    return reply;
}

static zframe_t *
s_envelope_frame(const char *method, const char *request_id, const uint8_t *body, size_t body_size)
{
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)method;
    envelope.request_id = (char *)request_id;
    envelope.body.data = (uint8_t *)body;
    envelope.body.len = body_size;
    size_t size = verbund__rpc__v1__envelope__get_packed_size(&envelope);
    zframe_t *frame = zframe_new(NULL, size);
    verbund__rpc__v1__envelope__pack(&envelope, zframe_data(frame));
    return frame;
}

static zframe_t *
s_echo_frame(const char *request_id, const char *value)
{
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = (char *)value;
    uint8_t body[256];
    size_t size = verbund__common__v1__string_value__pack(&request, body);
    return s_envelope_frame("test.Echo", request_id, body, size);
}

/* The service still answers a well-formed request. */
static void
s_assert_still_answers(const char *endpoint)
{
    zsock_t *dealer = s_dealer(endpoint);
    zframe_t *frame = s_echo_frame("still-ok", "alive");
    s_send_frames(dealer, &frame, 1);
    Verbund__Rpc__V1__Reply *reply = s_reply_wait(dealer, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_OK);
    assert_string_equal(reply->request_id, "still-ok");
    vb_rpc_reply_free(reply);
    zsock_destroy(&dealer);
}

/* Sends one message of the given frames and expects a BAD_REQUEST reply mentioning `needle`. */
static void
s_expect_bad_request(s_fixture_t *fixture, zframe_t **frames, int count, const char *needle)
{
    zsock_t *dealer = s_dealer(vb_rpc_server_endpoint(fixture->server));
    s_send_frames(dealer, frames, count);
    Verbund__Rpc__V1__Reply *reply = s_reply_wait(dealer, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_BAD_REQUEST);
    if (!strstr(reply->message, needle))
        fail_msg("reply message \"%s\" does not mention \"%s\"", reply->message, needle);
    vb_rpc_reply_free(reply);
    zsock_destroy(&dealer);
    assert_int_equal(atomic_load(&s_echo_calls), 0);
    s_assert_still_answers(vb_rpc_server_endpoint(fixture->server));
}

/* --- server faults --- */

static void
test_garbage_frame(void **state)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    zframe_t *frame = zframe_new(garbage, sizeof(garbage));
    s_expect_bad_request(*state, &frame, 1, "envelope");
}

static void
test_truncated_envelope(void **state)
{
    zframe_t *whole = s_echo_frame("truncated", "a value long enough to cut");
    zframe_t *frame = zframe_new(zframe_data(whole), zframe_size(whole) - 5);
    zframe_destroy(&whole);
    s_expect_bad_request(*state, &frame, 1, "envelope");
}

static void
test_undecodable_body(void **state)
{
    static const uint8_t body[] = {0x0a, 0x20, 'x'}; /* field 1, 32 bytes announced, 1 given */
    zframe_t *frame = s_envelope_frame("test.Echo", "bad-body", body, sizeof(body));
    s_expect_bad_request(*state, &frame, 1, "verbund.common.v1.StringValue");
}

static void
test_empty_method(void **state)
{
    zframe_t *frame = s_envelope_frame("", "no-method", NULL, 0);
    s_expect_bad_request(*state, &frame, 1, "no method");
}

/* Like a REQ socket's [empty][Envelope]: three frames at the ROUTER. */
static void
test_three_frames(void **state)
{
    zframe_t *frames[] = {zframe_new_empty(), s_echo_frame("three", "x")};
    s_expect_bad_request(*state, frames, 2, "got 3");
}

static void
test_empty_frame(void **state)
{
    zframe_t *frame = zframe_new_empty();
    s_expect_bad_request(*state, &frame, 1, "no method");
}

/* Above ZMQ_MAXMSGSIZE libzmq drops the connection; nobody else notices. */
static void
test_oversized_frame(void **state)
{
    s_fixture_t *fixture = *state;
    const char *endpoint = vb_rpc_server_endpoint(fixture->server);
    zsock_t *other = s_dealer(endpoint);
    zsock_t *dealer = s_dealer(endpoint);

    size_t size = S_MAX_MESSAGE_SIZE * 4;
    zframe_t *frame = zframe_new(NULL, size);
    memset(zframe_data(frame), 0x0a, size);
    s_send_frames(dealer, &frame, 1);
    assert_null(s_reply_wait(dealer, 200));

    /* Another client, and the same one after libzmq reconnected it, are still answered. */
    frame = s_echo_frame("other", "x");
    s_send_frames(other, &frame, 1);
    Verbund__Rpc__V1__Reply *reply = s_reply_wait(other, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_OK);
    vb_rpc_reply_free(reply);
    frame = s_echo_frame("same", "x");
    s_send_frames(dealer, &frame, 1);
    reply = s_reply_wait(dealer, 5000);
    assert_non_null(reply);
    assert_string_equal(reply->request_id, "same");
    vb_rpc_reply_free(reply);
    assert_int_equal(atomic_load(&s_echo_calls), 2);
    zsock_destroy(&other);
    zsock_destroy(&dealer);
}

/* Random frames of random sizes, many in a row: every one is answered or dropped. */
static void
test_random_frames(void **state)
{
    s_fixture_t *fixture = *state;
    zsock_t *dealer = s_dealer(vb_rpc_server_endpoint(fixture->server));
    unsigned seed = 17;
    for (int i = 0; i < 300; i++) {
        size_t size = (size_t)(rand_r(&seed) % 200);
        zframe_t *frame = zframe_new(NULL, size);
        for (size_t b = 0; b < size; b++)
            zframe_data(frame)[b] = (uint8_t)rand_r(&seed);
        s_send_frames(dealer, &frame, 1);
    }
    int replies = 0;
    Verbund__Rpc__V1__Reply *reply;
    while ((reply = s_reply_wait(dealer, 500)) != NULL) {
        assert_true((int)reply->status == VB_STATUS_BAD_REQUEST ||
                    (int)reply->status == VB_STATUS_UNKNOWN_METHOD);
        vb_rpc_reply_free(reply);
        replies++;
    }
    assert_int_equal(replies, 300);
    zsock_destroy(&dealer);
    s_assert_still_answers(vb_rpc_server_endpoint(fixture->server));
}

/* --- client retries and deadlines against a raw ROUTER --- */

typedef struct {
    zsock_t *router;
    char *endpoint;
} s_router_t;

static void
s_router_open(s_router_t *router)
{
    static int counter;
    router->router = zsock_new(ZMQ_ROUTER);
    assert_non_null(router->router);
    zsock_set_linger(router->router, 0);
    /* inproc: no stray client of another process can reach this router */
    assert_int_equal(zsock_bind(router->router, "inproc://faults-router-%d", ++counter), 0);
    router->endpoint = zsock_last_endpoint(router->router);
}

static void
s_router_close(s_router_t *router)
{
    zsock_destroy(&router->router);
    free(router->endpoint);
}

/* One [identity][Envelope] message, or NULL after timeout_ms. */
static zmsg_t *
s_router_recv(s_router_t *router, int timeout_ms)
{
    zmq_pollitem_t item = {zsock_resolve(router->router), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) != 1)
        return NULL;
    zmsg_t *msg = zmsg_recv(router->router);
    assert_non_null(msg);
    assert_int_equal(zmsg_size(msg), 2);
    return msg;
}

static void
s_router_reply(s_router_t *router, zmsg_t *request, vb_status_t status)
{
    zframe_t *envelope_frame = zmsg_last(request);
    Verbund__Rpc__V1__Envelope *envelope = verbund__rpc__v1__envelope__unpack(
        NULL, zframe_size(envelope_frame), zframe_data(envelope_frame));
    assert_non_null(envelope);
    Verbund__Rpc__V1__Reply reply = VERBUND__RPC__V1__REPLY__INIT;
    reply.request_id = envelope->request_id;
    reply.status = (Verbund__Rpc__V1__Status)status;
    zframe_t *frames[2];
    frames[0] = zframe_dup(zmsg_first(request));
    frames[1] = zframe_new(NULL, verbund__rpc__v1__reply__get_packed_size(&reply));
    verbund__rpc__v1__reply__pack(&reply, zframe_data(frames[1]));
    s_send_frames(router->router, frames, 2);
    verbund__rpc__v1__envelope__free_unpacked(envelope, NULL);
}

/* The first attempt is dropped; the retry carries the very same bytes and gets the answer. */
static void
test_client_retries_same_envelope(void **state)
{
    (void)state;
    s_router_t router;
    s_router_open(&router);
    vb_rpc_client_options_t options = {
        .endpoint = router.endpoint, .attempt_timeout_ms = 100, .max_attempts = 3};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);

    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = "token-1";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_STAFF;
    vb_rpc_call_options_t call_options = {
        .write = true, .deadline_ms = 10000, .trace_id = "trace-1", .caller = &caller};
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = "retry me";
    uint64_t ticket;
    int64_t start_us = vb_clock_monotonic_us();
    int64_t start_ms = vb_clock_now_ms();
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, &call_options, &ticket),
                     0);
    zmsg_t *first = s_router_recv(&router, 5000);
    assert_non_null(first);

    /* What the envelope carries. */
    Verbund__Rpc__V1__Envelope *envelope = verbund__rpc__v1__envelope__unpack(
        NULL, zframe_size(zmsg_last(first)), zframe_data(zmsg_last(first)));
    assert_non_null(envelope);
    assert_string_equal(envelope->method, "test.Echo");
    assert_true(vb_compact_id_valid(envelope->request_id));
    assert_true(vb_uuid_valid(envelope->idempotency_key)); /* generated for a write */
    assert_string_equal(envelope->trace_id, "trace-1");
    assert_non_null(envelope->caller);
    assert_string_equal(envelope->caller->id, "token-1");
    assert_int_equal(envelope->caller->role, VERBUND__RPC__V1__ROLE__ROLE_STAFF);
    /* the client stamps deadlines from the coarse clock: up to a tick (a few ms) early */
    assert_true(envelope->deadline_unix_ms >= start_ms + 10000 - 100);
    assert_true(envelope->deadline_unix_ms <= vb_clock_now_ms() + 10000);
    string_value_t *body =
        verbund__common__v1__string_value__unpack(NULL, envelope->body.len, envelope->body.data);
    assert_non_null(body);
    assert_string_equal(body->value, "retry me");
    verbund__common__v1__string_value__free_unpacked(body, NULL);
    verbund__rpc__v1__envelope__free_unpacked(envelope, NULL);

    /* No reply yet: receive times out, and sends the retry when the attempt timer expires. */
    uint64_t got_ticket = 0;
    vb_status_t status = 0;
    Verbund__Rpc__V1__Reply *reply = NULL;
    zmsg_t *second = NULL;
    while (!second) {
        assert_int_equal(vb_rpc_client_receive(client, 20, &got_ticket, &status, &reply), 0);
        second = s_router_recv(&router, 0);
        assert_true(vb_clock_monotonic_us() - start_us < 5 * 1000 * 1000);
    }
    assert_true(vb_clock_monotonic_us() - start_us >= 100 * 1000);
    assert_true(zframe_eq(zmsg_last(first), zmsg_last(second)));

    s_router_reply(&router, second, VB_STATUS_CREATED);
    assert_int_equal(vb_rpc_client_receive(client, 5000, &got_ticket, &status, &reply), 1);
    assert_int_equal(got_ticket, ticket);
    assert_int_equal(status, VB_STATUS_CREATED);
    assert_non_null(reply);
    vb_rpc_reply_free(reply);

    /* The late answer to the first attempt is dropped: it does not complete a new call. */
    uint64_t second_ticket;
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &second_ticket),
                     0);
    zmsg_t *third = s_router_recv(&router, 5000);
    assert_non_null(third);
    s_router_reply(&router, first, VB_STATUS_OK);
    s_router_reply(&router, third, VB_STATUS_NOT_FOUND);
    assert_int_equal(vb_rpc_client_receive(client, 5000, &got_ticket, &status, &reply), 1);
    assert_int_equal(got_ticket, second_ticket);
    assert_int_equal(status, VB_STATUS_NOT_FOUND);
    vb_rpc_reply_free(reply);
    assert_int_equal(vb_rpc_client_pending(client), 0);

    zmsg_destroy(&first);
    zmsg_destroy(&second);
    zmsg_destroy(&third);
    vb_rpc_client_destroy(&client);
    s_router_close(&router);
}

/* Replies that do not decode, have two frames or name an unknown request are dropped. */
static void
test_client_drops_bad_replies(void **state)
{
    (void)state;
    s_router_t router;
    s_router_open(&router);
    vb_rpc_client_options_t options = {.endpoint = router.endpoint};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    uint64_t ticket;
    assert_int_equal(vb_rpc_client_send(client, "rpc.Ping", NULL, NULL, &ticket), 0);
    zmsg_t *request = s_router_recv(&router, 5000);
    assert_non_null(request);

    static const uint8_t garbage[] = {0xff, 0xff, 0xff};
    zframe_t *frames[3];
    frames[0] = zframe_dup(zmsg_first(request));
    frames[1] = zframe_new(garbage, sizeof(garbage));
    s_send_frames(router.router, frames, 2);
    frames[0] = zframe_dup(zmsg_first(request));
    frames[1] = zframe_new("a", 1);
    frames[2] = zframe_new("b", 1);
    s_send_frames(router.router, frames, 3);
    Verbund__Rpc__V1__Reply stranger = VERBUND__RPC__V1__REPLY__INIT;
    stranger.request_id = "not-a-call-of-this-client";
    stranger.status = VERBUND__RPC__V1__STATUS__STATUS_OK;
    frames[0] = zframe_dup(zmsg_first(request));
    frames[1] = zframe_new(NULL, verbund__rpc__v1__reply__get_packed_size(&stranger));
    verbund__rpc__v1__reply__pack(&stranger, zframe_data(frames[1]));
    s_send_frames(router.router, frames, 2);
    s_router_reply(&router, request, VB_STATUS_FORBIDDEN);

    uint64_t got = 0;
    vb_status_t status = 0;
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_receive(client, 5000, &got, &status, &reply), 1);
    assert_int_equal(got, ticket);
    assert_int_equal(status, VB_STATUS_FORBIDDEN);
    vb_rpc_reply_free(reply);
    assert_int_equal(vb_rpc_client_pending(client), 0);
    zmsg_destroy(&request);
    vb_rpc_client_destroy(&client);
    s_router_close(&router);
}

/* Nobody answers: exactly max_attempts attempts, then DEADLINE_EXCEEDED at the deadline. */
static void
test_client_deadline_exceeded(void **state)
{
    (void)state;
    s_router_t router;
    s_router_open(&router);
    vb_rpc_client_options_t options = {
        .endpoint = router.endpoint, .attempt_timeout_ms = 50, .max_attempts = 3};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);

    vb_rpc_call_options_t call_options = {.deadline_ms = 400};
    int64_t start_us = vb_clock_monotonic_us();
    Verbund__Rpc__V1__Reply *reply = (Verbund__Rpc__V1__Reply *)&reply;
    assert_int_equal(vb_rpc_client_call(client, "rpc.Ping", NULL, &call_options, &reply),
                     VB_STATUS_DEADLINE_EXCEEDED);
    int64_t elapsed_us = vb_clock_monotonic_us() - start_us;
    assert_null(reply);
    assert_true(elapsed_us >= 400 * 1000);
    assert_true(elapsed_us < 3 * 1000 * 1000);

    int attempts = 0;
    zmsg_t *msg;
    while ((msg = s_router_recv(&router, 100)) != NULL) {
        attempts++;
        zmsg_destroy(&msg);
    }
    assert_int_equal(attempts, 3);
    assert_int_equal(vb_rpc_client_pending(client), 0);
    vb_rpc_client_destroy(&client);
    s_router_close(&router);
}

/* A server that starts after the client sent: the queued or retried attempt is answered once. */
static void
test_client_server_started_late(void **state)
{
    (void)state;
    /* inproc allows connect before bind, like TCP to a port nobody listens on yet. */
    char *endpoint = strdup("inproc://faults-late-server");

    vb_rpc_client_options_t options = {
        .endpoint = endpoint, .attempt_timeout_ms = 100, .max_attempts = 10};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = "late";
    uint64_t ticket;
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &ticket), 0);
    uint64_t got = 0;
    vb_status_t status = 0;
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_receive(client, 250, &got, &status, &reply), 0);

    vb_rpc_server_options_t server_options = {
        .service = "late",
        .endpoint = endpoint,
        .methods = s_methods,
        .method_count = VB_ARRAY_SIZE(s_methods),
    };
    s_fixture_t fixture = {.server = vb_rpc_server_new(&server_options)};
    assert_non_null(fixture.server);
    atomic_store(&s_echo_calls, 0);
    assert_int_equal(pthread_create(&fixture.thread, NULL, s_server_thread, &fixture), 0);

    assert_int_equal(vb_rpc_client_receive(client, 5000, &got, &status, &reply), 1);
    assert_int_equal(got, ticket);
    assert_int_equal(status, VB_STATUS_OK);
    vb_rpc_reply_free(reply);
    assert_true(atomic_load(&s_echo_calls) >= 1);
    assert_int_equal(vb_rpc_client_pending(client), 0);

    atomic_store(&fixture.stop, true);
    pthread_join(fixture.thread, NULL);
    vb_rpc_server_destroy(&fixture.server);
    vb_rpc_client_destroy(&client);
    free(endpoint);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_garbage_frame, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_envelope, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_body, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty_method, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_three_frames, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty_frame, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_frame, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_random_frames, s_setup, s_teardown),
        cmocka_unit_test(test_client_retries_same_envelope),
        cmocka_unit_test(test_client_drops_bad_replies),
        cmocka_unit_test(test_client_deadline_exceeded),
        cmocka_unit_test(test_client_server_started_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
