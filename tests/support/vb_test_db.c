/* vb_test_db.c - see vb_test_db.h. */
#include "vb_test_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vb_test_node.h"

vb_db_t *
vb_test_db_open(const char *schema)
{
    char err[512] = "";
    const char *conninfo = vb_test_env("VERBUND_DATABASE_URL");
    if (!conninfo)
        fail_msg("VERBUND_DATABASE_URL missing from $VB_TEST_NODE_DIR/env");
    vb_db_options_t options = {.conninfo = conninfo, .schema = schema, .connect_timeout_ms = 10000};
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db)
        fail_msg("vb_db_new: %s", err);
    if (vb_db_prepare_all(db, err, sizeof err) != 0)
        fail_msg("prepare: %s", err);
    return db;
}

void
vb_test_db_drop_schema(const char *schema)
{
    vb_db_t *admin = vb_test_db_open("public");
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    if (vb_db_exec(admin, sql, NULL, 0, NULL, NULL, NULL) != VB_STATUS_OK)
        fail_msg("%s: %s (sqlstate %s)", sql, vb_db_error(admin), vb_db_sqlstate(admin));
    vb_db_destroy(&admin);
}

char *
vb_test_migrations_dir(const char *const *files)
{
    char *dir = strdup("/tmp/vb-test-migrations-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; files[i]; i += 2) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *file = fopen(path, "w");
        assert_non_null(file);
        fputs(files[i + 1], file);
        assert_int_equal(fclose(file), 0);
    }
    return dir;
}

void
vb_test_remove_dir(char *dir)
{
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    free(dir);
}

vb_db_t *
vb_test_db_open_migrated(const char *schema, const char *file_name, const char *sql)
{
    vb_test_db_drop_schema(schema);
    const char *files[] = {file_name, sql, NULL};
    char *dir = vb_test_migrations_dir(files);
    vb_db_t *db = vb_test_db_open(schema);
    char err[512] = "";
    if (vb_db_migrate(db, dir, err, sizeof err) != 0)
        fail_msg("migrate: %s", err);
    vb_test_remove_dir(dir);
    return db;
}

static int
s_bool_row(void *arg, const vb_db_row_t *row)
{
    *(bool *)arg = vb_db_row_bool(row, 0);
    return 0;
}

bool
vb_test_db_has_stream_log(vb_db_t *db)
{
    bool has_log = false;
    if (vb_db_exec(db, "SELECT to_regclass('stream.log') IS NOT NULL", NULL, 0, s_bool_row,
                   &has_log, NULL) != VB_STATUS_OK)
        fail_msg("probing stream.log: %s", vb_db_error(db));
    return has_log;
}

int64_t
vb_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
