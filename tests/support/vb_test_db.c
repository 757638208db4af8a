/* vb_test_db.c - see vb_test_db.h. */
#include "vb_test_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int64_t
vb_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
