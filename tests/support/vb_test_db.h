/* vb_test_db.h - small helpers integration tests share: a connection to the fixture's
 * PostgreSQL in a schema of the test's own, and a monotonic clock in milliseconds for deadlines.
 * Does not: create tables (each test's migrations do). */
#ifndef VB_TEST_DB_H
#define VB_TEST_DB_H

#include <stdint.h>

#include "vb/db.h"

/* Opens VERBUND_DATABASE_URL of the fixture with schema first on the search_path (created if
 * missing) and prepares its statements; fails the running cmocka test on any error. */
vb_db_t *vb_test_db_open(const char *schema);

/* Monotonic milliseconds, for polling with a deadline. */
int64_t vb_test_now_ms(void);

#endif
