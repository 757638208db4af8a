/* bench_rpc_noop.c - a no-op request over verbund's RPC layer (rpc.Ping: Envelope and Reply
 * packed, routed, logged at debug) against bare ZeroMQ DEALER/ROUTER echo of a frame of the
 * same size, both with the same window of requests in flight, interleaved, median of 7 rounds.
 * Goal from issue 2: ratio >= 0.85. Does not: touch a database. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bench_report.h"
#include "verbund/common/v1/types.pb-c.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/rpc_server.h"

#define WINDOW 16

static atomic_int s_stop;

/* --- reference: a bare ROUTER that echoes every message ------------------------------------ */

static void *
s_bare_echo(void *arg)
{
    void *router = arg;
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    while (!atomic_load(&s_stop)) {
        if (zmq_poll(&item, 1, 50) <= 0)
            continue;
        while (1) {
            zmq_msg_t identity, body;
            zmq_msg_init(&identity);
            if (zmq_msg_recv(&identity, router, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&identity);
                break;
            }
            zmq_msg_init(&body);
            zmq_msg_recv(&body, router, 0);
            zmq_msg_send(&identity, router, ZMQ_SNDMORE);
            zmq_msg_send(&body, router, 0);
        }
    }
    return NULL;
}

static double
s_run_bare(void *context, const char *endpoint, int count, size_t frame_size)
{
    void *dealer = zmq_socket(context, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(dealer, endpoint);
    char *frame = calloc(1, frame_size);
    double start = bench_now_seconds();
    int sent = 0, received = 0;
    while (received < count) {
        while (sent < count && sent - received < WINDOW) {
            zmq_send(dealer, frame, frame_size, 0);
            sent++;
        }
        char buffer[512];
        if (zmq_recv(dealer, buffer, sizeof buffer, 0) >= 0)
            received++;
    }
    double elapsed = bench_now_seconds() - start;
    free(frame);
    zmq_close(dealer);
    return count / elapsed;
}

/* --- verbund: vb_rpc_server answering rpc.Ping, vb_rpc_client with the same window ---------- */

static void *
s_verbund_server(void *arg)
{
    vb_rpc_server_t *server = arg;
    void *socket = zsock_resolve(vb_rpc_server_socket(server));
    zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
    while (!atomic_load(&s_stop)) {
        if (zmq_poll(&item, 1, 50) > 0)
            while (vb_rpc_server_process(server) > 0)
                ;
    }
    return NULL;
}

static double
s_run_verbund(const char *endpoint, int count)
{
    vb_rpc_client_options_t options = {.endpoint = endpoint, .attempt_timeout_ms = 5000,
                                       .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    Verbund__Common__V1__Empty empty = VERBUND__COMMON__V1__EMPTY__INIT;
    double start = bench_now_seconds();
    int sent = 0, received = 0, failed = 0;
    while (received < count) {
        while (sent < count && sent - received < WINDOW) {
            uint64_t ticket;
            if (vb_rpc_client_send(client, "rpc.Ping", &empty.base, NULL, &ticket) != 0) {
                fprintf(stderr, "send failed\n");
                exit(1);
            }
            sent++;
        }
        uint64_t ticket;
        vb_status_t status;
        Verbund__Rpc__V1__Reply *reply = NULL;
        if (vb_rpc_client_receive(client, 5000, &ticket, &status, &reply) == 1) {
            received++;
            if (status != VB_STATUS_OK)
                failed++;
            if (reply)
                vb_rpc_reply_free(reply);
        }
    }
    double elapsed = bench_now_seconds() - start;
    vb_rpc_client_destroy(&client);
    if (failed) {
        fprintf(stderr, "%d pings failed\n", failed);
        exit(1);
    }
    return count / elapsed;
}

int
main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 100000;
    /* "bare" or "verbund" as a second argument runs one side only (for profiling: perf stat,
     * perf record); the ratio needs both. */
    const char *only = argc > 2 ? argv[2] : NULL;
    bool run_bare = !only || strcmp(only, "bare") == 0;
    bool run_verbund = !only || strcmp(only, "verbund") == 0;
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);

    void *context = zmq_ctx_new();
    void *router = zmq_socket(context, ZMQ_ROUTER);
    zmq_bind(router, "tcp://127.0.0.1:*");
    char bare_endpoint[256];
    size_t length = sizeof bare_endpoint;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, bare_endpoint, &length);

    vb_rpc_server_options_t server_options = {.service = "bench",
                                              .endpoint = "tcp://127.0.0.1:0"};
    vb_rpc_server_t *server = vb_rpc_server_new(&server_options);
    if (!server) {
        fprintf(stderr, "cannot bind the verbund server\n");
        return 1;
    }
    pthread_t bare_thread, verbund_thread;
    pthread_create(&bare_thread, NULL, s_bare_echo, router);
    pthread_create(&verbund_thread, NULL, s_verbund_server, server);

    /* The reference echoes a frame as large as the rpc.Ping Envelope the client sends (method,
     * compact request id, deadline; no trace id) so both move the same bytes. */
    char request_id[VB_COMPACT_ID_SIZE];
    vb_compact_id_at(request_id, vb_clock_now_ms());
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = "rpc.Ping";
    envelope.request_id = request_id;
    envelope.deadline_unix_ms = vb_clock_now_ms() + 5000;
    size_t frame_size = verbund__rpc__v1__envelope__get_packed_size(&envelope);
    enum { ROUNDS = 7 };
    double bare[ROUNDS], verbund[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        bare[round] = run_bare ? s_run_bare(context, bare_endpoint, count, frame_size) : 1;
        verbund[round] = run_verbund ? s_run_verbund(vb_rpc_server_endpoint(server), count) : 1;
    }
    atomic_store(&s_stop, 1);
    pthread_join(bare_thread, NULL);
    pthread_join(verbund_thread, NULL);
    bench_report("rpc_noop_round_trip", "req/s", bench_median(verbund, ROUNDS),
                 "bare DEALER/ROUTER echo", bench_median(bare, ROUNDS), 0.85);
    vb_rpc_server_destroy(&server);
    zmq_close(router);
    zmq_ctx_term(context);
    return 0;
}
