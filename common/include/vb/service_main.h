/* service_main.h - the start-up steps every service main.c shares: its arguments (--help,
 * --print-config), the configuration rows every service has and its log level, its database
 * (open, migrate, prepare) with the write batch and the outbox, the competence taxonomy fetched
 * from membership, and the RPC service's run (bind, idempotency expiry, "ready" line), with the
 * exit codes they end in.
 * Does not: anything one service alone needs (its own rows, context, caches, read models,
 * timers beyond those it passes in). */
#ifndef VB_SERVICE_MAIN_H
#define VB_SERVICE_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/config.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/outbox.h"
#include "vb/rpc_server.h"
#include "vb/stream_follow.h"
#include "vb/taxonomy.h"
#include "vb/write_batch.h"

/* The exit codes of a service binary. */
enum {
    VB_EXIT_OK = 0,       /* clean shutdown, --help or --print-config */
    VB_EXIT_FAILURE = 1,  /* unexpected failure (out of memory, loop error) */
    VB_EXIT_CONFIG = 2,   /* bad argument or configuration */
    VB_EXIT_DATABASE = 3, /* database unavailable or refused (connect, migration, prepare) */
    VB_EXIT_BIND = 4,     /* cannot bind the endpoint */
    VB_EXIT_DEPENDENCY = 5, /* a service needed at start (membership: the taxonomy, the read
                               model) did not answer in time */
};

/* The settings every RPC service that writes has; a service's own config struct holds one as a
 * member and lists VB_SERVICE_MAIN_CONFIG_ROWS (and VB_SERVICE_MAIN_TAXONOMY_ROWS when it
 * fetches the taxonomy) in its table. Strings are owned by the config (vb_config_free). */
typedef struct {
    char *node_id;               /* VERBUND_NODE_ID */
    char *database_url;          /* VERBUND_DATABASE_URL (secret) */
    char *endpoint;              /* VERBUND_<SERVICE>_ENDPOINT, bound by vb_service_main_run */
    char *migrations_dir;        /* VERBUND_MIGRATIONS_DIR */
    char *log_level;             /* VERBUND_LOG_LEVEL */
    int64_t rpc_max_batch;       /* VERBUND_RPC_MAX_BATCH */
    char *membership_endpoint;   /* VERBUND_MEMBERSHIP_ENDPOINT; NULL without the taxonomy rows */
    int64_t taxonomy_timeout_ms; /* VERBUND_TAXONOMY_TIMEOUT_MS; 0 without the taxonomy rows */
} vb_service_main_config_t;

/* One row each, for a field of type (a string field, or int64_t where it says so). The
 * endpoint's variable and default and the migrations' default are the service's. */
#define VB_SERVICE_MAIN_ROW_NODE_ID(type, field)                                                   \
    {"VERBUND_NODE_ID", VB_CONFIG_STRING, offsetof(type, field), "local", 0, 0, 0,                 \
     "name of this node in logs, federation and event ids (CloudEvent source, iCalendar UIDs)"}
#define VB_SERVICE_MAIN_ROW_DATABASE_URL(type, field)                                              \
    {"VERBUND_DATABASE_URL", VB_CONFIG_STRING, offsetof(type, field),                              \
     "host=127.0.0.1 dbname=verbund", 0, 0, VB_CONFIG_SECRET,                                      \
     "libpq connection string or URI (may hold a password: _FILE accepted)"}
#define VB_SERVICE_MAIN_ROW_ENDPOINT(env, default_endpoint, type, field)                           \
    {env, VB_CONFIG_STRING, offsetof(type, field), default_endpoint, 0, 0, 0,                      \
     "ZeroMQ endpoint the service binds"}
#define VB_SERVICE_MAIN_ROW_MIGRATIONS_DIR(default_dir, type, field)                               \
    {"VERBUND_MIGRATIONS_DIR", VB_CONFIG_STRING, offsetof(type, field), default_dir, 0, 0, 0,      \
     "directory of the NNNN_*.sql migrations"}
#define VB_SERVICE_MAIN_ROW_LOG_LEVEL(type, field)                                                 \
    {"VERBUND_LOG_LEVEL", VB_CONFIG_STRING, offsetof(type, field), "info", 0, 0, 0,                \
     "debug, info, warn or error"}
/* field is int64_t */
#define VB_SERVICE_MAIN_ROW_RPC_MAX_BATCH(type, field)                                             \
    {"VERBUND_RPC_MAX_BATCH", VB_CONFIG_INT, offsetof(type, field), "64", 1, 1024, 0,              \
     "write requests committed together in one transaction (1 = a commit per request)"}
/* help says what the service asks membership for */
#define VB_SERVICE_MAIN_ROW_MEMBERSHIP_ENDPOINT(help, type, field)                                 \
    {"VERBUND_MEMBERSHIP_ENDPOINT", VB_CONFIG_STRING, offsetof(type, field),                       \
     "tcp://127.0.0.1:7101", 0, 0, 0, help}
/* field is int64_t */
#define VB_SERVICE_MAIN_ROW_TAXONOMY_TIMEOUT_MS(type, field)                                       \
    {"VERBUND_TAXONOMY_TIMEOUT_MS", VB_CONFIG_INT, offsetof(type, field), "30000", 100, 600000,  \
     0, "how long to wait at start for the membership service's taxonomy"}

/* The rows of the vb_service_main_config_t member of type but the taxonomy's two: node id,
 * database, endpoint_env (default default_endpoint), migrations (default default_dir), log
 * level, RPC batch. */
#define VB_SERVICE_MAIN_CONFIG_ROWS(type, member, endpoint_env, default_endpoint, default_dir)     \
    VB_SERVICE_MAIN_ROW_NODE_ID(type, member.node_id),                                             \
        VB_SERVICE_MAIN_ROW_DATABASE_URL(type, member.database_url),                               \
        VB_SERVICE_MAIN_ROW_ENDPOINT(endpoint_env, default_endpoint, type, member.endpoint),       \
        VB_SERVICE_MAIN_ROW_MIGRATIONS_DIR(default_dir, type, member.migrations_dir),              \
        VB_SERVICE_MAIN_ROW_LOG_LEVEL(type, member.log_level),                                     \
        VB_SERVICE_MAIN_ROW_RPC_MAX_BATCH(type, member.rpc_max_batch)

/* The rows of the member's membership_endpoint and taxonomy_timeout_ms, for a service that
 * fetches the taxonomy at start (vb_service_main_fetch_taxonomy). */
#define VB_SERVICE_MAIN_TAXONOMY_ROWS(type, member)                                                \
    VB_SERVICE_MAIN_ROW_MEMBERSHIP_ENDPOINT(                                                       \
        "membership service, asked for the competence taxonomy at start", type,                    \
        member.membership_endpoint),                                                               \
        VB_SERVICE_MAIN_ROW_TAXONOMY_TIMEOUT_MS(type, member.taxonomy_timeout_ms)

/* Reads argv (--print-config, --help lists the table's variables), names the log's service,
 * loads table into config (zeroed by the caller) and sets the log level from the string field at
 * log_level_offset (VERBUND_LOG_LEVEL). Returns true when main goes on starting (config is then
 * the caller's to free with vb_config_free); false when main returns *exit_code: after --help
 * or --print-config (VB_EXIT_OK) or a bad argument or setting (VB_EXIT_CONFIG, logged), with
 * config already freed. */
bool vb_service_main_configure(const char *service, int argc, char **argv,
                               const vb_config_entry_t *table, size_t count, void *config,
                               size_t log_level_offset, int *exit_code);

/* Opens the database at conninfo for schema, applies the migrations in migrations_dir and
 * prepares statements (borrowed for the db's life). Returns the db (the caller's to destroy),
 * or NULL after logging why (main exits with VB_EXIT_DATABASE). */
vb_db_t *vb_service_main_open_db(const char *conninfo, const char *schema,
                                 const char *migrations_dir, const vb_db_statement_t *statements,
                                 size_t statement_count);

/* A store's statement table (x_store_statements) and a service's method table (x_methods). */
typedef const vb_db_statement_t *(*vb_service_main_statements_fn)(size_t *count);
typedef const vb_rpc_method_t *(*vb_service_main_methods_fn)(size_t *count);

/* What a writing service opens at start. A plain struct, not a class: main hands its members
 * (owned here, borrowed by the service's context) to the context it builds. */
typedef struct {
    vb_db_t *db;              /* the service's connection, schema = the service's name */
    vb_write_batch_t *batch;  /* group commit and idempotency keys over db */
    vb_outbox_t *outbox;      /* the service's events, over db */
} vb_service_main_writer_t;

/* Opens writer (zeroed by the caller) for service: the database at config's database_url with
 * its migrations and statements() (vb_service_main_open_db), then the write batch and the
 * outbox. Returns 0, or VB_EXIT_DATABASE after logging why (what was opened is closed). Call
 * vb_service_main_writer_close in either case. */
int vb_service_main_writer_open(vb_service_main_writer_t *writer, const char *service,
                                const vb_service_main_config_t *config,
                                vb_service_main_statements_fn statements) VB_MUSTCHECK;

/* Destroys what writer holds (outbox, batch, db) and nulls its members; accepts a zeroed one. */
void vb_service_main_writer_close(vb_service_main_writer_t *writer);

/* Fetches the taxonomy from the membership service at endpoint (vb_taxonomy_fetch), waiting up
 * to timeout_ms. Returns 0 and a new *taxonomy_p (the caller's to destroy), or
 * VB_EXIT_DEPENDENCY after logging which setting to look at. */
int vb_service_main_fetch_taxonomy(const char *endpoint, int64_t timeout_ms,
                                   vb_taxonomy_t **taxonomy_p) VB_MUSTCHECK;

/* A timer of the service beyond the idempotency expiry; see vb_service_add_timer. */
typedef struct {
    const char *name;          /* for logs: "cache-pending" */
    int interval_ms;           /* > 0 */
    void (*fn)(void *context); /* runs on the loop thread */
    void *context;             /* borrowed */
} vb_service_main_timer_t;

enum { VB_SERVICE_MAIN_READY_FIELDS_MAX = 6 }; /* a service's own fields on its "ready" line */

/* How vb_service_main_run serves a writing service; everything is borrowed. */
typedef struct {
    const char *service;                   /* "communities": the RPC service name */
    const char *endpoint_env;              /* "VERBUND_COMMUNITIES_ENDPOINT", for the bind error */
    const vb_service_main_config_t *config; /* endpoint, node_id, rpc_max_batch */
    vb_service_main_methods_fn methods;    /* the method table */
    void *handler_context;                 /* the service's context */
    const vb_service_main_writer_t *writer; /* its batch gives the hooks and the expiry */
    const vb_service_main_timer_t *timers; /* the service's own timers; may be NULL */
    size_t timer_count;
    vb_stream_follow_t *follow;    /* when set and enabled, read every follow_interval_ms */
    int follow_interval_ms;
    const vb_taxonomy_t *taxonomy; /* when set, "ready" logs its size as competences */
    const vb_log_field_t *ready_fields; /* logged on "ready" after endpoint, node_id (and
                                           competences); may be NULL */
    size_t ready_field_count;           /* at most VB_SERVICE_MAIN_READY_FIELDS_MAX */
} vb_service_main_run_options_t;

/* Creates the RPC service on config's endpoint with the write batch's hooks (VB_EXIT_BIND,
 * logged, when it cannot bind), adds the hourly idempotency-expiry timer (keys older than 24
 * hours) and the options' timers, logs "ready" with endpoint, node_id, competences (with a
 * taxonomy) and ready_fields - the line tests/support/node.sh and scripts/run wait for - runs
 * until SIGTERM/SIGINT and destroys the service. Returns the exit code: VB_EXIT_OK after a clean
 * shutdown, VB_EXIT_BIND, or VB_EXIT_FAILURE (out of memory, a timer refused, loop error). */
int vb_service_main_run(const vb_service_main_run_options_t *options);

#endif
