/* bench_batch_commit.c - membership.PersonCreate with 16 requests in flight: the service with
 * group commit (its default VERBUND_RPC_MAX_BATCH) against the same service restarted with
 * VERBUND_RPC_MAX_BATCH=1 (a commit per request); interleaved rounds, median of each.
 * Goal from issue 2: ratio >= 5. Does not: measure one client at a time (bench_create_person). */
#include <stdlib.h>
#include <string.h>

#include "bench_node.h"
#include "bench_report.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define ROUNDS 3
#define SECONDS_PER_RUN 4
#define WINDOW 16

/* SECONDS_PER_RUN of creates with WINDOW in flight; creates per second. */
static double
s_run(const char *run_id, long *counter)
{
    vb_rpc_client_options_t client_options = {
        .endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"), .attempt_timeout_ms = 10000,
        .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client) {
        fprintf(stderr, "bench: cannot create the RPC client\n");
        exit(1);
    }
    vb_rpc_call_options_t options = {
        .deadline_ms = 10000, .caller = bench_admin_caller(), .write = true};
    int in_flight = 0;
    long done = 0;
    double start = bench_now_seconds(), now = start;
    while (in_flight > 0 || now - start < SECONDS_PER_RUN) {
        while (in_flight < WINDOW && now - start < SECONDS_PER_RUN) {
            bench_person_t person;
            bench_person_fill(&person, run_id, (*counter)++);
            uint64_t ticket;
            if (vb_rpc_client_send(client, "membership.PersonCreate", &person.request.base,
                                   &options, &ticket) != 0) {
                fprintf(stderr, "bench: send failed\n");
                exit(1);
            }
            in_flight++;
        }
        uint64_t ticket;
        vb_status_t status;
        Verbund__Rpc__V1__Reply *reply = NULL;
        if (vb_rpc_client_receive(client, 10000, &ticket, &status, &reply) == 1) {
            in_flight--;
            if (status != VB_STATUS_CREATED) {
                fprintf(stderr, "bench: PersonCreate: %s %s\n", vb_status_name(status),
                        reply && reply->message ? reply->message : "");
                exit(1);
            }
            done++;
            if (reply)
                verbund__rpc__v1__reply__free_unpacked(reply, NULL);
        }
        now = bench_now_seconds();
    }
    vb_rpc_client_destroy(&client);
    return done / (now - start);
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    bench_node_start();
    char run_id[32];
    bench_run_id(run_id, sizeof run_id);
    long counter = 0;
    double batched[ROUNDS], single[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        setenv("VERBUND_RPC_MAX_BATCH", "1", 1);
        bench_node_restart("membership");
        single[round] = s_run(run_id, &counter);
        unsetenv("VERBUND_RPC_MAX_BATCH"); /* the service's default */
        bench_node_restart("membership");
        batched[round] = s_run(run_id, &counter);
        printf("info batch_commit round %d: group commit %.0f creates/s, commit per request "
               "%.0f creates/s\n",
               round + 1, batched[round], single[round]);
        fflush(stdout);
    }
    bench_report("batch_commit", "creates/s", bench_median(batched, ROUNDS),
                 "same service, VERBUND_RPC_MAX_BATCH=1", bench_median(single, ROUNDS), 5.0);
    bench_node_stop();
    return 0;
}
