/* bench_batch_commit.c - membership.PersonCreate with 16 requests in flight: the service with
 * group commit (its default VERBUND_RPC_MAX_BATCH) against the same service restarted with
 * VERBUND_RPC_MAX_BATCH=1 (a commit per request); interleaved rounds, median of each.
 * Goal from issue 2: ratio >= 5. In the same run, an info line with PostgreSQL's own ceiling for
 * that goal: pgbench -M prepared -c 1 committing 16 creates (the statements the service sends
 * per create, bench_pgbench.h) per pipelined transaction without savepoints, in creates/s and as
 * a multiple of the per-request rate - when that multiple is below 5 the goal is out of reach on
 * this machine whatever the service does.
 * Does not: measure one client at a time (bench_create_person). */
#include <stdlib.h>
#include <string.h>

#include "bench_node.h"
#include "bench_pgbench.h"
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
    char pgbench[512];
    bench_pgbench_path(pgbench, sizeof pgbench);
    bench_node_start();
    bench_scratch_create();
    char ceiling_path[512];
    bench_pgbench_batch_file(s_node_dir, "batch_commit_ceiling.sql", WINDOW, "pgp", ceiling_path,
                             sizeof ceiling_path);

    char run_id[32];
    bench_run_id(run_id, sizeof run_id);
    long counter = 0;
    double batched[ROUNDS], single[ROUNDS], ceiling[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        setenv("VERBUND_RPC_MAX_BATCH", "1", 1);
        bench_node_restart("membership");
        single[round] = bench_person_create_rpc(run_id, &counter, WINDOW, SECONDS_PER_RUN);
        unsetenv("VERBUND_RPC_MAX_BATCH"); /* the service's default */
        bench_node_restart("membership");
        batched[round] = bench_person_create_rpc(run_id, &counter, WINDOW, SECONDS_PER_RUN);
        ceiling[round] = WINDOW * bench_pgbench_run(pgbench, ceiling_path, SECONDS_PER_RUN);
        printf("info batch_commit round %d: group commit %.0f creates/s, commit per request "
               "%.0f creates/s, pgbench %d per pipelined transaction %.0f creates/s\n",
               round + 1, batched[round], single[round], WINDOW, ceiling[round]);
        fflush(stdout);
    }
    double single_median = bench_median(single, ROUNDS);
    double ceiling_median = bench_median(ceiling, ROUNDS);
    printf("info batch_commit ceiling: pgbench -M prepared -c 1, %d creates per pipelined "
           "transaction without savepoints: %.0f creates/s = %.2fx the commit-per-request rate "
           "(the goal needs 5x)\n",
           WINDOW, ceiling_median, single_median > 0 ? ceiling_median / single_median : 0.0);
    bench_report("batch_commit", "creates/s", bench_median(batched, ROUNDS),
                 "same service, VERBUND_RPC_MAX_BATCH=1", single_median, 5.0);
    bench_scratch_drop();
    bench_node_stop();
    return 0;
}
