/* test_db.c - vb/db.h against the fixture's PostgreSQL: migrations (order, once, failure,
 * two processes at once), parameters stored verbatim, the SQLSTATE mapping, savepoints,
 * reconnect after the backend is terminated, and the synchronous_commit refusal.
 * Does not: touch the membership schema (every test works in its own test_db_* schema). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vb/db.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

/* Fails the test with the statement, status and the server's message / SQLSTATE. */
#define assert_db_status(db, expected, expr)                                                 \
    do {                                                                                     \
        vb_status_t status_ = (expr);                                                        \
        if (status_ != (expected))                                                           \
            fail_msg("%s: status %s, expected %s; error '%s' sqlstate '%s'", #expr,           \
                     vb_status_name(status_), vb_status_name(expected), vb_db_error(db),     \
                     vb_db_sqlstate(db));                                                    \
    } while (0)
#define assert_db_ok(db, expr) assert_db_status(db, VB_STATUS_OK, expr)

static const char *
s_conninfo(void)
{
    const char *conninfo = vb_test_env("VERBUND_DATABASE_URL");
    if (!conninfo)
        fail_msg("VERBUND_DATABASE_URL missing from $VB_TEST_NODE_DIR/env");
    return conninfo;
}

static vb_db_t *
s_open(const char *schema, const vb_db_statement_t *statements, size_t count)
{
    char err[512] = "";
    vb_db_options_t options = {.conninfo = s_conninfo(),
                               .schema = schema,
                               .statements = statements,
                               .statement_count = count,
                               .connect_timeout_ms = 10000};
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db)
        fail_msg("vb_db_new(%s): %s", schema, err);
    return db;
}

/* A connection to a schema that exists but is empty (dropped first, so reruns start clean). */
static vb_db_t *
s_open_fresh(const char *schema, const vb_db_statement_t *statements, size_t count)
{
    vb_test_db_drop_schema(schema);
    return s_open(schema, statements, count);
}

/* Adds a migration file to a directory made by vb_test_migrations_dir. */
static void
s_write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* Row collectors. */
typedef struct {
    char values[16][256];
    int count;
} s_texts_t;

static int
s_collect_text(void *arg, const vb_db_row_t *row)
{
    s_texts_t *texts = arg;
    if (texts->count < 16)
        snprintf(texts->values[texts->count++], 256, "%s", vb_db_row_text(row, 0));
    return 0;
}

static int
s_collect_int(void *arg, const vb_db_row_t *row)
{
    int64_t *value = arg;
    *value = vb_db_row_int64(row, 0);
    return 0;
}

static int64_t
s_scalar(vb_db_t *db, const char *sql)
{
    int64_t value = -1;
    assert_db_ok(db, vb_db_exec(db, sql, NULL, 0, s_collect_int, &value, NULL));
    return value;
}

/* ---- usage example ---- */

typedef struct {
    char name[64];
    int64_t count;
    bool active;
    bool note_is_null;
    size_t name_length;
} s_item_t;

static int
s_read_item(void *arg, const vb_db_row_t *row)
{
    s_item_t *item = arg;
    assert_int_equal(vb_db_row_columns(row), 4);
    snprintf(item->name, sizeof item->name, "%s", vb_db_row_text(row, 0));
    item->name_length = vb_db_row_length(row, 0);
    item->count = vb_db_row_int64(row, 1);
    item->active = vb_db_row_bool(row, 2);
    item->note_is_null = vb_db_row_is_null(row, 3);
    return 0;
}

static void
test_usage_example(void **state)
{
    (void) state;
    static const vb_db_statement_t statements[] = {
        {"item_insert", "INSERT INTO item (name, count, active) VALUES ($1, $2, $3)"},
        {"item_get", "SELECT name, count, active, note FROM item WHERE name = $1"},
    };
    const char *files[] = {"0001_item.sql",
                           "CREATE TABLE item (name text PRIMARY KEY, count bigint NOT NULL,"
                           " active boolean NOT NULL, note text);",
                           NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_usage", statements, 2);
    char err[512] = "";
    if (vb_db_migrate(db, dir, err, sizeof err) != 0)
        fail_msg("migrate: %s", err);
    if (vb_db_prepare_all(db, err, sizeof err) != 0)
        fail_msg("prepare: %s", err);

    const char *params[] = {"lamp", "9007199254740993", "true"};
    int64_t affected = 0;
    assert_db_ok(db, vb_db_run(db, "item_insert", params, 3, NULL, NULL, &affected));
    assert_int_equal(affected, 1);

    s_item_t item = {0};
    const char *key[] = {"lamp"};
    assert_db_ok(db, vb_db_run(db, "item_get", key, 1, s_read_item, &item, &affected));
    assert_int_equal(affected, 1);
    assert_string_equal(item.name, "lamp");
    assert_int_equal(item.name_length, 4);
    assert_true(item.count == INT64_C(9007199254740993));
    assert_true(item.active);
    assert_true(item.note_is_null);
    assert_true(vb_db_connected(db));
    assert_int_equal(vb_db_ping(db), 0);

    /* No row: OK with zero rows, never NOT_FOUND. */
    const char *missing[] = {"chair"};
    assert_db_ok(db, vb_db_run(db, "item_get", missing, 1, s_read_item, &item, &affected));
    assert_int_equal(affected, 0);

    vb_db_destroy(&db);
    assert_null(db);
    vb_db_destroy(&db); /* accepts NULL */
    vb_test_remove_dir(dir);
}

/* ---- migrations ---- */

static void
test_migrations_applied_once_in_numeric_order(void **state)
{
    (void) state;
    /* 2 before 10 only if numbers, not names, are compared. */
    const char *files[] = {"1_log.sql", "CREATE TABLE migration_log (id serial, version int);",
                           "10_ten.sql", "INSERT INTO migration_log (version) VALUES (10);",
                           "2_two.sql", "INSERT INTO migration_log (version) VALUES (2);",
                           "README", "not a migration",
                           NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_migrations", NULL, 0);
    char err[512] = "";
    for (int run = 0; run < 3; run++) {
        if (vb_db_migrate(db, dir, err, sizeof err) != 0)
            fail_msg("migrate run %d: %s", run, err);
    }
    s_texts_t texts = {0};
    assert_db_ok(db, vb_db_exec(db, "SELECT version::text FROM migration_log ORDER BY id", NULL,
                                0, s_collect_text, &texts, NULL));
    assert_int_equal(texts.count, 2);
    assert_string_equal(texts.values[0], "2");
    assert_string_equal(texts.values[1], "10");
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM schema_migrations"), 3);

    /* A new file is applied on the next run, alone. */
    s_write_file(dir, "11_eleven.sql", "INSERT INTO migration_log (version) VALUES (11);");
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM migration_log"), 3);

    /* A failing file is rolled back as a whole and names itself in the error. */
    s_write_file(dir, "12_broken.sql",
                 "INSERT INTO migration_log (version) VALUES (12);\nSELECT no_such_function();");
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "12_broken.sql"));
    assert_non_null(strstr(err, "no_such_function"));
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM migration_log WHERE version = 12"), 0);
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM schema_migrations WHERE version = 12"), 0);
    assert_false(vb_db_in_transaction(db));

    /* Two files with one number are refused before anything runs. */
    s_write_file(dir, "12_fixed.sql", "INSERT INTO migration_log (version) VALUES (12);");
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "same number"));

    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

typedef struct {
    const char *dir;
    int rc;
    char err[512];
} s_migrate_job_t;

static void *
s_migrate_thread(void *arg)
{
    s_migrate_job_t *job = arg;
    char err[512] = "";
    vb_db_options_t options = {.conninfo = s_conninfo(), .schema = "test_db_concurrent",
                               .connect_timeout_ms = 10000};
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db) {
        job->rc = -2;
        snprintf(job->err, sizeof job->err, "%s", err);
        return NULL;
    }
    job->rc = vb_db_migrate(db, job->dir, job->err, sizeof job->err);
    vb_db_destroy(&db);
    return NULL;
}

static void
test_concurrent_migrate_is_serialised(void **state)
{
    (void) state;
    /* The sleep widens the window in which an unlocked second migrator would run 0001 too
     * (and fail on the existing table or the schema_migrations key). */
    const char *files[] = {"0001_slow.sql", "CREATE TABLE raced (x int); SELECT pg_sleep(0.3);",
                           "0002_fill.sql", "INSERT INTO raced VALUES (1);",
                           NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_concurrent", NULL, 0);

    s_migrate_job_t jobs[2] = {{.dir = dir}, {.dir = dir}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, s_migrate_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        if (jobs[i].rc != 0)
            fail_msg("migrator %d: %s", i, jobs[i].err);
    }
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM raced"), 1);
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM schema_migrations"), 2);
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* ---- parameters ---- */

static void
test_hostile_strings_stored_verbatim(void **state)
{
    (void) state;
    static const vb_db_statement_t statements[] = {
        {"note_insert", "INSERT INTO note (body) VALUES ($1) RETURNING id"},
        {"note_body", "SELECT body FROM note WHERE id = $1"},
    };
    static const char *const hostile[] = {
        "Robert'); DROP TABLE note;--",
        "' OR '1'='1",
        "$1 $2 \\x00 \"; -- /* */",
        "\x01\x02\x1b[31m\t\r\n\x7f",
        "Zeche Zollverein \xe2\x80\x93 \xc3\x84rger \xf0\x9f\x98\x80",
        "",
    };
    const char *files[] = {"0001_note.sql",
                           "CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL);",
                           NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_params", statements, 2);
    char err[512] = "";
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    assert_int_equal(vb_db_prepare_all(db, err, sizeof err), 0);

    for (size_t i = 0; i < VB_ARRAY_SIZE(hostile); i++) {
        int64_t id = 0;
        const char *params[] = {hostile[i]};
        assert_db_ok(db, vb_db_run(db, "note_insert", params, 1, s_collect_int, &id, NULL));
        char id_text[24];
        snprintf(id_text, sizeof id_text, "%lld", (long long) id);
        const char *key[] = {id_text};
        s_texts_t texts = {0};
        assert_db_ok(db, vb_db_run(db, "note_body", key, 1, s_collect_text, &texts, NULL));
        assert_int_equal(texts.count, 1);
        assert_string_equal(texts.values[0], hostile[i]);
    }
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM note"), (int64_t) VB_ARRAY_SIZE(hostile));

    /* NULL parameter is SQL NULL: refused by NOT NULL, mapped to UNPROCESSABLE. */
    const char *null_param[] = {NULL};
    assert_db_status(db, VB_STATUS_UNPROCESSABLE,
                     vb_db_run(db, "note_insert", null_param, 1, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "23502");
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* ---- SQLSTATE mapping ---- */

static void
test_sqlstate_mapping_table(void **state)
{
    (void) state;
    static const struct {
        const char *sqlstate;
        vb_status_t status;
    } cases[] = {
        {"23505", VB_STATUS_CONFLICT},     {"23P01", VB_STATUS_CONFLICT},
        {"23502", VB_STATUS_UNPROCESSABLE}, {"23503", VB_STATUS_UNPROCESSABLE},
        {"23514", VB_STATUS_UNPROCESSABLE}, {"22P02", VB_STATUS_BAD_REQUEST},
        {"22001", VB_STATUS_BAD_REQUEST},  {"40001", VB_STATUS_UNAVAILABLE},
        {"40P01", VB_STATUS_UNAVAILABLE},  {"08006", VB_STATUS_UNAVAILABLE},
        {"57P01", VB_STATUS_UNAVAILABLE},  {"42601", VB_STATUS_INTERNAL},
        {"42P01", VB_STATUS_INTERNAL},     {"", VB_STATUS_INTERNAL},
        {NULL, VB_STATUS_INTERNAL},
    };
    for (size_t i = 0; i < VB_ARRAY_SIZE(cases); i++) {
        vb_status_t got = vb_db_status_from_sqlstate(cases[i].sqlstate);
        if (got != cases[i].status)
            fail_msg("%s -> %s, expected %s", cases[i].sqlstate ? cases[i].sqlstate : "NULL",
                     vb_status_name(got), vb_status_name(cases[i].status));
    }
}

static void
test_server_errors_map_to_statuses(void **state)
{
    (void) state;
    const char *files[] = {"0001_person.sql",
                           "CREATE TABLE person (email text PRIMARY KEY,"
                           " age int CHECK (age >= 0), code varchar(3));",
                           NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_sqlstate", NULL, 0);
    char err[512] = "";
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    const char *insert = "INSERT INTO person (email, age, code) VALUES ($1, $2, $3)";

    const char *first[] = {"a@example.org", "30", "abc"};
    assert_db_ok(db, vb_db_exec(db, insert, first, 3, NULL, NULL, NULL));
    assert_db_status(db, VB_STATUS_CONFLICT, vb_db_exec(db, insert, first, 3, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "23505");
    assert_true(strlen(vb_db_error(db)) > 0);

    const char *negative[] = {"b@example.org", "-1", "abc"};
    assert_db_status(db, VB_STATUS_UNPROCESSABLE,
                     vb_db_exec(db, insert, negative, 3, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "23514");

    const char *not_a_number[] = {"c@example.org", "thirty", "abc"};
    assert_db_status(db, VB_STATUS_BAD_REQUEST,
                     vb_db_exec(db, insert, not_a_number, 3, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "22P02");

    const char *too_long[] = {"d@example.org", "1", "abcd"};
    assert_db_status(db, VB_STATUS_BAD_REQUEST,
                     vb_db_exec(db, insert, too_long, 3, NULL, NULL, NULL));

    assert_db_status(db, VB_STATUS_INTERNAL, vb_db_exec(db, "SELEC 1", NULL, 0, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "42601");
    assert_db_status(db, VB_STATUS_INTERNAL,
                     vb_db_run(db, "no_such_statement", NULL, 0, NULL, NULL, NULL));

    /* A success clears the last error. */
    assert_db_ok(db, vb_db_exec(db, "SELECT 1", NULL, 0, NULL, NULL, NULL));
    assert_string_equal(vb_db_sqlstate(db), "");
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* ---- transactions ---- */

static void
test_savepoint_rollback_keeps_the_rest(void **state)
{
    (void) state;
    const char *files[] = {"0001_t.sql", "CREATE TABLE t (name text PRIMARY KEY);", NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_savepoint", NULL, 0);
    char err[512] = "";
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    const char *insert = "INSERT INTO t (name) VALUES ($1)";
    const char *a[] = {"a"}, *b[] = {"b"}, *c[] = {"c"};

    assert_db_ok(db, vb_db_begin(db));
    assert_true(vb_db_in_transaction(db));
    assert_db_ok(db, vb_db_exec(db, insert, a, 1, NULL, NULL, NULL));
    assert_db_ok(db, vb_db_savepoint(db, "call_1"));
    assert_db_ok(db, vb_db_exec(db, insert, b, 1, NULL, NULL, NULL));
    /* A failing statement aborts only up to the savepoint. */
    assert_db_status(db, VB_STATUS_CONFLICT, vb_db_exec(db, insert, a, 1, NULL, NULL, NULL));
    assert_db_ok(db, vb_db_rollback_to(db, "call_1"));
    assert_db_ok(db, vb_db_release(db, "call_1"));
    assert_db_ok(db, vb_db_savepoint(db, "call_2"));
    assert_db_ok(db, vb_db_exec(db, insert, c, 1, NULL, NULL, NULL));
    assert_db_ok(db, vb_db_release(db, "call_2"));
    assert_db_ok(db, vb_db_commit(db));
    assert_false(vb_db_in_transaction(db));

    s_texts_t texts = {0};
    assert_db_ok(db, vb_db_exec(db, "SELECT name FROM t ORDER BY name", NULL, 0, s_collect_text,
                                &texts, NULL));
    assert_int_equal(texts.count, 2);
    assert_string_equal(texts.values[0], "a");
    assert_string_equal(texts.values[1], "c");

    /* A commit of an aborted transaction is reported, not silently turned into a rollback. */
    const char *d[] = {"d"};
    assert_db_ok(db, vb_db_begin(db));
    assert_db_ok(db, vb_db_exec(db, insert, d, 1, NULL, NULL, NULL));
    assert_db_status(db, VB_STATUS_CONFLICT, vb_db_exec(db, insert, a, 1, NULL, NULL, NULL));
    assert_db_status(db, VB_STATUS_INTERNAL, vb_db_commit(db));
    assert_false(vb_db_in_transaction(db));
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t WHERE name = 'd'"), 0);

    /* Rollback discards. */
    assert_db_ok(db, vb_db_begin(db));
    assert_db_ok(db, vb_db_exec(db, insert, d, 1, NULL, NULL, NULL));
    assert_db_ok(db, vb_db_rollback(db));
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t"), 2);
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* COPY ... FROM STDIN: rows go in (text format here; the relay sends binary), a duplicate key
 * fails the COPY with CONFLICT and nothing of it stays, and the connection goes on working. */
static void
test_copy_in(void **state)
{
    (void) state;
    const char *files[] = {"0001_t.sql", "CREATE TABLE t (name text PRIMARY KEY, n int);", NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_copy", NULL, 0);
    char err[512] = "";
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    const char *copy = "COPY t (name, n) FROM STDIN";
    const char rows[] = "a\t1\nb\t2\nc;DROP TABLE t\t3\n";
    int64_t copied = 0;
    assert_db_ok(db, vb_db_begin(db));
    assert_db_ok(db, vb_db_copy_in(db, copy, rows, strlen(rows), &copied));
    assert_int_equal(copied, 3);
    assert_db_ok(db, vb_db_commit(db));
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t"), 3);

    const char again[] = "d\t4\na\t5\n"; /* a is there already */
    assert_db_ok(db, vb_db_begin(db));
    assert_db_status(db, VB_STATUS_CONFLICT, vb_db_copy_in(db, copy, again, strlen(again), NULL));
    assert_db_ok(db, vb_db_rollback(db));
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t"), 3);

    /* not a COPY statement: refused with its error, and the next command works */
    assert_int_not_equal(vb_db_copy_in(db, "COPY nowhere FROM STDIN", rows, strlen(rows), NULL),
                         VB_STATUS_OK);
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t WHERE n = 3"), 1);
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* ---- reconnect ---- */

static void
s_terminate(vb_db_t *victim)
{
    int64_t pid = s_scalar(victim, "SELECT pg_backend_pid()");
    vb_db_t *killer = s_open("public", NULL, 0);
    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%lld", (long long) pid);
    const char *params[] = {pid_text};
    s_texts_t texts = {0};
    assert_db_ok(killer, vb_db_exec(killer, "SELECT pg_terminate_backend($1::int)::text", params,
                                    1, s_collect_text, &texts, NULL));
    assert_string_equal(texts.values[0], "true");
    /* Wait until the backend is really gone so the victim's next call sees the loss. */
    int64_t deadline = vb_test_now_ms() + 10000;
    while (vb_test_now_ms() < deadline) {
        int64_t alive = -1;
        assert_db_ok(killer, vb_db_exec(killer,
                                        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
                                        params, 1, s_collect_int, &alive, NULL));
        if (alive == 0)
            break;
        usleep(10000);
    }
    vb_db_destroy(&killer);
}

static void
test_reconnect_after_backend_terminated(void **state)
{
    (void) state;
    static const vb_db_statement_t statements[] = {
        {"t_count", "SELECT count(*) FROM t"},
        {"t_insert", "INSERT INTO t (name) VALUES ($1)"},
    };
    const char *files[] = {"0001_t.sql", "CREATE TABLE t (name text PRIMARY KEY);", NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = s_open_fresh("test_db_reconnect", statements, 2);
    char err[512] = "";
    assert_int_equal(vb_db_migrate(db, dir, err, sizeof err), 0);
    assert_int_equal(vb_db_prepare_all(db, err, sizeof err), 0);
    int64_t before = s_scalar(db, "SELECT pg_backend_pid()");

    s_terminate(db);
    int64_t count = -1;
    assert_db_status(db, VB_STATUS_UNAVAILABLE, vb_db_run(db, "t_count", NULL, 0, s_collect_int,
                                                         &count, NULL));
    assert_false(vb_db_connected(db));

    /* The next calls reconnect (with backoff) and find the statements prepared again. */
    vb_status_t status = VB_STATUS_UNAVAILABLE;
    int64_t deadline = vb_test_now_ms() + 10000;
    while (status != VB_STATUS_OK && vb_test_now_ms() < deadline) {
        int64_t started = vb_test_now_ms();
        status = vb_db_run(db, "t_count", NULL, 0, s_collect_int, &count, NULL);
        /* A call never blocks long on a reconnect. */
        assert_true(vb_test_now_ms() - started < 1000);
        if (status != VB_STATUS_OK)
            usleep(20000);
    }
    assert_db_ok(db, status);
    assert_int_equal(count, 0);
    assert_true(vb_db_connected(db));
    assert_true(s_scalar(db, "SELECT pg_backend_pid()") != before);
    /* The schema is on the search_path of the new session. */
    const char *x[] = {"x"};
    assert_db_ok(db, vb_db_run(db, "t_insert", x, 1, NULL, NULL, NULL));

    /* Lost inside a transaction: the rest of it fails until rolled back; nothing half-done
     * is committed on the new connection. */
    const char *y[] = {"y"};
    assert_db_ok(db, vb_db_begin(db));
    assert_db_ok(db, vb_db_run(db, "t_insert", y, 1, NULL, NULL, NULL));
    s_terminate(db);
    const char *z[] = {"z"};
    assert_db_status(db, VB_STATUS_UNAVAILABLE, vb_db_run(db, "t_insert", z, 1, NULL, NULL, NULL));
    assert_db_status(db, VB_STATUS_UNAVAILABLE, vb_db_run(db, "t_insert", z, 1, NULL, NULL, NULL));
    assert_true(vb_db_in_transaction(db));
    assert_db_ok(db, vb_db_rollback(db));
    assert_false(vb_db_in_transaction(db));
    deadline = vb_test_now_ms() + 10000;
    status = VB_STATUS_UNAVAILABLE;
    while (status != VB_STATUS_OK && vb_test_now_ms() < deadline) {
        status = vb_db_run(db, "t_count", NULL, 0, s_collect_int, &count, NULL);
        if (status != VB_STATUS_OK)
            usleep(20000);
    }
    assert_db_ok(db, status);
    assert_int_equal(count, 1); /* only "x" */

    /* Terminated before COMMIT: the commit reports UNAVAILABLE. */
    assert_db_ok(db, vb_db_begin(db));
    assert_db_ok(db, vb_db_run(db, "t_insert", y, 1, NULL, NULL, NULL));
    s_terminate(db);
    assert_db_status(db, VB_STATUS_UNAVAILABLE, vb_db_commit(db));
    assert_false(vb_db_in_transaction(db));
    deadline = vb_test_now_ms() + 10000;
    while (vb_db_ping(db) != 0 && vb_test_now_ms() < deadline)
        usleep(20000);
    assert_int_equal(s_scalar(db, "SELECT count(*) FROM t WHERE name = 'y'"), 0);
    vb_db_destroy(&db);
    vb_test_remove_dir(dir);
}

/* ---- refusals ---- */

static void
test_synchronous_commit_off_is_refused(void **state)
{
    (void) state;
    const char *base = s_conninfo();
    char conninfo[1024];
    if (strstr(base, "://"))
        snprintf(conninfo, sizeof conninfo, "%s%soptions=-c%%20synchronous_commit%%3Doff", base,
                 strchr(base, '?') ? "&" : "?");
    else
        snprintf(conninfo, sizeof conninfo, "%s options='-c synchronous_commit=off'", base);
    char err[512] = "";
    vb_db_options_t options = {.conninfo = conninfo, .schema = "test_db_refused",
                               .connect_timeout_ms = 10000};
    int64_t started = vb_test_now_ms();
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    assert_null(db);
    assert_non_null(strstr(err, "synchronous_commit"));
    /* A refusal is final: not retried until the timeout. */
    assert_true(vb_test_now_ms() - started < 5000);

    /* The same conninfo with synchronous_commit on (local) is accepted. */
    if (strstr(base, "://"))
        snprintf(conninfo, sizeof conninfo, "%s%soptions=-c%%20synchronous_commit%%3Dlocal", base,
                 strchr(base, '?') ? "&" : "?");
    else
        snprintf(conninfo, sizeof conninfo, "%s options='-c synchronous_commit=local'", base);
    db = vb_db_new(&options, err, sizeof err);
    if (!db)
        fail_msg("synchronous_commit=local refused: %s", err);
    vb_db_destroy(&db);
}

static int
s_unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *) &address, sizeof address), 0);
    socklen_t length = sizeof address;
    assert_int_equal(getsockname(fd, (struct sockaddr *) &address, &length), 0);
    close(fd); /* bound but never listening: connections are refused */
    return ntohs(address.sin_port);
}

static void
test_unreachable_database_gives_up_after_timeout(void **state)
{
    (void) state;
    char conninfo[256];
    snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d user=verbund dbname=verbund",
             s_unused_port());
    char err[512] = "";
    vb_db_options_t options = {.conninfo = conninfo, .schema = "test_db_unreachable",
                               .connect_timeout_ms = 700};
    int64_t started = vb_test_now_ms();
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    int64_t elapsed = vb_test_now_ms() - started;
    assert_null(db);
    assert_true(strlen(err) > 0);
    /* Retried with backoff (100, 200, 400 ms ...) until the budget, not much longer. */
    assert_true(elapsed >= 600);
    assert_true(elapsed < 3000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_example),
        cmocka_unit_test(test_migrations_applied_once_in_numeric_order),
        cmocka_unit_test(test_concurrent_migrate_is_serialised),
        cmocka_unit_test(test_hostile_strings_stored_verbatim),
        cmocka_unit_test(test_sqlstate_mapping_table),
        cmocka_unit_test(test_server_errors_map_to_statuses),
        cmocka_unit_test(test_copy_in),
        cmocka_unit_test(test_savepoint_rollback_keeps_the_rest),
        cmocka_unit_test(test_reconnect_after_backend_terminated),
        cmocka_unit_test(test_synchronous_commit_off_is_refused),
        cmocka_unit_test(test_unreachable_database_gives_up_after_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
