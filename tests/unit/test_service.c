/* test_service.c - the service loop: SIGTERM/SIGINT through the self-pipe end vb_service_run with
 * 0 after answering queued requests, named timers fire, vb_service_stop from a handler or timer.
 * Does not: test RPC dispatch details (test_rpc*.c). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "vb/clock.h"
#include "vb/rpc_client.h"
#include "vb/service.h"

typedef Verbund__Common__V1__StringValue string_value_t;

static vb_service_t *s_service; /* the service under test, for handlers and timers */
static zsock_t *s_dealer;       /* a raw client on the test thread */
static int s_ticks;             /* timer runs */
static int s_signal;            /* what the timer raises */

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

static vb_status_t
s_handle_stop(void *context, vb_rpc_call_t *call)
{
    (void)call;
    vb_service_stop(*(vb_service_t **)context);
    return VB_STATUS_OK;
}

static const vb_rpc_method_t s_methods[] = {
    {"test.Echo", &verbund__common__v1__string_value__descriptor, s_handle_echo, 0},
    {"test.Stop", &verbund__common__v1__string_value__descriptor, s_handle_stop, 0},
};

static int
s_setup(void **state)
{
    (void)state;
    vb_service_options_t options = {
        .rpc =
            {
                .service = "svc",
                .endpoint = "tcp://127.0.0.1:0",
                .methods = s_methods,
                .method_count = VB_ARRAY_SIZE(s_methods),
                .handler_context = &s_service,
            },
        .drain_ms = 2000,
    };
    s_service = vb_service_new(&options);
    if (!s_service)
        return -1;
    s_dealer = zsock_new(ZMQ_DEALER);
    zsock_set_linger(s_dealer, 0);
    if (zsock_connect(s_dealer, "%s", vb_rpc_server_endpoint(vb_service_rpc(s_service))) == -1)
        return -1;
    s_ticks = 0;
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    zsock_destroy(&s_dealer);
    vb_service_destroy(&s_service);
    return 0;
}

static void
s_send(const char *method, const char *request_id)
{
    string_value_t request = VERBUND__COMMON__V1__STRING_VALUE__INIT;
    request.value = (char *)request_id;
    uint8_t body[128];
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)method;
    envelope.request_id = (char *)request_id;
    envelope.body.data = body;
    envelope.body.len = verbund__common__v1__string_value__pack(&request, body);
    uint8_t buffer[256];
    size_t size = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    assert_int_equal(zmq_send(zsock_resolve(s_dealer), buffer, size, 0), (int)size);
}

/* Receives count replies (after run returned, they are already on their way) and checks them. */
static void
s_expect_ok_replies(int count)
{
    for (int i = 0; i < count; i++) {
        zmq_pollitem_t item = {zsock_resolve(s_dealer), 0, ZMQ_POLLIN, 0};
        assert_int_equal(zmq_poll(&item, 1, 5000), 1);
        zframe_t *frame = zframe_recv(s_dealer);
        Verbund__Rpc__V1__Reply *reply =
            vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
        zframe_destroy(&frame);
        assert_non_null(reply);
        assert_int_equal(reply->status, VB_STATUS_OK);
        vb_rpc_reply_free(reply);
    }
}

/* On the third tick: queue requests on the socket, then signal the process. */
static void
s_tick_then_signal(void *context)
{
    (void)context;
    if (++s_ticks != 3)
        return;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "queued-%d", i);
        s_send("test.Echo", id);
    }
    raise(s_signal);
}

static void
s_run_until_signal(int signo)
{
    struct sigaction before;
    sigaction(signo, NULL, &before);
    s_signal = signo;
    assert_int_equal(vb_service_add_timer(s_service, "signal", 20, s_tick_then_signal, NULL), 0);
    int64_t start_us = vb_clock_monotonic_us();
    assert_int_equal(vb_service_run(s_service), 0);
    int64_t elapsed_us = vb_clock_monotonic_us() - start_us;
    assert_int_equal(s_ticks, 3);
    assert_true(elapsed_us < 10 * 1000 * 1000);
    /* The requests queued before the signal were answered. */
    s_expect_ok_replies(5);
    /* The handler the process had before run is back. */
    struct sigaction after;
    sigaction(signo, NULL, &after);
    assert_ptr_equal(after.sa_handler, before.sa_handler);
}

/* Usage: new, a timer, run until SIGTERM, destroy. */
static void
test_sigterm_returns_zero(void **state)
{
    (void)state;
    s_run_until_signal(SIGTERM);
}

static void
test_sigint_returns_zero(void **state)
{
    (void)state;
    s_run_until_signal(SIGINT);
}

/* While running, the service answers; a handler may stop it. */
static void
test_stop_from_handler(void **state)
{
    (void)state;
    s_send("test.Echo", "before-stop");
    s_send("test.Stop", "stop");
    assert_int_equal(vb_service_run(s_service), 0);
    s_expect_ok_replies(2);
}

static void
s_tick_then_stop(void *context)
{
    int *limit = context;
    if (++s_ticks == *limit)
        vb_service_stop(s_service);
}

static void
s_tick_count(void *context)
{
    (*(int *)context)++;
}

/* Two named timers at different intervals; stop from a timer ends run after that tick. */
static void
test_timers_fire_and_stop(void **state)
{
    (void)state;
    int limit = 10;
    int fast_ticks = 0;
    assert_int_equal(vb_service_add_timer(s_service, "fast", 5, s_tick_count, &fast_ticks), 0);
    assert_int_equal(vb_service_add_timer(s_service, "stop", 20, s_tick_then_stop, &limit), 0);
    int64_t start_us = vb_clock_monotonic_us();
    assert_int_equal(vb_service_run(s_service), 0);
    int64_t elapsed_us = vb_clock_monotonic_us() - start_us;
    assert_int_equal(s_ticks, 10);
    assert_true(elapsed_us >= 180 * 1000);
    assert_true(fast_ticks >= 20);
}

static atomic_int s_loop_ticks;
static volatile sig_atomic_t s_usr1_count;

static void
s_on_usr1(int signo)
{
    (void)signo;
    s_usr1_count++;
}

static void
s_tick_atomic(void *context)
{
    (void)context;
    atomic_fetch_add(&s_loop_ticks, 1);
}

/* Waits (bounded) until the loop thread has ticked `ticks` times. */
static void
s_wait_ticks(int ticks)
{
    int64_t end_us = vb_clock_monotonic_us() + 5 * 1000 * 1000;
    while (atomic_load(&s_loop_ticks) < ticks && vb_clock_monotonic_us() < end_us)
        zmq_poll(NULL, 0, 1);
}

/* From another thread: SIGUSR1 (must not end the loop), then SIGTERM, both aimed at the loop
 * thread while it mostly waits in zmq_poll (EINTR path). */
static void *
s_signaller(void *arg)
{
    pthread_t loop_thread = *(pthread_t *)arg;
    s_wait_ticks(2);
    pthread_kill(loop_thread, SIGUSR1);
    s_wait_ticks(atomic_load(&s_loop_ticks) + 3);
    pthread_kill(loop_thread, SIGTERM);
    return NULL;
}

static void
test_signals_from_another_thread(void **state)
{
    (void)state;
    struct sigaction usr1, previous_usr1;
    memset(&usr1, 0, sizeof(usr1));
    usr1.sa_handler = s_on_usr1;
    sigemptyset(&usr1.sa_mask);
    sigaction(SIGUSR1, &usr1, &previous_usr1);
    atomic_store(&s_loop_ticks, 0);
    s_usr1_count = 0;
    assert_int_equal(vb_service_add_timer(s_service, "tick", 30, s_tick_atomic, NULL), 0);

    pthread_t loop_thread = pthread_self();
    pthread_t signaller;
    assert_int_equal(pthread_create(&signaller, NULL, s_signaller, &loop_thread), 0);
    assert_int_equal(vb_service_run(s_service), 0);
    pthread_join(signaller, NULL);
    sigaction(SIGUSR1, &previous_usr1, NULL);
    assert_int_equal(s_usr1_count, 1);
    assert_true(atomic_load(&s_loop_ticks) >= 5); /* the loop went on after SIGUSR1 */
}

static void
test_bind_failure(void **state)
{
    (void)state;
    vb_service_options_t options = {
        .rpc =
            {
                .service = "svc",
                .endpoint = vb_rpc_server_endpoint(vb_service_rpc(s_service)), /* taken */
                .methods = s_methods,
                .method_count = VB_ARRAY_SIZE(s_methods),
            },
    };
    assert_null(vb_service_new(&options));
    vb_service_t *none = NULL;
    vb_service_destroy(&none);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigterm_returns_zero, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sigint_returns_zero, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_handler, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timers_fire_and_stop, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_signals_from_another_thread, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bind_failure, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
