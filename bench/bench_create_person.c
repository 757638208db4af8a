/* bench_create_person.c - membership.PersonCreate over the service (one client, one request at
 * a time, each a durable write with its idempotency key) against pgbench -M prepared -c 1 in the
 * same PostgreSQL, runs interleaved, median of the rounds. Two references:
 *  - the same transaction the service commits per create, written by pgbench directly: the
 *    person row, its outbox event (with the NOTIFY) and the idempotency record, into scratch
 *    copies of those tables (same columns, checks and indexes). The ratio to this one is the
 *    service's own cost (ZeroMQ, protobuf, validation, logging) and carries the goal;
 *  - the person row alone (report only): what the outbox and idempotency rows cost on top.
 * Goal from issue 2: ratio >= 0.6. Does not: measure concurrency (bench_batch_commit does). */
#include <stdlib.h>
#include <string.h>

#include "bench_node.h"
#include "bench_pgbench.h"
#include "bench_report.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define ROUNDS 5
#define SECONDS_PER_RUN 3

static const char *s_pgbench_script =
    "\\set n random(1, 2000000000)\n"
    "INSERT INTO " BENCH_SCRATCH_SCHEMA ".persons (id, name, email, organization_id, region,"
    " sector, languages, skills, interests, visible_in_network, federate, created_at,"
    " updated_at) VALUES (gen_random_uuid(), 'Bench Person ' || :n,"
    " 'pgb' || nextval('" BENCH_SCRATCH_SCHEMA ".email_seq') || '@example.org', NULL, 'NRW',"
    " 'education', ARRAY['de', 'en'], '[{\"code\": \"fs.collaboration\", \"level\": 3}]'::jsonb,"
    " ARRAY['digital education', 'open source'], true, false, clock_timestamp(), clock_timestamp())"
    " RETURNING id, name, email, organization_id, region, sector, languages, skills, interests,"
    " visible_in_network, federate, version, created_at, updated_at;\n";

/* What the service commits per create: one transaction of BENCH_PGBENCH_CREATE. */
static const char *s_pgbench_transaction_script =
    "\\set n random(1, 2000000000)\n"
    "BEGIN;\n" BENCH_PGBENCH_CREATE("pgt") "COMMIT;\n";

/* SECONDS_PER_RUN of PersonCreate calls, one at a time; returns creates per second. */
static double
s_run_verbund(vb_rpc_client_t *client, const char *run_id, long *counter)
{
    bench_person_t person;
    vb_rpc_call_options_t options = {
        .deadline_ms = 10000, .caller = bench_admin_caller(), .write = true};
    long done = 0;
    double start = bench_now_seconds(), now = start;
    while (now - start < SECONDS_PER_RUN) {
        bench_person_fill(&person, run_id, (*counter)++);
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status = vb_rpc_client_call(client, "membership.PersonCreate",
                                                &person.request.base, &options, &reply);
        if (status != VB_STATUS_CREATED) {
            fprintf(stderr, "bench: PersonCreate: %s %s\n", vb_status_name(status),
                    reply && reply->message ? reply->message : "");
            exit(1);
        }
        vb_rpc_reply_free(reply);
        done++;
        now = bench_now_seconds();
    }
    return done / (now - start);
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

    char script_path[512], transaction_path[512];
    snprintf(script_path, sizeof script_path, "%s/create_person.sql", s_node_dir);
    snprintf(transaction_path, sizeof transaction_path, "%s/create_person_tx.sql", s_node_dir);
    bench_pgbench_write_script(script_path, s_pgbench_script);
    bench_pgbench_write_script(transaction_path, s_pgbench_transaction_script);

    vb_rpc_client_options_t client_options = {.endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"),
                                              .attempt_timeout_ms = 5000,
                                              .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client) {
        fprintf(stderr, "bench: cannot create the RPC client\n");
        return 1;
    }
    char run_id[32];
    bench_run_id(run_id, sizeof run_id);
    long counter = 0;
    double verbund[ROUNDS], reference[ROUNDS], row_only[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        reference[round] = bench_pgbench_run(pgbench, transaction_path, SECONDS_PER_RUN);
        row_only[round] = bench_pgbench_run(pgbench, script_path, SECONDS_PER_RUN);
        verbund[round] = s_run_verbund(client, run_id, &counter);
        printf("info create_person round %d: verbund %.0f creates/s, pgbench same transaction "
               "%.0f tps, pgbench person row only %.0f tps\n",
               round + 1, verbund[round], reference[round], row_only[round]);
        fflush(stdout);
    }
    vb_rpc_client_destroy(&client);
    bench_scratch_drop();
    double median = bench_median(verbund, ROUNDS);
    bench_report("create_person", "creates/s", median,
                 "pgbench -M prepared -c 1, the same transaction: person, outbox event, "
                 "idempotency record",
                 bench_median(reference, ROUNDS), 0.6);
    bench_report("create_person_vs_row_only", "creates/s", median,
                 "pgbench -M prepared -c 1, the person row alone", bench_median(row_only, ROUNDS),
                 0);
    bench_node_stop();
    return 0;
}
