/* vb/db.h - PostgreSQL access for one service: one connection, its schema on the search_path,
 * named prepared statements (re-prepared after every reconnect), transactions and savepoints,
 * numbered migrations under an advisory lock, and the one SQLSTATE -> status mapping.
 * Every statement is parameterised (PQexecPrepared / PQexecParams); no SQL is built from data.
 * No PGresult leaves this module: rows reach the caller through a callback.
 * Does not: pool connections or cross threads (one vb_db_t per thread). */
#ifndef VB_DB_H
#define VB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/status.h"

typedef struct vb_db vb_db_t;
typedef struct vb_db_row vb_db_row_t;

/* One statement of a service's store, prepared on every (re)connect under its name. */
typedef struct {
    const char *name; /* "person_insert" */
    const char *sql;  /* "INSERT INTO person (...) VALUES ($1, ...)" */
} vb_db_statement_t;

typedef struct {
    const char *conninfo;                 /* libpq connection string or URI */
    const char *schema;                   /* created if missing; first on search_path */
    const vb_db_statement_t *statements;  /* borrowed table; may be NULL */
    size_t statement_count;
    int connect_timeout_ms;               /* per attempt at start; default 30000 in total */
} vb_db_options_t;

/* Connects (retrying with backoff until connect_timeout_ms), creates the schema, checks that
 * synchronous_commit is not off (refuses: returns NULL with the reason in err), but does NOT
 * prepare statements: call vb_db_migrate first, then vb_db_prepare_all. */
vb_db_t *vb_db_new(const vb_db_options_t *options, char *err, size_t err_size);

/* Closes the connection; accepts NULL; nulls *self_p. */
void vb_db_destroy(vb_db_t **self_p);

/* Applies every NNNN_*.sql file of migrations_dir not yet recorded in
 * <schema>.schema_migrations, in numeric order, each in its own transaction, while holding a
 * session advisory lock derived from the schema name (so two starting replicas do not race).
 * Returns 0, or -1 with the failing file and the server's message in err. */
int vb_db_migrate(vb_db_t *self, const char *migrations_dir, char *err, size_t err_size) VB_MUSTCHECK;

/* Prepares every statement of the options table. 0 or -1 (err filled). */
int vb_db_prepare_all(vb_db_t *self, char *err, size_t err_size) VB_MUSTCHECK;

/* Adds statements to the registry (the table is borrowed and must outlive self), e.g. those of
 * vb/write_batch.h. When vb_db_prepare_all already ran they are prepared now; every reconnect
 * prepares them with the rest. 0, or -1 (vb_db_error says why). */
int vb_db_add_statements(vb_db_t *self, const vb_db_statement_t *statements, size_t count)
    VB_MUSTCHECK;

/* Called once per result row; return 0 to continue, non-zero to stop reading rows. */
typedef int (*vb_db_row_fn)(void *arg, const vb_db_row_t *row);

/* Runs a prepared statement by name with text parameters (a NULL entry is SQL NULL).
 * on_row may be NULL. *affected (may be NULL) receives the row count of INSERT/UPDATE/DELETE
 * or the number of rows returned. Returns OK, NOT_FOUND never (callers decide from rows),
 * CONFLICT (23505 unique / 23P01 exclusion), UNPROCESSABLE (23xxx other integrity),
 * BAD_REQUEST (22xxx data exceptions), UNAVAILABLE (connection lost: the connection is reset
 * with backoff on a later call; 40001/40P01 serialization and deadlock), INTERNAL otherwise.
 * Details: vb_db_error / vb_db_sqlstate. */
vb_status_t vb_db_run(vb_db_t *self, const char *statement, const char *const *params,
                      int param_count, vb_db_row_fn on_row, void *arg, int64_t *affected);

/* Like vb_db_run but the rows come in binary format (no bytea hex, no integer text):
 * vb_db_row_int64/bool decode the binary values, vb_db_row_bytes gives bytea bytes as stored,
 * text columns are their raw UTF-8 (vb_db_row_text still works). Cast a column whose binary
 * form is not one of these (uuid, timestamptz, numeric) to text in SQL. Not available inside a
 * pipelined transaction (INTERNAL). */
vb_status_t vb_db_run_binary(vb_db_t *self, const char *statement, const char *const *params,
                             int param_count, vb_db_row_fn on_row, void *arg, int64_t *affected);

/* Like vb_db_run but for one-off SQL text with $n parameters (migrations, tests, admin). */
vb_status_t vb_db_exec(vb_db_t *self, const char *sql, const char *const *params, int param_count,
                       vb_db_row_fn on_row, void *arg, int64_t *affected);

/* Transactions. begin/commit/rollback return OK or UNAVAILABLE/INTERNAL.
 * Savepoint names are identifiers chosen by code, never by input. */
/* Runs sql, a "COPY ... FROM STDIN" statement, and sends data (in the format the statement
 * names, e.g. binary) as its rows; *rows (may be NULL) gets the count copied. Not in a pipelined
 * transaction. */
vb_status_t vb_db_copy_in(vb_db_t *self, const char *sql, const void *data, size_t size,
                          int64_t *rows);

vb_status_t vb_db_begin(vb_db_t *self);
vb_status_t vb_db_commit(vb_db_t *self);
vb_status_t vb_db_rollback(vb_db_t *self);
vb_status_t vb_db_savepoint(vb_db_t *self, const char *name);
vb_status_t vb_db_release(vb_db_t *self, const char *name);
vb_status_t vb_db_rollback_to(vb_db_t *self, const char *name);

/* A transaction in libpq pipeline mode, for group commit (vb/write_batch.h): BEGIN, the
 * savepoint commands and vb_db_send are queued without waiting; the next call that needs a
 * result (vb_db_run, vb_db_exec, vb_db_flush, vb_db_commit) sends everything queued with one
 * round trip. A queued command's failure is reported by that call (its status and
 * vb_db_error) and the server skips the rest of the queue up to it; the transaction then stays
 * open in the failed state until vb_db_rollback_to or vb_db_rollback. vb_db_commit returns an
 * error with vb_db_in_transaction still true when a queued failure made the server skip the
 * COMMIT. Ends with vb_db_commit or vb_db_rollback like vb_db_begin. */
vb_status_t vb_db_begin_pipelined(vb_db_t *self);

/* Queues a prepared statement whose rows are not needed; *result receives its status when the
 * outcome is read (the next waiting call). Outside a pipelined transaction it runs at once.
 * Returns OK when queued, or the status of a failure noticed now (connection lost). */
vb_status_t vb_db_send(vb_db_t *self, const char *statement, const char *const *params,
                       int param_count, vb_status_t *result);

/* Sends and reads everything queued; the status of the first queued failure, or OK. */
vb_status_t vb_db_flush(vb_db_t *self);

/* What pipelined transactions did, for vb/write_batch.h to tell whether a call left anything
 * behind without a savepoint around it. The counters only grow: compare two readings. */
typedef struct {
    /* Statements callers sent (vb_db_run, vb_db_exec, vb_db_send, vb_db_write; not BEGIN,
     * COMMIT or savepoints) that may change data: all but those vb_db_sql_reads_only accepts
     * (a registered statement is judged by its SQL; an unregistered name counts). */
    uint64_t writes;
    /* Commands that failed, whether a caller waited for them or not: after one the server's
     * transaction is aborted until vb_db_rollback_to or vb_db_rollback. */
    uint64_t failures;
} vb_db_activity_t;

vb_db_activity_t vb_db_activity(const vb_db_t *self);

/* True when sql only reads: it starts with SELECT and names none of INSERT, UPDATE (FOR UPDATE
 * and FOR NO KEY UPDATE are locks and allowed), DELETE, MERGE, INTO, nextval, setval,
 * set_config or pg_notify, in any case, even inside a string literal (conservative). Anything
 * else, a WITH query included, may write. Contract for statement authors: a function a SELECT
 * calls must not change data (verbund's schemas define no such function). */
bool vb_db_sql_reads_only(const char *sql);

/* Optimistic mode (set by vb/write_batch.h around an optimistic pass): vb_db_write queues its
 * statement instead of waiting. */
void vb_db_set_optimistic(vb_db_t *self, bool optimistic);

/* A statement whose rows are not needed and whose failure the caller would only pass on
 * (an INSERT of a new row, an outbox append). Inside an optimistic pass it is queued and
 * returns OK at once: a failure then voids the whole pass, which the write batch runs again
 * carefully, and there this runs at once and returns its real status like vb_db_run. */
vb_status_t vb_db_write(vb_db_t *self, const char *statement, const char *const *params,
                        int param_count) VB_MUSTCHECK;

/* True between a successful vb_db_begin and its commit/rollback. */
bool vb_db_in_transaction(const vb_db_t *self);

/* True when the connection is up (a cheap check; no round trip). */
bool vb_db_connected(const vb_db_t *self);

/* Round trip "SELECT 1"; reconnects if needed. 0 when the database answers. */
int vb_db_ping(vb_db_t *self);

/* The last error's server message / SQLSTATE ("" when none); borrowed until the next call. */
const char *vb_db_error(const vb_db_t *self);
const char *vb_db_sqlstate(const vb_db_t *self);

/* The only SQLSTATE -> status mapping of verbund (see vb_db_run). NULL/"" -> INTERNAL. */
vb_status_t vb_db_status_from_sqlstate(const char *sqlstate);

/* Row accessors; column by index. Text is borrowed for the duration of the callback. */
int vb_db_row_columns(const vb_db_row_t *row);
bool vb_db_row_is_null(const vb_db_row_t *row, int column);
const char *vb_db_row_text(const vb_db_row_t *row, int column); /* "" for NULL */
int64_t vb_db_row_int64(const vb_db_row_t *row, int column);    /* 0 for NULL */
bool vb_db_row_bool(const vb_db_row_t *row, int column);        /* 't' -> true */
size_t vb_db_row_length(const vb_db_row_t *row, int column);
/* A column's bytes as the server sent them: bytea contents in a binary result (text results
 * give the hex text); borrowed for the duration of the callback. */
const uint8_t *vb_db_row_bytes(const vb_db_row_t *row, int column);

#endif
