/* bench_pgbench.h - PostgreSQL's own figures for the create benchmarks: scratch copies of the
 * membership tables (same columns, checks and indexes) in schema bench_scratch, the statements
 * one membership.PersonCreate with an idempotency key commits, written for pgbench, and a
 * pgbench -M prepared -c 1 run against the node's PostgreSQL that returns its tps.
 * Does not: start the node (bench_node.h) or judge the figures (each benchmark does). */
#ifndef BENCH_PGBENCH_H
#define BENCH_PGBENCH_H

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/db.h"

#define BENCH_SCRATCH_SCHEMA "bench_scratch"

/* What the service commits for one PersonCreate with an idempotency key: the person row, its
 * outbox event with the NOTIFY, the idempotency record. :n is a pgbench \set variable; prefix (a
 * string literal) keeps the emails of one script apart from another's. */
#define BENCH_PGBENCH_CREATE(prefix)                                                               \
    "INSERT INTO " BENCH_SCRATCH_SCHEMA ".persons (id, name, email, organization_id, region,"      \
    " sector, languages, skills, interests, visible_in_network, federate, created_at,"             \
    " updated_at) VALUES (gen_random_uuid(), 'Bench Person ' || :n,"                               \
    " '" prefix "' || nextval('" BENCH_SCRATCH_SCHEMA ".email_seq') || '@example.org', NULL,"      \
    " 'NRW', 'education', ARRAY['de', 'en'],"                                                      \
    " '[{\"code\": \"fs.collaboration\", \"level\": 3}]'::jsonb,"                                  \
    " ARRAY['digital education', 'open source'], true, false, clock_timestamp(),"                  \
    " clock_timestamp());\n"                                                                       \
    "INSERT INTO " BENCH_SCRATCH_SCHEMA ".outbox (id, type, subject, dataschema, data)"            \
    " VALUES (gen_random_uuid(), 'verbund.membership.person.created.v1', :n::text,"                \
    " 'verbund.membership.v1.PersonEvent', decode(repeat('ab', 180), 'hex'));\n"                   \
    "SELECT pg_notify('verbund_bench_outbox', 'membership');\n"                                    \
    "INSERT INTO " BENCH_SCRATCH_SCHEMA ".idempotency (caller_id, key, method, request_hash,"      \
    " reply) VALUES ('bench-admin', gen_random_uuid()::text, 'membership.PersonCreate',"           \
    " decode(repeat('cd', 32), 'hex'), decode(repeat('ef', 260), 'hex'));\n"

/* A connection to the node's database with schema first on its search path; exits on failure. */
static inline vb_db_t *
bench_db_open(const char *schema)
{
    char err[512];
    vb_db_options_t options = {.conninfo = getenv("VERBUND_DATABASE_URL"), .schema = schema};
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db) {
        fprintf(stderr, "bench: database (%s): %s\n", schema, err);
        exit(1);
    }
    return db;
}

static inline vb_db_t *
bench_scratch_open(void)
{
    return bench_db_open(BENCH_SCRATCH_SCHEMA);
}

/* (Re)creates the scratch copies of membership's persons, outbox and idempotency tables. */
static inline void
bench_scratch_create(void)
{
    vb_db_t *db = bench_scratch_open();
    const char *sql[] = {
        "DROP TABLE IF EXISTS " BENCH_SCRATCH_SCHEMA ".persons",
        "CREATE TABLE " BENCH_SCRATCH_SCHEMA ".persons (LIKE membership.persons INCLUDING ALL)",
        "DROP TABLE IF EXISTS " BENCH_SCRATCH_SCHEMA ".outbox",
        "CREATE TABLE " BENCH_SCRATCH_SCHEMA ".outbox (LIKE membership.outbox INCLUDING ALL)",
        "DROP TABLE IF EXISTS " BENCH_SCRATCH_SCHEMA ".idempotency",
        "CREATE TABLE " BENCH_SCRATCH_SCHEMA
        ".idempotency (LIKE membership.idempotency INCLUDING ALL)",
        "CREATE SEQUENCE IF NOT EXISTS " BENCH_SCRATCH_SCHEMA ".email_seq",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (vb_db_exec(db, sql[i], NULL, 0, NULL, NULL, NULL) != VB_STATUS_OK) {
            fprintf(stderr, "bench: %s: %s\n", sql[i], vb_db_error(db));
            exit(1);
        }
    vb_db_destroy(&db);
}

static inline void
bench_scratch_drop(void)
{
    vb_db_t *db = bench_scratch_open();
    if (vb_db_exec(db, "DROP SCHEMA " BENCH_SCRATCH_SCHEMA " CASCADE", NULL, 0, NULL, NULL, NULL) !=
        VB_STATUS_OK)
        fprintf(stderr, "bench: dropping the scratch schema: %s\n", vb_db_error(db));
    vb_db_destroy(&db);
}

/* The newest installed pgbench; exits the program when there is none. */
static inline void
bench_pgbench_path(char *out, size_t size)
{
    glob_t found;
    if (glob("/usr/lib/postgresql/*/bin/pgbench", 0, NULL, &found) != 0 || found.gl_pathc == 0) {
        fprintf(stderr, "bench: pgbench not found (Debian package postgresql-contrib)\n");
        exit(1);
    }
    snprintf(out, size, "%s", found.gl_pathv[found.gl_pathc - 1]);
    globfree(&found);
}

/* Writes a pgbench script to path; exits the program on failure. */
static inline void
bench_pgbench_write_script(const char *path, const char *script)
{
    FILE *file = fopen(path, "w");
    if (!file || fputs(script, file) < 0 || fclose(file) != 0) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        exit(1);
    }
}

/* One pgbench -M prepared run of script_path for seconds against the node's PostgreSQL, with the
 * client options given ("-c 1", "-c 16 -j 2 -D event=ID"): its tps (without connection time).
 * Exits the program when pgbench fails. */
static inline double
bench_pgbench_run_with(const char *pgbench, const char *options, const char *script_path,
                       int seconds)
{
    char command[2048];
    snprintf(command, sizeof command,
             "'%s' -n -M prepared %s -T %d -f '%s' -h 127.0.0.1 -p %s -U verbund verbund 2>&1",
             pgbench, options, seconds, script_path, getenv("VB_TEST_PG_PORT"));
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

/* bench_pgbench_run_with one client: the references of the single-connection benchmarks. */
static inline double
bench_pgbench_run(const char *pgbench, const char *script_path, int seconds)
{
    return bench_pgbench_run_with(pgbench, "-c 1", script_path, seconds);
}

/* \startpipeline, BEGIN, creates x BENCH_PGBENCH_CREATE, COMMIT, \endpipeline: one round trip and
 * one commit per that many creates without savepoints - what a write pass of the service costs
 * PostgreSQL at best, so the ceiling of any benchmark made of such creates. malloc'd. */
static inline char *
bench_pgbench_batch_script(int creates, const char *prefix)
{
    static const char head[] = "\\set n random(1, 2000000000)\n\\startpipeline\nBEGIN;\n";
    static const char tail[] = "COMMIT;\n\\endpipeline\n";
    /* the create with the prefix put in: BENCH_PGBENCH_CREATE takes a literal, so format it */
    static const char create_format[] = BENCH_PGBENCH_CREATE("%s");
    char create[sizeof create_format + 64];
    snprintf(create, sizeof create, create_format, prefix);
    size_t size = sizeof head + (size_t)creates * strlen(create) + sizeof tail;
    char *script = malloc(size);
    if (!script) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    char *at = script + snprintf(script, size, "%s", head);
    for (int i = 0; i < creates; i++)
        at += snprintf(at, size - (size_t)(at - script), "%s", create);
    snprintf(at, size - (size_t)(at - script), "%s", tail);
    return script;
}

/* Writes bench_pgbench_batch_script(creates, prefix) to DIR/NAME (out: its path). */
static inline void
bench_pgbench_batch_file(const char *dir, const char *name, int creates, const char *prefix,
                         char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
    char *script = bench_pgbench_batch_script(creates, prefix);
    bench_pgbench_write_script(out, script);
    free(script);
}

#endif
