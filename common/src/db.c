/* db.c - PostgreSQL access over libpq: connect and reconnect with backoff, schema and
 * search_path, migrations under an advisory lock, prepared statements, transactions, and the
 * one SQLSTATE -> status mapping. Does not: pool connections, retry statements, or build SQL
 * from data (only the schema identifier, quoted by PQescapeIdentifier, and savepoint names
 * chosen by code are ever pasted into SQL text). */
#include "vb/db.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "vb/log.h"

#define S_BACKOFF_FIRST_MS 100
#define S_BACKOFF_MAX_MS 2000
#define S_DEFAULT_CONNECT_TIMEOUT_MS 30000
/* A reconnect inside a request must not hold the loop for long. */
#define S_RECONNECT_ATTEMPT_MS 100
/* Commands queued in a pipelined transaction before a round trip is forced. */
#define S_QUEUE_MAX 256

/* A statement of the registry and whether it only reads (vb_db_sql_reads_only of its SQL). */
typedef struct {
    vb_db_statement_t statement;
    bool reads_only;
} s_registered_t;

struct vb_db {
    PGconn *conn;                  /* NULL while disconnected */
    char *conninfo;                /* copy of the options' connection string */
    char *schema;                  /* copy of the schema name */
    s_registered_t *statements;    /* registry (name and SQL borrowed from the callers' tables) */
    size_t statement_count;
    size_t statement_capacity;
    bool prepare_wanted;           /* vb_db_prepare_all was called: re-prepare on reconnect */
    bool in_transaction;           /* between begin and commit/rollback */
    bool transaction_lost;         /* the connection dropped inside the transaction */
    int connect_timeout_ms;        /* total budget of vb_db_new */
    int backoff_ms;                /* delay before the next reconnect attempt */
    int64_t next_attempt_us;       /* monotonic; no reconnect before this */
    bool pipelined;                /* vb_db_begin_pipelined: libpq pipeline mode is on */
    vb_status_t *queued[S_QUEUE_MAX]; /* per queued command: where its outcome goes (or NULL) */
    int queued_count;              /* commands sent but not read yet */
    vb_db_activity_t activity;     /* statements that may write and failed commands inside
                                      pipelined transactions (only grow) */
    bool optimistic;               /* vb_db_write queues (an optimistic write batch runs) */
    char error[512];               /* last error message, "" when none */
    char sqlstate[6];              /* last SQLSTATE, "" when none */
};

struct vb_db_row {
    const PGresult *result; /* borrowed for the callback */
    int row;                /* row index */
};

/* SQLSTATE -> status, first match wins: exact codes before their classes. */
static const struct {
    const char *prefix; /* a five-character code or a two-character class */
    vb_status_t status;
} s_sqlstate_map[] = {
    {"23505", VB_STATUS_CONFLICT},          /* unique_violation */
    {"23P01", VB_STATUS_CONFLICT},          /* exclusion_violation */
    {"40001", VB_STATUS_UNAVAILABLE},       /* serialization_failure: retry */
    {"40P01", VB_STATUS_UNAVAILABLE},       /* deadlock_detected: retry */
    {"57P01", VB_STATUS_UNAVAILABLE},       /* admin_shutdown (also pg_terminate_backend) */
    {"57P02", VB_STATUS_UNAVAILABLE},       /* crash_shutdown */
    {"57P03", VB_STATUS_UNAVAILABLE},       /* cannot_connect_now */
    {"57014", VB_STATUS_DEADLINE_EXCEEDED}, /* query_canceled (statement_timeout) */
    {"53300", VB_STATUS_UNAVAILABLE},       /* too_many_connections */
    {"23", VB_STATUS_UNPROCESSABLE},        /* other integrity constraint violations */
    {"22", VB_STATUS_BAD_REQUEST},          /* data exceptions (bad input text, overflow) */
    {"08", VB_STATUS_UNAVAILABLE},          /* connection exceptions */
};

static int64_t
s_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static void VB_PRINTF(3, 4)
s_set_error(vb_db_t *self, const char *sqlstate, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(self->error, sizeof self->error, fmt, args);
    va_end(args);
    /* libpq messages span lines ("FATAL: ...\n\tThis probably means ..."); logs and replies
     * want one line: each run of whitespace becomes one space. */
    char *out = self->error;
    for (const char *in = self->error; *in; in++) {
        bool space = *in == '\n' || *in == '\t' || *in == '\r' || *in == ' ';
        if (!space)
            *out++ = *in;
        else if (out > self->error && out[-1] != ' ')
            *out++ = ' ';
    }
    while (out > self->error && out[-1] == ' ')
        out--;
    *out = '\0';
    snprintf(self->sqlstate, sizeof self->sqlstate, "%s", sqlstate ? sqlstate : "");
}

static void
s_clear_error(vb_db_t *self)
{
    self->error[0] = '\0';
    self->sqlstate[0] = '\0';
}

static void
s_copy_err(char *err, size_t err_size, const char *message)
{
    if (err && err_size > 0)
        snprintf(err, err_size, "%s", message);
}

static void
s_notice_processor(void *arg, const char *message)
{
    (void) arg;
    /* NOTICEs ("schema already exists, skipping") are expected; keep them out of stderr. */
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        len--;
    vb_log_debug("postgres notice: %.*s", (int) len, message);
}

vb_status_t
vb_db_status_from_sqlstate(const char *sqlstate)
{
    if (!sqlstate || !*sqlstate)
        return VB_STATUS_INTERNAL;
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_sqlstate_map); i++) {
        const char *prefix = s_sqlstate_map[i].prefix;
        if (strncmp(sqlstate, prefix, strlen(prefix)) == 0)
            return s_sqlstate_map[i].status;
    }
    return VB_STATUS_INTERNAL;
}

/* Records the outcome of a failed result; returns the status for it. Marks the connection
 * lost (reconnect on a later call) when libpq says it is. */
static vb_status_t
s_fail_result(vb_db_t *self, const PGresult *result)
{
    const char *sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message || !*message)
        message = PQerrorMessage(self->conn);
    if (PQstatus(self->conn) == CONNECTION_BAD) {
        s_set_error(self, sqlstate && *sqlstate ? sqlstate : "08006", "connection lost: %s",
                    message);
        vb_log_warn("database connection lost: %s", self->error);
        PQfinish(self->conn);
        self->conn = NULL;
        self->pipelined = false;
        if (self->in_transaction)
            self->transaction_lost = true;
        /* The first reconnect happens on the next call; later ones back off. */
        self->backoff_ms = S_BACKOFF_FIRST_MS;
        self->next_attempt_us = 0;
        return VB_STATUS_UNAVAILABLE;
    }
    if (!result) {
        s_set_error(self, NULL, "%s", message);
        return VB_STATUS_INTERNAL;
    }
    s_set_error(self, sqlstate, "%s", message);
    return vb_db_status_from_sqlstate(sqlstate);
}

/* One connection attempt bounded by timeout_ms (non-blocking connect + poll). */
static PGconn *
s_connect_once(const char *conninfo, int timeout_ms, char *err, size_t err_size)
{
    PGconn *conn = PQconnectStart(conninfo);
    if (!conn) {
        s_copy_err(err, err_size, "out of memory");
        return NULL;
    }
    if (PQstatus(conn) == CONNECTION_BAD) {
        s_copy_err(err, err_size, PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    int64_t deadline_us = s_monotonic_us() + (int64_t) timeout_ms * 1000;
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED) {
        struct pollfd pfd = {.fd = PQsocket(conn),
                             .events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        int64_t left_ms = (deadline_us - s_monotonic_us()) / 1000;
        if (left_ms <= 0) {
            s_copy_err(err, err_size, "connection attempt timed out");
            PQfinish(conn);
            return NULL;
        }
        int rc = poll(&pfd, 1, (int) left_ms);
        if (rc < 0 && errno != EINTR) {
            s_copy_err(err, err_size, strerror(errno));
            PQfinish(conn);
            return NULL;
        }
        if (rc > 0)
            state = PQconnectPoll(conn);
    }
    if (state == PGRES_POLLING_FAILED) {
        s_copy_err(err, err_size, PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_notice_processor, NULL);
    return conn;
}

/* A simple command on the current connection (no parameters); OK or the mapped status. */
static vb_status_t
s_command(vb_db_t *self, const char *sql)
{
    PGresult *result = PQexecParams(self->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    vb_status_t status = VB_STATUS_OK;
    ExecStatusType state = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK)
        status = s_fail_result(self, result);
    PQclear(result);
    return status;
}

static int
s_prepare_registry(vb_db_t *self)
{
    for (size_t i = 0; i < self->statement_count; i++) {
        const vb_db_statement_t *statement = &self->statements[i].statement;
        PGresult *result = PQprepare(self->conn, statement->name, statement->sql, 0, NULL);
        if (!result || PQresultStatus(result) != PGRES_COMMAND_OK) {
            s_fail_result(self, result);
            PQclear(result);
            char message[sizeof self->error];
            snprintf(message, sizeof message, "%s", self->error);
            s_set_error(self, self->sqlstate, "prepare %s: %s", statement->name, message);
            return -1;
        }
        PQclear(result);
    }
    return 0;
}

/* After a connection is made: schema, search_path, synchronous_commit check and (on
 * reconnect) the prepared statements. 0, or -1 with self->error set. *refused is set when the
 * server's settings forbid using it at all (no point retrying). */
static int
s_setup_session(vb_db_t *self, bool *refused)
{
    *refused = false;
    char *quoted = PQescapeIdentifier(self->conn, self->schema, strlen(self->schema));
    if (!quoted) {
        s_set_error(self, NULL, "cannot quote schema name: %s", PQerrorMessage(self->conn));
        return -1;
    }
    char sql[512];
    int rc = -1;
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", quoted);
    vb_status_t status = s_command(self, sql);
    /* Two processes creating the schema at once: the loser sees a duplicate; it exists now. */
    if (status == VB_STATUS_CONFLICT || strcmp(self->sqlstate, "42P06") == 0)
        status = self->conn ? VB_STATUS_OK : status;
    if (status != VB_STATUS_OK)
        goto cleanup;
    snprintf(sql, sizeof sql, "SET search_path TO %s, public", quoted);
    if (s_command(self, sql) != VB_STATUS_OK)
        goto cleanup;

    PGresult *result = PQexecParams(self->conn, "SHOW synchronous_commit", 0, NULL, NULL, NULL,
                                    NULL, 0);
    if (!result || PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) != 1) {
        s_fail_result(self, result);
        PQclear(result);
        goto cleanup;
    }
    if (strcmp(PQgetvalue(result, 0, 0), "off") == 0) {
        s_set_error(self, NULL,
                    "synchronous_commit is off for this session: acknowledged writes could be "
                    "lost in a crash; refusing to use this database");
        *refused = true;
        PQclear(result);
        goto cleanup;
    }
    PQclear(result);
    if (self->prepare_wanted && s_prepare_registry(self) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    PQfreemem(quoted);
    return rc;
}

/* Connects and sets the session up within timeout_ms. 0 or -1 (self->error set). */
static int
s_connect(vb_db_t *self, int timeout_ms, bool *refused)
{
    char message[256] = "";
    *refused = false;
    self->conn = s_connect_once(self->conninfo, timeout_ms, message, sizeof message);
    if (!self->conn) {
        s_set_error(self, "08001", "cannot connect: %s", message);
        return -1;
    }
    if (s_setup_session(self, refused) != 0) {
        if (self->conn)
            PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    return 0;
}

/* Makes sure a connection is up before a statement; reconnects at most once per backoff
 * interval and for at most S_RECONNECT_ATTEMPT_MS. OK or UNAVAILABLE. */
static vb_status_t
s_ensure_connected(vb_db_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return VB_STATUS_OK;
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
        self->pipelined = false;
        if (self->in_transaction)
            self->transaction_lost = true;
    }
    int64_t now_us = s_monotonic_us();
    if (now_us < self->next_attempt_us) {
        s_set_error(self, "08006", "database unavailable; next reconnect attempt in %lld ms",
                    (long long) ((self->next_attempt_us - now_us) / 1000));
        return VB_STATUS_UNAVAILABLE;
    }
    bool refused = false;
    if (s_connect(self, S_RECONNECT_ATTEMPT_MS, &refused) != 0) {
        self->next_attempt_us = s_monotonic_us() + (int64_t) self->backoff_ms * 1000;
        self->backoff_ms = self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS
                                                                   : self->backoff_ms * 2;
        vb_log_warn("database reconnect failed: %s", self->error);
        return VB_STATUS_UNAVAILABLE;
    }
    self->backoff_ms = S_BACKOFF_FIRST_MS;
    self->next_attempt_us = 0;
    vb_log_info("database reconnected");
    return VB_STATUS_OK;
}

/* Before a statement: connected, and not inside a transaction the connection lost. */
static vb_status_t
s_ready(vb_db_t *self)
{
    s_clear_error(self);
    if (self->transaction_lost) {
        s_set_error(self, "08006", "connection lost inside the transaction; roll back");
        return VB_STATUS_UNAVAILABLE;
    }
    vb_status_t status = s_ensure_connected(self);
    if (status == VB_STATUS_OK && self->transaction_lost) {
        /* s_ensure_connected found the old connection dead and replaced it. */
        s_set_error(self, "08006", "connection lost inside the transaction; roll back");
        return VB_STATUS_UNAVAILABLE;
    }
    return status;
}

vb_db_t *
vb_db_new(const vb_db_options_t *options, char *err, size_t err_size)
{
    VB_ASSERT(options);
    VB_ASSERT(options->conninfo);
    VB_ASSERT(options->schema && *options->schema);
    vb_db_t *self = calloc(1, sizeof *self);
    if (!self) {
        s_copy_err(err, err_size, "out of memory");
        return NULL;
    }
    self->conninfo = strdup(options->conninfo);
    self->schema = strdup(options->schema);
    self->connect_timeout_ms =
        options->connect_timeout_ms > 0 ? options->connect_timeout_ms : S_DEFAULT_CONNECT_TIMEOUT_MS;
    self->backoff_ms = S_BACKOFF_FIRST_MS;
    if (!self->conninfo || !self->schema ||
        vb_db_add_statements(self, options->statements, options->statement_count) != 0) {
        s_copy_err(err, err_size, "out of memory");
        vb_db_destroy(&self);
        return NULL;
    }

    int64_t deadline_us = s_monotonic_us() + (int64_t) self->connect_timeout_ms * 1000;
    int backoff_ms = S_BACKOFF_FIRST_MS;
    for (int attempt = 1;; attempt++) {
        int64_t left_ms = (deadline_us - s_monotonic_us()) / 1000;
        bool refused = false;
        if (s_connect(self, left_ms > 0 ? (int) left_ms : 1, &refused) == 0)
            break;
        left_ms = (deadline_us - s_monotonic_us()) / 1000;
        if (refused || left_ms <= 0) {
            /* The caller logs err once, with its own context. */
            if (err && err_size > 0)
                snprintf(err, err_size, "%s (after %d attempt%s)", self->error, attempt,
                         attempt == 1 ? "" : "s");
            vb_db_destroy(&self);
            return NULL;
        }
        if (attempt == 1)
            vb_log_warn("database not reachable yet, retrying: %s", self->error);
        s_sleep_ms(backoff_ms < left_ms ? backoff_ms : (int) left_ms);
        backoff_ms = backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : backoff_ms * 2;
    }
    s_clear_error(self);
    return self;
}

void
vb_db_destroy(vb_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self->schema);
    free(self->statements);
    free(self);
    *self_p = NULL;
}

int
vb_db_add_statements(vb_db_t *self, const vb_db_statement_t *statements, size_t count)
{
    VB_ASSERT(self);
    if (count == 0)
        return 0;
    VB_ASSERT(statements);
    if (self->statement_count + count > self->statement_capacity) {
        size_t capacity = (self->statement_count + count) * 2;
        s_registered_t *grown = realloc(self->statements, capacity * sizeof *grown);
        if (!grown) {
            s_set_error(self, NULL, "out of memory");
            return -1;
        }
        self->statements = grown;
        self->statement_capacity = capacity;
    }
    size_t first = self->statement_count;
    for (size_t i = 0; i < count; i++) {
        VB_ASSERT(statements[i].name && statements[i].sql);
        self->statements[first + i].statement = statements[i];
        self->statements[first + i].reads_only = vb_db_sql_reads_only(statements[i].sql);
    }
    self->statement_count += count;
    if (!self->prepare_wanted || !self->conn)
        return 0;
    /* Already preparing: prepare the new ones now (a reconnect prepares them all). */
    for (size_t i = first; i < self->statement_count; i++) {
        const vb_db_statement_t *statement = &self->statements[i].statement;
        PGresult *result = PQprepare(self->conn, statement->name, statement->sql, 0, NULL);
        if (!result || PQresultStatus(result) != PGRES_COMMAND_OK) {
            s_fail_result(self, result);
            PQclear(result);
            self->statement_count = first;
            return -1;
        }
        PQclear(result);
    }
    return 0;
}

int
vb_db_prepare_all(vb_db_t *self, char *err, size_t err_size)
{
    VB_ASSERT(self);
    if (s_ready(self) != VB_STATUS_OK) {
        s_copy_err(err, err_size, self->error);
        return -1;
    }
    if (self->prepare_wanted)
        return 0; /* already prepared on this connection (a reconnect re-prepares them) */
    if (s_prepare_registry(self) != 0) {
        s_copy_err(err, err_size, self->error);
        return -1;
    }
    self->prepare_wanted = true;
    return 0;
}

/* Reads a result: rows to on_row, the count to *affected; failures to the mapped status. */
static vb_status_t
s_consume(vb_db_t *self, PGresult *result, vb_db_row_fn on_row, void *arg, int64_t *affected)
{
    vb_status_t status = VB_STATUS_OK;
    ExecStatusType state = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (state == PGRES_TUPLES_OK) {
        int rows = PQntuples(result);
        if (affected)
            *affected = rows;
        for (int i = 0; on_row && i < rows; i++) {
            vb_db_row_t row = {.result = result, .row = i};
            if (on_row(arg, &row) != 0)
                break;
        }
    } else if (state == PGRES_COMMAND_OK) {
        if (affected) {
            const char *tuples = PQcmdTuples(result);
            *affected = *tuples ? strtoll(tuples, NULL, 10) : 0;
        }
    } else {
        status = s_fail_result(self, result);
    }
    PQclear(result);
    return status;
}

/* ---- pipelined transactions (libpq pipeline mode) ----
 * Inside vb_db_begin_pipelined's transaction, BEGIN, savepoint commands and vb_db_send are only
 * queued; a statement whose result is needed (vb_db_run, vb_db_exec, vb_db_flush, the COMMIT)
 * sends a sync after itself and reads every queued outcome, so one round trip carries them all.
 * The server skips what follows a failed command up to the sync (PGRES_PIPELINE_ABORTED); the
 * sync does not end the explicit transaction, which stays open in the failed state until a
 * ROLLBACK TO SAVEPOINT or ROLLBACK. */

/* Every queued command gets status: the connection went away before they were read. */
static void
s_queue_fail_all(vb_db_t *self, vb_status_t status)
{
    for (int i = 0; i < self->queued_count; i++)
        if (self->queued[i])
            *self->queued[i] = status;
    self->queued_count = 0;
}

/* A PQsend* or PQpipelineSync call failed: usually the connection is gone. */
static vb_status_t
s_send_failed(vb_db_t *self)
{
    vb_status_t status = s_fail_result(self, NULL);
    if (!self->conn)
        s_queue_fail_all(self, VB_STATUS_UNAVAILABLE);
    return status;
}

/* Sends a sync and reads the outcome of every queued command in order (each into its result
 * slot). The last command's PGresult goes to *last when it ran (the caller clears it);
 * *last_aborted tells whether the server skipped it after an earlier failure. Returns the
 * status of the first command that failed (self->error describes it), or OK. */
static vb_status_t
s_drain(vb_db_t *self, PGresult **last, bool *last_aborted)
{
    if (last)
        *last = NULL;
    if (last_aborted)
        *last_aborted = false;
    if (PQpipelineSync(self->conn) != 1)
        return s_send_failed(self);
    vb_status_t first_failure = VB_STATUS_OK;
    int count = self->queued_count;
    for (int i = 0; i < count; i++) {
        PGresult *result = PQgetResult(self->conn);
        ExecStatusType state = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
        vb_status_t status = VB_STATUS_OK;
        if (state == PGRES_PIPELINE_ABORTED) {
            status = first_failure != VB_STATUS_OK ? first_failure : VB_STATUS_INTERNAL;
            if (last_aborted && i == count - 1)
                *last_aborted = true;
        } else if (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK) {
            status = s_fail_result(self, result);
            if (!self->conn) {
                /* Connection lost: this and everything after it never ran (or is unknown). */
                PQclear(result);
                for (int j = i; j < count; j++)
                    if (self->queued[j])
                        *self->queued[j] = VB_STATUS_UNAVAILABLE;
                self->queued_count = 0;
                self->activity.failures++;
                return VB_STATUS_UNAVAILABLE;
            }
        }
        if (self->queued[i])
            *self->queued[i] = status;
        if (status != VB_STATUS_OK)
            self->activity.failures++; /* the transaction is aborted until a rollback */
        if (status != VB_STATUS_OK && first_failure == VB_STATUS_OK)
            first_failure = status;
        if (last && i == count - 1 && result && state != PGRES_PIPELINE_ABORTED)
            *last = result;
        else
            PQclear(result);
        if (result) {
            PGresult *extra;
            while ((extra = PQgetResult(self->conn)))
                PQclear(extra); /* up to the NULL that ends this command */
        }
    }
    self->queued_count = 0;
    PGresult *sync = PQgetResult(self->conn);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        /* Out of step with the server: only a new connection is safe. */
        vb_status_t status = s_fail_result(self, sync);
        PQclear(sync);
        self->activity.failures++;
        if (self->conn) {
            PQfinish(self->conn);
            self->conn = NULL;
            self->pipelined = false;
            if (self->in_transaction)
                self->transaction_lost = true;
        }
        (void) status;
        return VB_STATUS_UNAVAILABLE;
    }
    PQclear(sync);
    return first_failure;
}

/* Queues a prepared statement (statement) or SQL text (sql) without waiting. */
static vb_status_t
s_queue(vb_db_t *self, const char *statement, const char *sql, const char *const *params,
        int param_count, vb_status_t *result)
{
    VB_ASSERT(self->pipelined && self->conn);
    if (self->queued_count >= S_QUEUE_MAX) {
        vb_status_t status = s_drain(self, NULL, NULL);
        if (status != VB_STATUS_OK)
            return status;
    }
    int sent = statement
                   ? PQsendQueryPrepared(self->conn, statement, param_count, params, NULL, NULL, 0)
                   : PQsendQueryParams(self->conn, sql, param_count, NULL, params, NULL, NULL, 0);
    if (!sent)
        return s_send_failed(self);
    if (result)
        *result = VB_STATUS_INTERNAL; /* until its outcome is read */
    self->queued[self->queued_count++] = result;
    return VB_STATUS_OK;
}

/* Counts a caller's statement (a registered one by name, or SQL text) in activity.writes
 * unless it only reads; a name missing from the registry counts as a write. */
static void
s_count_statement(vb_db_t *self, const char *statement, const char *sql)
{
    bool reads_only = false;
    if (statement) {
        for (size_t i = 0; i < self->statement_count; i++) {
            if (strcmp(self->statements[i].statement.name, statement) == 0) {
                reads_only = self->statements[i].reads_only;
                break;
            }
        }
    } else {
        reads_only = vb_db_sql_reads_only(sql);
    }
    if (!reads_only)
        self->activity.writes++;
}

/* A statement whose result is needed: queued, then everything is sent and read. */
static vb_status_t
s_pipelined_run(vb_db_t *self, const char *statement, const char *sql, const char *const *params,
                int param_count, vb_db_row_fn on_row, void *arg, int64_t *affected)
{
    s_count_statement(self, statement, sql);
    vb_status_t status = s_queue(self, statement, sql, params, param_count, NULL);
    if (status != VB_STATUS_OK)
        return status;
    PGresult *result = NULL;
    status = s_drain(self, &result, NULL);
    if (status != VB_STATUS_OK) {
        PQclear(result);
        return status;
    }
    return s_consume(self, result, on_row, arg, affected);
}

/* Leaves pipeline mode (nothing may be queued). */
static void
s_pipeline_exit(vb_db_t *self)
{
    if (self->pipelined && self->conn && PQexitPipelineMode(self->conn) != 1)
        vb_log_warn("database: leaving pipeline mode: %s", PQerrorMessage(self->conn));
    self->pipelined = false;
    self->queued_count = 0;
}

vb_status_t
vb_db_begin_pipelined(vb_db_t *self)
{
    VB_ASSERT(self);
    VB_ASSERT(!self->in_transaction);
    vb_status_t status = s_ready(self);
    if (status != VB_STATUS_OK)
        return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
    if (PQenterPipelineMode(self->conn) != 1) {
        s_set_error(self, NULL, "cannot enter pipeline mode: %s", PQerrorMessage(self->conn));
        return VB_STATUS_INTERNAL;
    }
    self->pipelined = true;
    self->queued_count = 0;
    status = s_queue(self, NULL, "BEGIN", NULL, 0, NULL);
    if (status != VB_STATUS_OK) {
        s_pipeline_exit(self);
        return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
    }
    self->in_transaction = true;
    self->transaction_lost = false;
    return VB_STATUS_OK;
}

vb_status_t
vb_db_send(vb_db_t *self, const char *statement, const char *const *params, int param_count,
           vb_status_t *result)
{
    VB_ASSERT(self && statement && result);
    VB_ASSERT(param_count >= 0 && (param_count == 0 || params));
    vb_status_t status = s_ready(self);
    if (status == VB_STATUS_OK && self->pipelined) {
        s_count_statement(self, statement, NULL);
        return s_queue(self, statement, NULL, params, param_count, result);
    }
    if (status == VB_STATUS_OK)
        status = vb_db_run(self, statement, params, param_count, NULL, NULL, NULL);
    *result = status;
    return status;
}

void
vb_db_set_optimistic(vb_db_t *self, bool optimistic)
{
    VB_ASSERT(self);
    self->optimistic = optimistic;
}

vb_status_t
vb_db_write(vb_db_t *self, const char *statement, const char *const *params, int param_count)
{
    VB_ASSERT(self && statement);
    VB_ASSERT(param_count >= 0 && (param_count == 0 || params));
    if (self->optimistic && self->pipelined) {
        vb_status_t status = s_ready(self);
        if (status != VB_STATUS_OK)
            return status;
        /* No result slot: a failure is counted in activity.failures, which voids the pass. */
        s_count_statement(self, statement, NULL);
        return s_queue(self, statement, NULL, params, param_count, NULL);
    }
    return vb_db_run(self, statement, params, param_count, NULL, NULL, NULL);
}

vb_db_activity_t
vb_db_activity(const vb_db_t *self)
{
    VB_ASSERT(self);
    return self->activity;
}

/* Words that, inside a SELECT, change data or transaction state (lower case). */
static const char *const s_changing_words[] = {
    "insert", "update", "delete", "merge", /* a data-modifying clause */
    "into",                                /* SELECT ... INTO creates a table */
    "nextval", "setval",                   /* sequences are not rolled back */
    "set_config",                          /* a transaction-local setting */
    "pg_notify",                           /* a notification delivered at commit */
};

bool
vb_db_sql_reads_only(const char *sql)
{
    VB_ASSERT(sql);
    const char *at = sql;
    while (isspace((unsigned char) *at))
        at++;
    if (strncasecmp(at, "select", 6) != 0 || isalnum((unsigned char) at[6]) || at[6] == '_')
        return false; /* WITH may hold a data-modifying CTE; anything else writes */
    char previous[8] = "";
    while (*at) {
        if (!isalnum((unsigned char) *at) && *at != '_') {
            at++;
            continue;
        }
        const char *word = at;
        while (isalnum((unsigned char) *at) || *at == '_')
            at++;
        size_t length = (size_t) (at - word);
        for (size_t i = 0; i < VB_ARRAY_SIZE(s_changing_words); i++) {
            if (strlen(s_changing_words[i]) != length ||
                strncasecmp(word, s_changing_words[i], length) != 0)
                continue;
            /* FOR UPDATE and FOR NO KEY UPDATE lock rows; they change nothing. */
            bool lock = strcmp(s_changing_words[i], "update") == 0 &&
                        (strcmp(previous, "for") == 0 || strcmp(previous, "key") == 0);
            if (!lock)
                return false;
        }
        size_t kept = length < sizeof previous - 1 ? length : sizeof previous - 1;
        for (size_t i = 0; i < kept; i++)
            previous[i] = (char) tolower((unsigned char) word[i]);
        previous[kept] = '\0';
    }
    return true;
}

vb_status_t
vb_db_flush(vb_db_t *self)
{
    VB_ASSERT(self);
    vb_status_t status = s_ready(self);
    if (status != VB_STATUS_OK || !self->pipelined || self->queued_count == 0)
        return status;
    return s_drain(self, NULL, NULL);
}

/* What vb_db_run, vb_db_run_binary and vb_db_exec do first: check the arguments, clear
 * *affected and make sure the connection is usable. */
static vb_status_t
s_run_start(vb_db_t *self, const char *text, const char *const *params, int param_count,
            int64_t *affected)
{
    VB_ASSERT(self);
    VB_ASSERT(text);
    VB_ASSERT(param_count >= 0 && (param_count == 0 || params));
    if (affected)
        *affected = 0;
    return s_ready(self);
}

vb_status_t
vb_db_run(vb_db_t *self, const char *statement, const char *const *params, int param_count,
          vb_db_row_fn on_row, void *arg, int64_t *affected)
{
    vb_status_t status = s_run_start(self, statement, params, param_count, affected);
    if (status != VB_STATUS_OK)
        return status;
    if (self->pipelined)
        return s_pipelined_run(self, statement, NULL, params, param_count, on_row, arg, affected);
    PGresult *result =
        PQexecPrepared(self->conn, statement, param_count, params, NULL, NULL, 0);
    return s_consume(self, result, on_row, arg, affected);
}

vb_status_t
vb_db_run_binary(vb_db_t *self, const char *statement, const char *const *params, int param_count,
                 vb_db_row_fn on_row, void *arg, int64_t *affected)
{
    vb_status_t status = s_run_start(self, statement, params, param_count, affected);
    if (status != VB_STATUS_OK)
        return status;
    if (self->pipelined) {
        s_set_error(self, NULL, "binary results are not available in a pipelined transaction");
        return VB_STATUS_INTERNAL;
    }
    PGresult *result =
        PQexecPrepared(self->conn, statement, param_count, params, NULL, NULL, 1);
    return s_consume(self, result, on_row, arg, affected);
}

vb_status_t
vb_db_exec(vb_db_t *self, const char *sql, const char *const *params, int param_count,
           vb_db_row_fn on_row, void *arg, int64_t *affected)
{
    vb_status_t status = s_run_start(self, sql, params, param_count, affected);
    if (status != VB_STATUS_OK)
        return status;
    if (self->pipelined)
        return s_pipelined_run(self, NULL, sql, params, param_count, on_row, arg, affected);
    PGresult *result =
        PQexecParams(self->conn, sql, param_count, NULL, params, NULL, NULL, 0);
    return s_consume(self, result, on_row, arg, affected);
}

vb_status_t
vb_db_copy_in(vb_db_t *self, const char *sql, const void *data, size_t size, int64_t *rows)
{
    vb_status_t status = s_run_start(self, sql, NULL, 0, rows);
    if (status != VB_STATUS_OK)
        return status;
    if (self->pipelined) {
        s_set_error(self, NULL, "COPY is not available in a pipelined transaction");
        return VB_STATUS_INTERNAL;
    }
    PGresult *result = PQexec(self->conn, sql);
    if (!result || PQresultStatus(result) != PGRES_COPY_IN)
        return s_consume(self, result, NULL, NULL, rows); /* refused: its error */
    PQclear(result);
    /* One buffer, then the end: libpq sends it in as many messages as it needs. A failure to
     * send means the connection is gone; the server's verdict comes with the result. */
    const char *bytes = data;
    while (size > 0) {
        int chunk = size > (size_t)INT_MAX ? INT_MAX : (int)size;
        if (PQputCopyData(self->conn, bytes, chunk) != 1)
            break;
        bytes += chunk;
        size -= (size_t)chunk;
    }
    if (PQputCopyEnd(self->conn, size > 0 ? "the client could not send all rows" : NULL) != 1) {
        s_set_error(self, NULL, "COPY: %s", PQerrorMessage(self->conn));
        return VB_STATUS_UNAVAILABLE;
    }
    status = s_consume(self, PQgetResult(self->conn), NULL, NULL, rows);
    /* COPY ends with one result and then NULL; read to the NULL so the next command starts
     * clean. */
    for (PGresult *extra; (extra = PQgetResult(self->conn)) != NULL;)
        PQclear(extra);
    return status;
}

vb_status_t
vb_db_begin(vb_db_t *self)
{
    VB_ASSERT(self);
    VB_ASSERT(!self->in_transaction);
    vb_status_t status = s_ready(self);
    if (status == VB_STATUS_OK)
        status = s_command(self, "BEGIN");
    if (status != VB_STATUS_OK)
        return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
    self->in_transaction = true;
    self->transaction_lost = false;
    return VB_STATUS_OK;
}

vb_status_t
vb_db_commit(vb_db_t *self)
{
    VB_ASSERT(self);
    VB_ASSERT(self->in_transaction);
    vb_status_t status = s_ready(self);
    if (status == VB_STATUS_OK && self->pipelined) {
        PGresult *result = NULL;
        bool aborted = false;
        status = s_queue(self, NULL, "COMMIT", NULL, 0, NULL);
        if (status == VB_STATUS_OK)
            status = s_drain(self, &result, &aborted);
        if (status != VB_STATUS_OK && aborted && self->conn) {
            /* A queued command failed and the server skipped the COMMIT: the transaction is
             * still open (failed); the caller rolls back to a savepoint or rolls back. */
            PQclear(result);
            return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
        }
        s_pipeline_exit(self);
        self->in_transaction = false;
        self->transaction_lost = false;
        if (status != VB_STATUS_OK) {
            PQclear(result);
            return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
        }
        if (!result || strcmp(PQcmdStatus(result), "COMMIT") != 0) {
            s_set_error(self, "25P02", "transaction was aborted by an earlier error; rolled back");
            PQclear(result);
            return VB_STATUS_INTERNAL;
        }
        PQclear(result);
        return VB_STATUS_OK;
    }
    self->in_transaction = false;
    self->transaction_lost = false;
    s_pipeline_exit(self);
    if (status != VB_STATUS_OK)
        return VB_STATUS_UNAVAILABLE;
    PGresult *result = PQexecParams(self->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    if (!result || PQresultStatus(result) != PGRES_COMMAND_OK) {
        status = s_fail_result(self, result);
        PQclear(result);
        return status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
    }
    /* COMMIT of a transaction that had an error rolls back and says so only in the tag. */
    if (strcmp(PQcmdStatus(result), "COMMIT") != 0) {
        s_set_error(self, "25P02", "transaction was aborted by an earlier error; rolled back");
        PQclear(result);
        return VB_STATUS_INTERNAL;
    }
    PQclear(result);
    return VB_STATUS_OK;
}

vb_status_t
vb_db_rollback(vb_db_t *self)
{
    VB_ASSERT(self);
    VB_ASSERT(self->in_transaction);
    bool lost = self->transaction_lost;
    self->in_transaction = false;
    self->transaction_lost = false;
    if (self->pipelined && self->conn && PQstatus(self->conn) == CONNECTION_OK &&
        self->queued_count > 0)
        (void) s_drain(self, NULL, NULL); /* outcomes no longer matter */
    s_pipeline_exit(self);
    s_clear_error(self);
    /* A lost connection took its transaction with it: nothing is left to roll back. */
    if (lost || !self->conn || PQstatus(self->conn) != CONNECTION_OK)
        return VB_STATUS_OK;
    vb_status_t status = s_command(self, "ROLLBACK");
    return status == VB_STATUS_OK || status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
}

/* Savepoint names come from code; anything but [a-z0-9_] is our bug. */
static vb_status_t
s_savepoint_command(vb_db_t *self, const char *verb, const char *name)
{
    VB_ASSERT(self);
    VB_ASSERT(name && *name && strlen(name) < 64);
    for (const char *c = name; *c; c++)
        VB_ASSERT(islower((unsigned char) *c) || isdigit((unsigned char) *c) || *c == '_');
    VB_ASSERT(self->in_transaction);
    vb_status_t status = s_ready(self);
    if (status != VB_STATUS_OK)
        return status;
    char sql[128];
    snprintf(sql, sizeof sql, "%s %s", verb, name);
    status = self->pipelined ? s_queue(self, NULL, sql, NULL, 0, NULL) : s_command(self, sql);
    return status == VB_STATUS_OK || status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
}

vb_status_t
vb_db_savepoint(vb_db_t *self, const char *name)
{
    return s_savepoint_command(self, "SAVEPOINT", name);
}

vb_status_t
vb_db_release(vb_db_t *self, const char *name)
{
    return s_savepoint_command(self, "RELEASE SAVEPOINT", name);
}

vb_status_t
vb_db_rollback_to(vb_db_t *self, const char *name)
{
    return s_savepoint_command(self, "ROLLBACK TO SAVEPOINT", name);
}

bool
vb_db_in_transaction(const vb_db_t *self)
{
    VB_ASSERT(self);
    return self->in_transaction;
}

bool
vb_db_connected(const vb_db_t *self)
{
    VB_ASSERT(self);
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

int
vb_db_ping(vb_db_t *self)
{
    VB_ASSERT(self);
    return vb_db_exec(self, "SELECT 1", NULL, 0, NULL, NULL, NULL) == VB_STATUS_OK ? 0 : -1;
}

const char *
vb_db_error(const vb_db_t *self)
{
    VB_ASSERT(self);
    return self->error;
}

const char *
vb_db_sqlstate(const vb_db_t *self)
{
    VB_ASSERT(self);
    return self->sqlstate;
}

/* ---- migrations ---- */

typedef struct {
    long version;   /* from the NNNN_ prefix */
    char *name;     /* file name */
} s_migration_t;

static int
s_migration_compare(const void *a, const void *b)
{
    const s_migration_t *left = a, *right = b;
    return (left->version > right->version) - (left->version < right->version);
}

static void
s_migrations_free(s_migration_t *migrations, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(migrations[i].name);
    free(migrations);
}

/* Lists NNNN_*.sql in dir sorted by number. 0 or -1 (err filled). */
static int
s_migrations_list(const char *dir, s_migration_t **out, size_t *out_count, char *err,
                  size_t err_size)
{
    *out = NULL;
    *out_count = 0;
    DIR *handle = opendir(dir);
    if (!handle) {
        snprintf(err, err_size, "migrations directory %s: %s", dir, strerror(errno));
        return -1;
    }
    s_migration_t *list = NULL;
    size_t count = 0, capacity = 0;
    int rc = -1;
    struct dirent *entry;
    while ((entry = readdir(handle))) {
        const char *name = entry->d_name;
        size_t len = strlen(name);
        if (!isdigit((unsigned char) name[0]) || len < 5 || strcmp(name + len - 4, ".sql") != 0)
            continue;
        char *end = NULL;
        errno = 0;
        long version = strtol(name, &end, 10);
        if (errno != 0 || *end != '_' || version <= 0 || version > 2147483647L) {
            snprintf(err, err_size, "migration %s: name must be NNNN_<what>.sql", name);
            goto cleanup;
        }
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            s_migration_t *grown = realloc(list, capacity * sizeof *grown);
            if (!grown) {
                snprintf(err, err_size, "out of memory");
                goto cleanup;
            }
            list = grown;
        }
        list[count].version = version;
        list[count].name = strdup(name);
        if (!list[count].name) {
            snprintf(err, err_size, "out of memory");
            goto cleanup;
        }
        count++;
    }
    if (count > 0)
        qsort(list, count, sizeof *list, s_migration_compare);
    for (size_t i = 1; i < count; i++) {
        if (list[i].version == list[i - 1].version) {
            snprintf(err, err_size, "migrations %s and %s have the same number", list[i - 1].name,
                     list[i].name);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    closedir(handle);
    if (rc == 0) {
        *out = list;
        *out_count = count;
    } else {
        s_migrations_free(list, count);
    }
    return rc;
}

static char *
s_read_file(const char *path, char *err, size_t err_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t length = 0;
    if (fseek(file, 0, SEEK_END) == 0) {
        long size = ftell(file);
        if (size >= 0 && fseek(file, 0, SEEK_SET) == 0) {
            text = malloc((size_t) size + 1);
            if (text) {
                length = fread(text, 1, (size_t) size, file);
                text[length] = '\0';
            }
        }
    }
    if (!text || ferror(file)) {
        snprintf(err, err_size, "%s: cannot read", path);
        free(text);
        text = NULL;
    }
    fclose(file);
    return text;
}

typedef struct {
    long *versions;
    size_t count;
    size_t capacity;
} s_versions_t;

static int
s_collect_version(void *arg, const vb_db_row_t *row)
{
    s_versions_t *applied = arg;
    if (applied->count == applied->capacity) {
        size_t capacity = applied->capacity ? applied->capacity * 2 : 32;
        long *grown = realloc(applied->versions, capacity * sizeof *grown);
        if (!grown)
            return -1;
        applied->versions = grown;
        applied->capacity = capacity;
    }
    applied->versions[applied->count++] = (long) vb_db_row_int64(row, 0);
    return 0;
}

static bool
s_version_applied(const s_versions_t *applied, long version)
{
    for (size_t i = 0; i < applied->count; i++) {
        if (applied->versions[i] == version)
            return true;
    }
    return false;
}

/* Runs one migration file and records it, in one transaction. 0 or -1 (err filled). */
static int
s_migration_apply(vb_db_t *self, const char *dir, const s_migration_t *migration, char *err,
                  size_t err_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, migration->name);
    char *sql = s_read_file(path, err, err_size);
    if (!sql)
        return -1;
    int rc = -1;
    if (vb_db_begin(self) != VB_STATUS_OK) {
        snprintf(err, err_size, "migration %s: begin: %s", migration->name, self->error);
        goto cleanup;
    }
    /* The file may hold several statements: the simple query protocol runs them all. */
    PGresult *result = PQexec(self->conn, sql);
    ExecStatusType state = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK && state != PGRES_EMPTY_QUERY) {
        s_fail_result(self, result);
        PQclear(result);
        snprintf(err, err_size, "migration %s: %s", migration->name, self->error);
        if (vb_db_rollback(self) != VB_STATUS_OK)
            vb_log_warn("migration %s: rollback failed: %s", migration->name, self->error);
        goto cleanup;
    }
    PQclear(result);
    char version[24];
    snprintf(version, sizeof version, "%ld", migration->version);
    const char *params[] = {version, migration->name};
    if (vb_db_exec(self, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", params,
                   2, NULL, NULL, NULL) != VB_STATUS_OK) {
        snprintf(err, err_size, "migration %s: recording it: %s", migration->name, self->error);
        if (vb_db_rollback(self) != VB_STATUS_OK)
            vb_log_warn("migration %s: rollback failed: %s", migration->name, self->error);
        goto cleanup;
    }
    if (vb_db_commit(self) != VB_STATUS_OK) {
        snprintf(err, err_size, "migration %s: commit: %s", migration->name, self->error);
        goto cleanup;
    }
    vb_log_info("applied migration %s to schema %s", migration->name, self->schema);
    rc = 0;
cleanup:
    free(sql);
    return rc;
}

int
vb_db_migrate(vb_db_t *self, const char *migrations_dir, char *err, size_t err_size)
{
    VB_ASSERT(self);
    VB_ASSERT(migrations_dir);
    VB_ASSERT(!self->in_transaction);
    char scratch[512];
    if (!err || err_size == 0) {
        err = scratch;
        err_size = sizeof scratch;
    }
    err[0] = '\0';
    s_migration_t *migrations = NULL;
    size_t count = 0;
    if (s_migrations_list(migrations_dir, &migrations, &count, err, err_size) != 0)
        return -1;

    s_versions_t applied = {0};
    int rc = -1;
    bool locked = false;
    const char *lock_params[] = {self->schema};
    /* Session lock: waits while another process of the same schema migrates. */
    if (vb_db_exec(self, "SELECT pg_advisory_lock(hashtext($1))", lock_params, 1, NULL, NULL,
                   NULL) != VB_STATUS_OK) {
        snprintf(err, err_size, "migration lock: %s", self->error);
        goto cleanup;
    }
    locked = true;
    if (vb_db_exec(self,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version integer PRIMARY KEY,"
                   " name text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   NULL, 0, NULL, NULL, NULL) != VB_STATUS_OK) {
        snprintf(err, err_size, "schema_migrations: %s", self->error);
        goto cleanup;
    }
    if (vb_db_exec(self, "SELECT version FROM schema_migrations ORDER BY version", NULL, 0,
                   s_collect_version, &applied, NULL) != VB_STATUS_OK) {
        snprintf(err, err_size, "schema_migrations: %s", self->error);
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        if (s_version_applied(&applied, migrations[i].version))
            continue;
        if (s_migration_apply(self, migrations_dir, &migrations[i], err, err_size) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    if (locked && self->conn &&
        vb_db_exec(self, "SELECT pg_advisory_unlock(hashtext($1))", lock_params, 1, NULL, NULL,
                   NULL) != VB_STATUS_OK)
        vb_log_warn("migration unlock: %s", self->error);
    free(applied.versions);
    s_migrations_free(migrations, count);
    return rc;
}

/* ---- rows ---- */

int
vb_db_row_columns(const vb_db_row_t *row)
{
    VB_ASSERT(row);
    return PQnfields(row->result);
}

bool
vb_db_row_is_null(const vb_db_row_t *row, int column)
{
    VB_ASSERT(row && column >= 0 && column < PQnfields(row->result));
    return PQgetisnull(row->result, row->row, column) != 0;
}

const char *
vb_db_row_text(const vb_db_row_t *row, int column)
{
    VB_ASSERT(row && column >= 0 && column < PQnfields(row->result));
    /* libpq returns "" for NULL already. */
    return PQgetvalue(row->result, row->row, column);
}

int64_t
vb_db_row_int64(const vb_db_row_t *row, int column)
{
    if (vb_db_row_is_null(row, column))
        return 0;
    const char *value = PQgetvalue(row->result, row->row, column);
    if (PQfformat(row->result, column) == 1) { /* binary: big-endian int2/int4/int8 */
        int length = PQgetlength(row->result, row->row, column);
        uint64_t bits = 0;
        for (int i = 0; i < length; i++)
            bits = bits << 8 | (uint8_t) value[i];
        if (length == 4)
            return (int32_t) (uint32_t) bits;
        if (length == 2)
            return (int16_t) (uint16_t) bits;
        return (int64_t) bits;
    }
    return strtoll(value, NULL, 10);
}

bool
vb_db_row_bool(const vb_db_row_t *row, int column)
{
    if (vb_db_row_is_null(row, column))
        return false;
    const char *value = PQgetvalue(row->result, row->row, column);
    if (PQfformat(row->result, column) == 1)
        return value[0] != 0; /* binary bool: one byte */
    return value[0] == 't';
}

size_t
vb_db_row_length(const vb_db_row_t *row, int column)
{
    VB_ASSERT(row && column >= 0 && column < PQnfields(row->result));
    return (size_t) PQgetlength(row->result, row->row, column);
}

const uint8_t *
vb_db_row_bytes(const vb_db_row_t *row, int column)
{
    VB_ASSERT(row && column >= 0 && column < PQnfields(row->result));
    return (const uint8_t *) PQgetvalue(row->result, row->row, column);
}
