/* bench_create_person.c - membership.PersonCreate over the service (one client, one request at
 * a time, each a durable write with its idempotency key) against pgbench -M prepared -c 1 in the
 * same PostgreSQL, runs interleaved, median of the rounds. Two references:
 *  - the same transaction the service commits per create, written by pgbench directly: the
 *    person row, its outbox event (with the NOTIFY) and the idempotency record, into scratch
 *    copies of those tables (same columns, checks and indexes). The ratio to this one is the
 *    service's own cost (ZeroMQ, protobuf, validation, logging) and carries the goal;
 *  - the person row alone (report only): what the outbox and idempotency rows cost on top.
 * Goal from issue 2: ratio >= 0.6. Does not: measure concurrency (bench_batch_commit does). */
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "bench_node.h"
#include "bench_report.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define ROUNDS 5
#define SECONDS_PER_RUN 3
#define SCRATCH_SCHEMA "bench_scratch"

static const char *s_pgbench_script =
    "\\set n random(1, 2000000000)\n"
    "INSERT INTO " SCRATCH_SCHEMA ".persons (id, name, email, organization_id, region, sector,"
    " languages, skills, interests, visible_in_network, federate, created_at, updated_at)"
    " VALUES (gen_random_uuid(), 'Bench Person ' || :n,"
    " 'pgb' || nextval('" SCRATCH_SCHEMA ".email_seq') || '@example.org', NULL, 'NRW',"
    " 'education', ARRAY['de', 'en'], '[{\"code\": \"fs.collaboration\", \"level\": 3}]'::jsonb,"
    " ARRAY['digital education', 'open source'], true, false, clock_timestamp(), clock_timestamp())"
    " RETURNING id, name, email, organization_id, region, sector, languages, skills, interests,"
    " visible_in_network, federate, version, created_at, updated_at;\n";

/* What the service commits for one PersonCreate with an idempotency key. */
static const char *s_pgbench_transaction_script =
    "\\set n random(1, 2000000000)\n"
    "BEGIN;\n"
    "INSERT INTO " SCRATCH_SCHEMA ".persons (id, name, email, organization_id, region, sector,"
    " languages, skills, interests, visible_in_network, federate, created_at, updated_at)"
    " VALUES (gen_random_uuid(), 'Bench Person ' || :n,"
    " 'pgt' || nextval('" SCRATCH_SCHEMA ".email_seq') || '@example.org', NULL, 'NRW',"
    " 'education', ARRAY['de', 'en'], '[{\"code\": \"fs.collaboration\", \"level\": 3}]'::jsonb,"
    " ARRAY['digital education', 'open source'], true, false, clock_timestamp(),"
    " clock_timestamp());\n"
    "INSERT INTO " SCRATCH_SCHEMA ".outbox (id, type, subject, dataschema, data)"
    " VALUES (gen_random_uuid(), 'verbund.membership.person.created.v1', :n::text,"
    " 'verbund.membership.v1.PersonEvent', decode(repeat('ab', 180), 'hex'));\n"
    "SELECT pg_notify('verbund_bench_outbox', 'membership');\n"
    "INSERT INTO " SCRATCH_SCHEMA ".idempotency (caller_id, key, method, request_hash, reply)"
    " VALUES ('bench-admin', gen_random_uuid()::text, 'membership.PersonCreate',"
    " decode(repeat('cd', 32), 'hex'), decode(repeat('ef', 260), 'hex'));\n"
    "COMMIT;\n";

static vb_db_t *
s_scratch_open(void)
{
    char err[512];
    vb_db_options_t options = {.conninfo = getenv("VERBUND_DATABASE_URL"),
                               .schema = SCRATCH_SCHEMA};
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db) {
        fprintf(stderr, "bench: scratch database: %s\n", err);
        exit(1);
    }
    return db;
}

/* The reference table: a copy of membership.persons with its defaults, checks and indexes. */
static void
s_scratch_create(void)
{
    vb_db_t *db = s_scratch_open();
    const char *sql[] = {
        "DROP TABLE IF EXISTS " SCRATCH_SCHEMA ".persons",
        "CREATE TABLE " SCRATCH_SCHEMA ".persons (LIKE membership.persons INCLUDING ALL)",
        "DROP TABLE IF EXISTS " SCRATCH_SCHEMA ".outbox",
        "CREATE TABLE " SCRATCH_SCHEMA ".outbox (LIKE membership.outbox INCLUDING ALL)",
        "DROP TABLE IF EXISTS " SCRATCH_SCHEMA ".idempotency",
        "CREATE TABLE " SCRATCH_SCHEMA ".idempotency (LIKE membership.idempotency INCLUDING ALL)",
        "CREATE SEQUENCE IF NOT EXISTS " SCRATCH_SCHEMA ".email_seq",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (vb_db_exec(db, sql[i], NULL, 0, NULL, NULL, NULL) != VB_STATUS_OK) {
            fprintf(stderr, "bench: %s: %s\n", sql[i], vb_db_error(db));
            exit(1);
        }
    vb_db_destroy(&db);
}

static void
s_scratch_drop(void)
{
    vb_db_t *db = s_scratch_open();
    if (vb_db_exec(db, "DROP SCHEMA " SCRATCH_SCHEMA " CASCADE", NULL, 0, NULL, NULL, NULL) !=
        VB_STATUS_OK)
        fprintf(stderr, "bench: dropping the scratch schema: %s\n", vb_db_error(db));
    vb_db_destroy(&db);
}

static void
s_pgbench_path(char *out, size_t size)
{
    glob_t found;
    if (glob("/usr/lib/postgresql/*/bin/pgbench", 0, NULL, &found) != 0 || found.gl_pathc == 0) {
        fprintf(stderr, "bench: pgbench not found (Debian package postgresql-contrib)\n");
        exit(1);
    }
    snprintf(out, size, "%s", found.gl_pathv[found.gl_pathc - 1]);
    globfree(&found);
}

/* One pgbench run; returns its tps (without connection time). */
static double
s_run_pgbench(const char *pgbench, const char *script_path)
{
    char command[2048];
    snprintf(command, sizeof command,
             "'%s' -n -M prepared -c 1 -T %d -f '%s' -h 127.0.0.1 -p %s -U verbund verbund 2>&1",
             pgbench, SECONDS_PER_RUN, script_path, getenv("VB_TEST_PG_PORT"));
    FILE *pipe = popen(command, "r");
    if (!pipe) {
        perror("bench: popen pgbench");
        exit(1);
    }
    char line[512];
    double tps = 0;
    while (fgets(line, sizeof line, pipe)) {
        const char *at = strstr(line, "tps = ");
        if (at && tps == 0)
            tps = strtod(at + 6, NULL);
        if (strstr(line, "error") || strstr(line, "ERROR"))
            fprintf(stderr, "pgbench: %s", line);
    }
    if (pclose(pipe) != 0 || tps <= 0) {
        fprintf(stderr, "bench: pgbench failed: %s\n", command);
        exit(1);
    }
    return tps;
}

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
        verbund__rpc__v1__reply__free_unpacked(reply, NULL);
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
    s_pgbench_path(pgbench, sizeof pgbench);
    bench_node_start();
    s_scratch_create();

    char script_path[512], transaction_path[512];
    snprintf(script_path, sizeof script_path, "%s/create_person.sql", s_node_dir);
    snprintf(transaction_path, sizeof transaction_path, "%s/create_person_tx.sql", s_node_dir);
    const char *paths[] = {script_path, transaction_path};
    const char *scripts[] = {s_pgbench_script, s_pgbench_transaction_script};
    for (int i = 0; i < 2; i++) {
        FILE *script = fopen(paths[i], "w");
        if (!script || fputs(scripts[i], script) < 0 || fclose(script) != 0) {
            fprintf(stderr, "bench: cannot write %s\n", paths[i]);
            return 1;
        }
    }

    vb_rpc_client_options_t client_options = {
        .endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"), .attempt_timeout_ms = 5000,
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
        reference[round] = s_run_pgbench(pgbench, transaction_path);
        row_only[round] = s_run_pgbench(pgbench, script_path);
        verbund[round] = s_run_verbund(client, run_id, &counter);
        printf("info create_person round %d: verbund %.0f creates/s, pgbench same transaction "
               "%.0f tps, pgbench person row only %.0f tps\n",
               round + 1, verbund[round], reference[round], row_only[round]);
        fflush(stdout);
    }
    vb_rpc_client_destroy(&client);
    s_scratch_drop();
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
