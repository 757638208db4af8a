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
        single[round] = bench_person_create_rpc(run_id, &counter, WINDOW, SECONDS_PER_RUN);
        unsetenv("VERBUND_RPC_MAX_BATCH"); /* the service's default */
        bench_node_restart("membership");
        batched[round] = bench_person_create_rpc(run_id, &counter, WINDOW, SECONDS_PER_RUN);
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
