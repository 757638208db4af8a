/* test_rpc.c - the RPC client against an in-process server thread: echo round trip, rpc.Ping,
 * many calls in flight, unknown methods, field errors, idempotency keys, deadlines, metrics.
 * Does not: send malformed frames (test_rpc_faults.c) or test batch hooks (test_rpc_batch.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/metrics.h"
#include "vb/rpc_client.h"
#include "vb/rpc_server.h"

typedef Verbund__Common__V1__StringValue string_value_t;

static atomic_int s_count_calls; /* test.Count handler runs */

/* --- handlers (all take and return StringValue) --- */

static vb_status_t
s_handle_echo(void *context, vb_rpc_call_t *call)
{
    (void)context;
    const string_value_t *in = (const string_value_t *)call->request;
    string_value_t *out =
        vb_arena_message(call->arena, &verbund__common__v1__string_value__descriptor);
    out->value = vb_arena_strdup(call->arena, in->value);
    call->reply = &out->base;
    return VB_STATUS_OK;
}

/* A write: answers with the idempotency key the envelope carried. */
static vb_status_t
s_handle_key(void *context, vb_rpc_call_t *call)
{
    (void)context;
    string_value_t *out =
        vb_arena_message(call->arena, &verbund__common__v1__string_value__descriptor);
    out->value = vb_arena_strdup(call->arena, call->envelope->idempotency_key);
    call->reply = &out->base;
    return VB_STATUS_CREATED;
}

static vb_status_t
s_handle_invalid(void *context, vb_rpc_call_t *call)
{
    (void)context;
    vb_rpc_field_error(call, "person.email", "is not a valid address");
    for (int i = 0; i < 9; i++)
        vb_rpc_field_error(call, "person.languages", "entry %d is unknown", i);
    return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "%d fields are invalid", 10);
}

static vb_status_t
s_handle_count(void *context, vb_rpc_call_t *call)
{
    (void)context;
    (void)call;
    atomic_fetch_add(&s_count_calls, 1);
    return VB_STATUS_OK;
}

/* Returns a value outside the enum: the RPC layer must turn it into INTERNAL. */
static vb_status_t
s_handle_broken(void *context, vb_rpc_call_t *call)
{
    (void)context;
    (void)call;
    return (vb_status_t)99;
}

static const vb_rpc_method_t s_methods[] = {
    {"test.Echo", &verbund__common__v1__string_value__descriptor, s_handle_echo, 0},
    {"test.Key", &verbund__common__v1__string_value__descriptor, s_handle_key, VB_RPC_WRITE},
    {"test.Invalid", &verbund__common__v1__string_value__descriptor, s_handle_invalid, 0},
    {"test.Count", &verbund__common__v1__string_value__descriptor, s_handle_count, 0},
    {"test.Broken", &verbund__common__v1__string_value__descriptor, s_handle_broken, 0},
};

/* --- the server thread fixture --- */

typedef struct {
    vb_rpc_server_t *server;
    vb_metrics_t *metrics;
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

/* inproc keeps other processes' stray clients out of the tests; one test runs over TCP. */
static int
s_setup_endpoint(void **state, const char *endpoint)
{
    s_fixture_t *fixture = calloc(1, sizeof(*fixture));
    fixture->metrics = vb_metrics_new();
    vb_rpc_server_options_t options = {
        .service = "test",
        .endpoint = endpoint,
        .methods = s_methods,
        .method_count = VB_ARRAY_SIZE(s_methods),
        .metrics = fixture->metrics,
    };
    fixture->server = vb_rpc_server_new(&options);
    if (!fixture->server)
        return -1;
    atomic_store(&fixture->stop, false);
    atomic_store(&s_count_calls, 0);
    if (pthread_create(&fixture->thread, NULL, s_server_thread, fixture) != 0)
        return -1;
    *state = fixture;
    return 0;
}

static int
s_setup(void **state)
{
    static int counter;
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "inproc://test-rpc-%d", ++counter);
    return s_setup_endpoint(state, endpoint);
}

static int
s_setup_tcp(void **state)
{
    return s_setup_endpoint(state, "tcp://127.0.0.1:0");
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    atomic_store(&fixture->stop, true);
    pthread_join(fixture->thread, NULL);
    vb_rpc_server_destroy(&fixture->server);
    vb_metrics_destroy(&fixture->metrics);
    free(fixture);
    return 0;
}

static vb_rpc_client_t *
s_client(s_fixture_t *fixture)
{
    vb_rpc_client_options_t options = {
        .endpoint = vb_rpc_server_endpoint(fixture->server),
        .attempt_timeout_ms = 2000,
        .max_attempts = 2,
    };
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    return client;
}

static vb_status_t
s_call_string(vb_rpc_client_t *client, const char *method, const char *value,
              const vb_rpc_call_options_t *options, Verbund__Rpc__V1__Reply **reply_p)
{
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = (char *)value;
    return vb_rpc_client_call(client, method, &request.base, options, reply_p);
}

static char *
s_reply_string(const Verbund__Rpc__V1__Reply *reply)
{
    string_value_t *value = (string_value_t *)vb_rpc_reply_unpack(
        reply, &verbund__common__v1__string_value__descriptor);
    assert_non_null(value);
    char *copy = strdup(value->value);
    protobuf_c_message_free_unpacked(&value->base, NULL);
    return copy;
}

/* The server records a request after sending its reply: wait (bounded) for the metric text. */
static bool
s_metrics_wait(s_fixture_t *fixture, const char *needle)
{
    int64_t end_us = vb_clock_monotonic_us() + 5 * 1000 * 1000;
    for (;;) {
        char *text = vb_metrics_render(fixture->metrics);
        assert_non_null(text);
        bool found = strstr(text, needle) != NULL;
        free(text);
        if (found || vb_clock_monotonic_us() > end_us)
            return found;
        zmq_poll(NULL, 0, 1);
    }
}

/* --- tests --- */

/* Usage: a server with a method table, a client, one blocking call. */
static void
test_echo_round_trip(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);

    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status = s_call_string(client, "test.Echo", "hello, verbund", NULL, &reply);
    assert_int_equal(status, VB_STATUS_OK);
    assert_non_null(reply);
    assert_true(vb_compact_id_valid(reply->request_id));
    char *value = s_reply_string(reply);
    assert_string_equal(value, "hello, verbund");
    free(value);
    vb_rpc_reply_free(reply);
    assert_int_equal(vb_rpc_client_pending(client), 0);

    /* One counter per (service, method, status), one duration histogram. */
    assert_true(s_metrics_wait(fixture, "vb_rpc_requests_total{service=\"test\","
                                        "method=\"test.Echo\",status=\"ok\"} 1"));
    assert_true(s_metrics_wait(fixture, "vb_rpc_request_duration_seconds_count{service=\"test\","
                                        "method=\"test.Echo\"} 1"));
    vb_rpc_client_destroy(&client);
    assert_null(client);
}

/* Over TCP with an ephemeral port: the endpoint getter names the port the system chose. */
static void
test_echo_over_tcp(void **state)
{
    s_fixture_t *fixture = *state;
    const char *endpoint = vb_rpc_server_endpoint(fixture->server);
    assert_true(strncmp(endpoint, "tcp://127.0.0.1:", 16) == 0);
    assert_true(atoi(endpoint + 16) > 0);
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Echo", "over tcp", NULL, &reply), VB_STATUS_OK);
    char *value = s_reply_string(reply);
    assert_string_equal(value, "over tcp");
    free(value);
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
}

static void
test_ping_is_built_in(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_call(client, "rpc.Ping", NULL, NULL, &reply), VB_STATUS_OK);
    assert_non_null(reply);
    assert_int_equal(reply->body.len, 0);
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
}

static void
s_window(s_fixture_t *fixture, int window)
{
    vb_rpc_client_t *client = s_client(fixture);
    uint64_t *tickets = calloc((size_t)window, sizeof(*tickets));
    bool *seen = calloc((size_t)window, sizeof(*seen));
    for (int i = 0; i < window; i++) {
        char value[32];
        snprintf(value, sizeof(value), "value-%d", i);
        string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
        request.value = value;
        assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &tickets[i]),
                         0);
    }
    assert_int_equal(vb_rpc_client_pending(client), window);
    for (int received = 0; received < window; received++) {
        uint64_t ticket = 0;
        vb_status_t status = 0;
        Verbund__Rpc__V1__Reply *reply = NULL;
        assert_int_equal(vb_rpc_client_receive(client, 5000, &ticket, &status, &reply), 1);
        assert_int_equal(status, VB_STATUS_OK);
        int index = -1;
        for (int i = 0; i < window; i++)
            if (tickets[i] == ticket)
                index = i;
        assert_true(index >= 0);
        assert_false(seen[index]);
        seen[index] = true;
        char expected[32];
        snprintf(expected, sizeof(expected), "value-%d", index);
        char *value = s_reply_string(reply);
        assert_string_equal(value, expected);
        free(value);
        vb_rpc_reply_free(reply);
    }
    assert_int_equal(vb_rpc_client_pending(client), 0);
    uint64_t ticket;
    vb_status_t status;
    Verbund__Rpc__V1__Reply *reply;
    assert_int_equal(vb_rpc_client_receive(client, 0, &ticket, &status, &reply), -1);
    free(tickets);
    free(seen);
    vb_rpc_client_destroy(&client);
}

static void
test_64_in_flight(void **state)
{
    s_window(*state, 64);
}

/* Larger than the initial table: it grows while calls are in flight. */
static void
test_500_in_flight(void **state)
{
    s_window(*state, 500);
}

static void
test_unknown_method(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Nope", "x", NULL, &reply),
                     VB_STATUS_UNKNOWN_METHOD);
    assert_non_null(reply);
    assert_non_null(strstr(reply->message, "test.Nope"));
    vb_rpc_reply_free(reply);

    /* The metric label does not carry the caller's method name (bounded cardinality). */
    assert_true(s_metrics_wait(fixture, "method=\"unknown\",status=\"unknown_method\""));
    char *text = vb_metrics_render(fixture->metrics);
    assert_null(strstr(text, "test.Nope"));
    free(text);
    vb_rpc_client_destroy(&client);
}

static void
test_field_errors(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Invalid", "", NULL, &reply),
                     VB_STATUS_UNPROCESSABLE);
    assert_non_null(reply);
    assert_string_equal(reply->message, "10 fields are invalid");
    assert_int_equal(reply->n_field_errors, 10);
    assert_string_equal(reply->field_errors[0]->field, "person.email");
    assert_string_equal(reply->field_errors[0]->message, "is not a valid address");
    assert_string_equal(reply->field_errors[9]->field, "person.languages");
    assert_string_equal(reply->field_errors[9]->message, "entry 8 is unknown");
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
}

static void
test_bad_handler_status_is_internal(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Broken", "", NULL, &reply), VB_STATUS_INTERNAL);
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
}

static void
test_write_gets_idempotency_key(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    Verbund__Rpc__V1__Reply *reply = NULL;

    vb_rpc_call_options_t write = {.write = true};
    assert_int_equal(s_call_string(client, "test.Key", "", &write, &reply), VB_STATUS_CREATED);
    char *key = s_reply_string(reply);
    assert_true(vb_uuid_valid(key));
    free(key);
    vb_rpc_reply_free(reply);

    vb_rpc_call_options_t keyed = {.write = true, .idempotency_key = "order-17"};
    assert_int_equal(s_call_string(client, "test.Key", "", &keyed, &reply), VB_STATUS_CREATED);
    key = s_reply_string(reply);
    assert_string_equal(key, "order-17");
    free(key);
    vb_rpc_reply_free(reply);

    /* A read carries no key. */
    assert_int_equal(s_call_string(client, "test.Key", "", NULL, &reply), VB_STATUS_CREATED);
    key = s_reply_string(reply);
    assert_string_equal(key, "");
    free(key);
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
}

/* A raw DEALER sends envelopes whose deadline already passed: no handler runs. */
static void
test_deadline_passed(void **state)
{
    s_fixture_t *fixture = *state;
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    assert_non_null(dealer);
    zsock_set_linger(dealer, 0);
    assert_int_equal(zsock_connect(dealer, "%s", vb_rpc_server_endpoint(fixture->server)), 0);

    int64_t deadlines[] = {vb_clock_now_ms() - 1000, vb_clock_now_ms() + 60000, 0};
    vb_status_t expected[] = {VB_STATUS_DEADLINE_EXCEEDED, VB_STATUS_OK, VB_STATUS_OK};
    for (size_t i = 0; i < VB_ARRAY_SIZE(deadlines); i++) {
        Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
        envelope.method = "test.Count";
        envelope.request_id = "deadline-test";
        envelope.deadline_unix_ms = deadlines[i];
        uint8_t buffer[256];
        size_t size = verbund__rpc__v1__envelope__pack(&envelope, buffer);
        assert_int_equal(zmq_send(zsock_resolve(dealer), buffer, size, 0), (int)size);

        zmq_pollitem_t item = {zsock_resolve(dealer), 0, ZMQ_POLLIN, 0};
        assert_int_equal(zmq_poll(&item, 1, 5000), 1);
        zframe_t *frame = zframe_recv(dealer);
        assert_non_null(frame);
        Verbund__Rpc__V1__Reply *reply =
            vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
        zframe_destroy(&frame);
        assert_non_null(reply);
        assert_string_equal(reply->request_id, "deadline-test");
        assert_int_equal(reply->status, expected[i]);
        vb_rpc_reply_free(reply);
    }
    /* Only the two calls inside their deadline ran the handler. */
    assert_int_equal(atomic_load(&s_count_calls), 2);
    zsock_destroy(&dealer);
}

/* Completions of other tickets that arrive during a blocking call are kept, not lost. */
static void
test_call_keeps_other_completions(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = "async";
    uint64_t async_ticket;
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &async_ticket),
                     0);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Echo", "blocking", NULL, &reply), VB_STATUS_OK);
    char *value = s_reply_string(reply);
    assert_string_equal(value, "blocking");
    free(value);
    vb_rpc_reply_free(reply);

    assert_int_equal(vb_rpc_client_pending(client), 1);
    uint64_t ticket = 0;
    vb_status_t status = 0;
    assert_int_equal(vb_rpc_client_receive(client, 5000, &ticket, &status, &reply), 1);
    assert_int_equal(ticket, async_ticket);
    assert_int_equal(status, VB_STATUS_OK);
    value = s_reply_string(reply);
    assert_string_equal(value, "async");
    free(value);
    vb_rpc_reply_free(reply);
    assert_int_equal(vb_rpc_client_pending(client), 0);
    vb_rpc_client_destroy(&client);
}

/* Destroying a client frees calls in flight and kept completions (ASan checks the leak). */
static void
test_destroy_with_calls_in_flight(void **state)
{
    s_fixture_t *fixture = *state;
    vb_rpc_client_t *client = s_client(fixture);
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = "kept";
    uint64_t ticket;
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &ticket), 0);
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(s_call_string(client, "test.Echo", "blocking", NULL, &reply), VB_STATUS_OK);
    vb_rpc_reply_free(reply);
    assert_int_equal(vb_rpc_client_send(client, "test.Echo", &request.base, NULL, &ticket), 0);
    assert_int_equal(vb_rpc_client_pending(client), 2);
    vb_rpc_client_destroy(&client);
}

static void
test_client_destroy_null(void **state)
{
    (void)state;
    vb_rpc_client_t *client = NULL;
    vb_rpc_client_destroy(&client);
    vb_rpc_client_destroy(NULL);
    vb_rpc_server_t *server = NULL;
    vb_rpc_server_destroy(&server);
    vb_rpc_server_destroy(NULL);
}

static void
test_bind_failure_returns_null(void **state)
{
    s_fixture_t *fixture = *state;
    /* The fixture's endpoint is taken. */
    vb_rpc_server_options_t options = {
        .service = "test",
        .endpoint = vb_rpc_server_endpoint(fixture->server),
        .methods = s_methods,
        .method_count = VB_ARRAY_SIZE(s_methods),
    };
    assert_null(vb_rpc_server_new(&options));
    options.endpoint = "nonsense://x";
    assert_null(vb_rpc_server_new(&options));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_echo_over_tcp, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown(test_ping_is_built_in, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_64_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_500_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_method, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_field_errors, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_handler_status_is_internal, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_write_gets_idempotency_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_deadline_passed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_call_keeps_other_completions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_destroy_with_calls_in_flight, s_setup, s_teardown),
        cmocka_unit_test(test_client_destroy_null),
        cmocka_unit_test_setup_teardown(test_bind_failure_returns_null, s_setup_tcp, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
