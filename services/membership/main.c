/* main.c - verbund-membership: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements, taxonomy, bootstrap admin token), the Redis cache, the write batch and the event
 * outbox, and runs the service loop. Wiring only: behaviour lives in membership_handlers.c and
 * the modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused
 * (connect, synchronous_commit off, migration, prepare), 4 cannot bind the endpoint. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/cache.h"
#include "vb/config.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/outbox.h"
#include "vb/service.h"
#include "vb/service_main.h"
#include "vb/write_batch.h"
#include "membership.h"
#include "membership_store.h"
#include "membership_tokens.h"

#ifndef MEMBERSHIP_MIGRATIONS_DIR
#define MEMBERSHIP_MIGRATIONS_DIR "services/membership/migrations"
#endif

#define S_IDEMPOTENCY_MAX_AGE_SECONDS (24 * 3600)
#define S_ADMIN_TOKEN_LABEL "bootstrap (VERBUND_ADMIN_TOKEN_FILE)"

typedef struct {
    char *node_id;
    char *database_url;
    char *redis_host;
    int64_t redis_port;
    char *endpoint;
    char *migrations_dir;
    char *admin_token;
    int64_t minimum_supporting_cents;
    char *log_level;
    int64_t rpc_max_batch;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)
static const vb_config_entry_t s_config_table[] = {
    {"VERBUND_NODE_ID", VB_CONFIG_STRING, S_FIELD(node_id), "local", 0, 0, 0,
     "name of this node in logs and federation"},
    {"VERBUND_DATABASE_URL", VB_CONFIG_STRING, S_FIELD(database_url),
     "host=127.0.0.1 dbname=verbund", 0, 0, VB_CONFIG_SECRET,
     "libpq connection string or URI (may hold a password: _FILE accepted)"},
    {"VERBUND_REDIS_HOST", VB_CONFIG_STRING, S_FIELD(redis_host), "127.0.0.1", 0, 0, 0,
     "Redis host of the cache; empty disables the cache"},
    {"VERBUND_REDIS_PORT", VB_CONFIG_INT, S_FIELD(redis_port), "6379", 1, 65535, 0, "Redis port"},
    {"VERBUND_MEMBERSHIP_ENDPOINT", VB_CONFIG_STRING, S_FIELD(endpoint), "tcp://127.0.0.1:7101", 0,
     0, 0, "ZeroMQ endpoint the service binds"},
    {"VERBUND_MIGRATIONS_DIR", VB_CONFIG_STRING, S_FIELD(migrations_dir), MEMBERSHIP_MIGRATIONS_DIR,
     0, 0, 0, "directory of the NNNN_*.sql migrations"},
    {"VERBUND_ADMIN_TOKEN", VB_CONFIG_STRING, S_FIELD(admin_token), NULL, 0, 0, VB_CONFIG_SECRET,
     "admin token stored (as a hash) at start; use VERBUND_ADMIN_TOKEN_FILE to read it from a "
     "file"},
    {"VERBUND_MIN_SUPPORTING_CONTRIBUTION_CENTS", VB_CONFIG_INT, S_FIELD(minimum_supporting_cents),
     "6000", 0, INT64_C(100000000), 0,
     "minimum yearly contribution of a supporting membership, in euro cents"},
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

static void
s_flush_cache(void *context)
{
    membership_t *membership = context;
    if (membership->pending_count > 0)
        (void)membership_cache_flush(membership);
}

/* Stores the hash of the configured admin token. 0, or the exit code. */
static int
s_bootstrap_admin(vb_db_t *db, const char *token)
{
    if (!token || !token[0])
        return 0;
    char hash[MEMBERSHIP_TOKEN_HASH_SIZE];
    if (membership_tokens_hash(token, hash) != 0) {
        vb_log_error("VERBUND_ADMIN_TOKEN: the token is empty or longer than %d characters",
                     MEMBERSHIP_TOKEN_MAX_LENGTH);
        return VB_EXIT_CONFIG;
    }
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    if (membership_store_token_bootstrap(db, id, hash, S_ADMIN_TOKEN_LABEL) != VB_STATUS_OK) {
        vb_log_error("storing the admin token failed: %s", vb_db_error(db));
        return VB_EXIT_DATABASE;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    s_config_t config;
    memset(&config, 0, sizeof config);
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(MEMBERSHIP_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, log_level), &exit_code))
        return exit_code;
    vb_db_t *db = NULL;
    vb_cache_t *cache = NULL;
    vb_write_batch_t *batch = NULL;
    vb_outbox_t *outbox = NULL;
    vb_taxonomy_t *taxonomy = NULL;
    membership_t *membership = NULL;
    vb_service_t *service = NULL;
    if (membership_tokens_init() != 0) {
        vb_log_error("libsodium failed to initialise");
        goto cleanup;
    }

    size_t statement_count = 0;
    const vb_db_statement_t *statements = membership_store_statements(&statement_count);
    db = vb_service_main_open_db(config.database_url, MEMBERSHIP_SERVICE, config.migrations_dir,
                                 statements, statement_count);
    if (!db) {
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    taxonomy = vb_taxonomy_new();
    if (!taxonomy)
        goto cleanup;
    if (membership_store_taxonomy_load(db, taxonomy) != VB_STATUS_OK) {
        vb_log_error("database: loading the competence taxonomy: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    int rc = s_bootstrap_admin(db, config.admin_token);
    if (rc != 0) {
        exit_code = rc;
        goto cleanup;
    }
    batch = vb_write_batch_new(db);
    if (!batch) {
        vb_log_error("database: preparing the write batch: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    outbox = vb_outbox_new(db, MEMBERSHIP_SERVICE);
    if (!outbox) {
        vb_log_error("database: preparing the outbox: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }

    vb_cache_options_t cache_options = {
        .host = config.redis_host,
        .port = (int)config.redis_port,
        .key_prefix = "vb:" MEMBERSHIP_SERVICE ":",
    };
    cache = vb_cache_new(&cache_options);
    membership = calloc(1, sizeof *membership);
    if (!cache || !membership)
        goto cleanup;
    membership->db = db;
    membership->cache = cache;
    membership->outbox = outbox;
    membership->taxonomy = taxonomy;
    membership->minimum_supporting_cents = config.minimum_supporting_cents;

    size_t method_count = 0;
    const vb_rpc_method_t *methods = membership_methods(&method_count);
    vb_service_options_t service_options = {
        .rpc =
            {
                .service = MEMBERSHIP_SERVICE,
                .endpoint = config.endpoint,
                .methods = methods,
                .method_count = method_count,
                .handler_context = membership,
                .batch_hooks = vb_write_batch_hooks(batch),
                .max_batch = (int)config.rpc_max_batch,
            },
    };
    service = vb_service_new(&service_options);
    if (!service) {
        vb_log_error("cannot bind VERBUND_MEMBERSHIP_ENDPOINT %s", config.endpoint);
        exit_code = VB_EXIT_BIND;
        goto cleanup;
    }
    if (vb_service_add_timer(service, "idempotency-expiry", 3600 * 1000, s_expire_idempotency,
                             batch) != 0 ||
        vb_service_add_timer(service, "cache-pending", 1000, s_flush_cache, membership) != 0)
        goto cleanup;

    vb_log_field_t fields[] = {
        {.key = "endpoint", .string_value = config.endpoint},
        {.key = "node_id", .string_value = config.node_id},
        {.key = "competences",
         .int_value = (long long)vb_taxonomy_size(taxonomy),
         .is_int = 1},
    };
    vb_log_fields(VB_LOG_INFO, NULL, fields, (int)VB_ARRAY_SIZE(fields), "ready");
    exit_code = vb_service_run(service) == 0 ? VB_EXIT_OK : VB_EXIT_FAILURE;

cleanup:
    vb_service_destroy(&service);
    free(membership);
    vb_cache_destroy(&cache);
    vb_outbox_destroy(&outbox);
    vb_write_batch_destroy(&batch);
    vb_taxonomy_destroy(&taxonomy);
    vb_db_destroy(&db);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
