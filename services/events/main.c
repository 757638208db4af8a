/* main.c - verbund-events: reads its configuration, fetches the competence taxonomy from
 * membership, opens PostgreSQL (migrations, prepared statements), the write batch and the event
 * outbox, and runs the service loop. Wiring only: behaviour lives in events_handlers.c and the
 * modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused
 * (connect, migration, prepare), 4 cannot bind the endpoint, 5 no taxonomy from membership
 * within VERBUND_TAXONOMY_TIMEOUT_MS. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/config.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/outbox.h"
#include "vb/service.h"
#include "vb/service_main.h"
#include "vb/taxonomy.h"
#include "vb/write_batch.h"
#include "events.h"
#include "events_feed.h"
#include "events_store.h"

#ifndef EVENTS_MIGRATIONS_DIR
#define EVENTS_MIGRATIONS_DIR "services/events/migrations"
#endif

#define S_IDEMPOTENCY_MAX_AGE_SECONDS (24 * 3600)

typedef struct {
    char *node_id;
    char *database_url;
    char *endpoint;
    char *membership_endpoint;
    char *migrations_dir;
    int64_t taxonomy_timeout_ms;
    int64_t max_occurrences;
    char *log_level;
    int64_t rpc_max_batch;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)
static const vb_config_entry_t s_config_table[] = {
    {"VERBUND_NODE_ID", VB_CONFIG_STRING, S_FIELD(node_id), "local", 0, 0, 0,
     "name of this node in logs, federation and iCalendar UIDs (<id>@<node id>)"},
    {"VERBUND_DATABASE_URL", VB_CONFIG_STRING, S_FIELD(database_url),
     "host=127.0.0.1 dbname=verbund", 0, 0, VB_CONFIG_SECRET,
     "libpq connection string or URI (may hold a password: _FILE accepted)"},
    {"VERBUND_EVENTS_ENDPOINT", VB_CONFIG_STRING, S_FIELD(endpoint), "tcp://127.0.0.1:7103", 0, 0,
     0, "ZeroMQ endpoint the service binds"},
    {"VERBUND_MEMBERSHIP_ENDPOINT", VB_CONFIG_STRING, S_FIELD(membership_endpoint),
     "tcp://127.0.0.1:7101", 0, 0, 0,
     "membership service, asked for the competence taxonomy at start"},
    {"VERBUND_MIGRATIONS_DIR", VB_CONFIG_STRING, S_FIELD(migrations_dir), EVENTS_MIGRATIONS_DIR, 0,
     0, 0, "directory of the NNNN_*.sql migrations"},
    {"VERBUND_TAXONOMY_TIMEOUT_MS", VB_CONFIG_INT, S_FIELD(taxonomy_timeout_ms), "30000",
     100, 600000, 0, "how long to wait at start for membership to serve the taxonomy"},
    {"VERBUND_EVENTS_MAX_OCCURRENCES", VB_CONFIG_INT, S_FIELD(max_occurrences), "200", 1, 1000, 0,
     "occurrences stored per series; a longer (or unbounded) rule is cut here"},
    {"VERBUND_LOG_LEVEL", VB_CONFIG_STRING, S_FIELD(log_level), "info", 0, 0, 0,
     "debug, info, warn or error"},
    {"VERBUND_RPC_MAX_BATCH", VB_CONFIG_INT, S_FIELD(rpc_max_batch), "64", 1, 1024, 0,
     "write requests committed together in one transaction (1 = a commit per request)"},
};

static void
s_expire_idempotency(void *context)
{
    vb_write_batch_t *batch = context;
    int64_t removed = vb_write_batch_expire(batch, S_IDEMPOTENCY_MAX_AGE_SECONDS);
    if (removed > 0)
        vb_log_info("expired %lld idempotency keys", (long long)removed);
}

int
main(int argc, char **argv)
{
    s_config_t config;
    memset(&config, 0, sizeof config);
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(EVENTS_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, log_level), &exit_code))
        return exit_code;
    vb_db_t *db = NULL;
    vb_write_batch_t *batch = NULL;
    vb_outbox_t *outbox = NULL;
    vb_taxonomy_t *taxonomy = NULL;
    events_t *events = NULL;
    vb_service_t *service = NULL;
    if (events_feed_init() != 0) {
        vb_log_error("libsodium failed to initialise");
        goto cleanup;
    }
    if (vb_taxonomy_fetch(config.membership_endpoint, (int)config.taxonomy_timeout_ms, &taxonomy) !=
        VB_STATUS_OK) {
        vb_log_error("cannot fetch the competence taxonomy from VERBUND_MEMBERSHIP_ENDPOINT %s",
                     config.membership_endpoint);
        exit_code = VB_EXIT_DEPENDENCY;
        goto cleanup;
    }
    size_t statement_count = 0;
    const vb_db_statement_t *statements = events_store_statements(&statement_count);
    db = vb_service_main_open_db(config.database_url, EVENTS_SERVICE, config.migrations_dir,
                                 statements, statement_count);
    if (!db) {
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    batch = vb_write_batch_new(db);
    if (!batch) {
        vb_log_error("database: preparing the write batch: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    outbox = vb_outbox_new(db, EVENTS_SERVICE);
    if (!outbox) {
        vb_log_error("database: preparing the outbox: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    events = calloc(1, sizeof *events);
    if (!events)
        goto cleanup;
    events->db = db;
    events->outbox = outbox;
    events->taxonomy = taxonomy;
    events->node_id = config.node_id;
    events->max_occurrences = (int)config.max_occurrences;

    size_t method_count = 0;
    const vb_rpc_method_t *methods = events_methods(&method_count);
    vb_service_options_t service_options = {
        .rpc =
            {
                .service = EVENTS_SERVICE,
                .endpoint = config.endpoint,
                .methods = methods,
                .method_count = method_count,
                .handler_context = events,
                .batch_hooks = vb_write_batch_hooks(batch),
                .max_batch = (int)config.rpc_max_batch,
            },
    };
    service = vb_service_new(&service_options);
    if (!service) {
        vb_log_error("cannot bind VERBUND_EVENTS_ENDPOINT %s", config.endpoint);
        exit_code = VB_EXIT_BIND;
        goto cleanup;
    }
    if (vb_service_add_timer(service, "idempotency-expiry", 3600 * 1000, s_expire_idempotency,
                             batch) != 0)
        goto cleanup;

    vb_log_field_t fields[] = {
        {.key = "endpoint", .string_value = config.endpoint},
        {.key = "node_id", .string_value = config.node_id},
        {.key = "competences", .int_value = (long long)vb_taxonomy_size(taxonomy), .is_int = 1},
    };
    vb_log_fields(VB_LOG_INFO, NULL, fields, (int)VB_ARRAY_SIZE(fields), "ready");
    exit_code = vb_service_run(service) == 0 ? VB_EXIT_OK : VB_EXIT_FAILURE;

cleanup:
    vb_service_destroy(&service);
    free(events);
    vb_outbox_destroy(&outbox);
    vb_write_batch_destroy(&batch);
    vb_taxonomy_destroy(&taxonomy);
    vb_db_destroy(&db);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
