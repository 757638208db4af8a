/* vb_test_db.h - small helpers integration tests share: a connection to the fixture's
 * PostgreSQL in a schema of the test's own, and a monotonic clock in milliseconds for deadlines.
 * Does not: create tables (each test's migrations do). */
#ifndef VB_TEST_DB_H
#define VB_TEST_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "vb/db.h"

/* Opens VERBUND_DATABASE_URL of the fixture with schema first on the search_path (created if
 * missing) and prepares its statements; fails the running cmocka test on any error. */
vb_db_t *vb_test_db_open(const char *schema);

/* Drops schema (CASCADE) if it exists, so a rerun starts clean. schema is chosen by the test,
 * never input. */
void vb_test_db_drop_schema(const char *schema);

/* A new temporary directory holding migration files given as pairs (file name, SQL),
 * NULL-terminated; the caller removes it with vb_test_remove_dir. */
char *vb_test_migrations_dir(const char *const *files);

/* Removes dir and everything in it, and frees the string. */
void vb_test_remove_dir(char *dir);

/* A connection to schema, dropped first and then migrated with one migration (file_name, sql);
 * fails the running test on any error. */
vb_db_t *vb_test_db_open_migrated(const char *schema, const char *file_name, const char *sql);

/* True when stream.log exists in db (the stream service runs in the fixture and relays outbox
 * events there); fails the running test when the query fails. */
bool vb_test_db_has_stream_log(vb_db_t *db);

/* Monotonic milliseconds, for polling with a deadline. */
int64_t vb_test_now_ms(void);

#endif
