/* main.c - verbund-membership: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements), the write batch and the event outbox, loads the taxonomy and stores the bootstrap
 * admin token, opens the Redis cache, and runs the service loop (vb/service_main.h does the
 * shared steps). Wiring only: behaviour lives in membership_handlers.c and the modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused
 * (connect, synchronous_commit off, migration, prepare), 4 cannot bind the endpoint. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vb/cache.h"
#include "vb/config.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/service_main.h"
#include "vb/taxonomy.h"
#include "membership.h"
#include "membership_store.h"
#include "membership_tokens.h"

#ifndef MEMBERSHIP_MIGRATIONS_DIR
#define MEMBERSHIP_MIGRATIONS_DIR "services/membership/migrations"
#endif
#define S_ENDPOINT_ENV "VERBUND_MEMBERSHIP_ENDPOINT"
#define S_ADMIN_TOKEN_LABEL "bootstrap (VERBUND_ADMIN_TOKEN_FILE)"

typedef struct {
    vb_service_main_config_t service; /* the rows every service has */
    char *redis_host;
    int64_t redis_port;
    char *admin_token;
    int64_t minimum_supporting_cents;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)
static const vb_config_entry_t s_config_table[] = {
    VB_SERVICE_MAIN_CONFIG_ROWS(s_config_t, service, S_ENDPOINT_ENV, "tcp://127.0.0.1:7101",
                                MEMBERSHIP_MIGRATIONS_DIR),
    {"VERBUND_REDIS_HOST", VB_CONFIG_STRING, S_FIELD(redis_host), "127.0.0.1", 0, 0, 0,
     "Redis host of the cache; empty disables the cache"},
    {"VERBUND_REDIS_PORT", VB_CONFIG_INT, S_FIELD(redis_port), "6379", 1, 65535, 0, "Redis port"},
    {"VERBUND_ADMIN_TOKEN", VB_CONFIG_STRING, S_FIELD(admin_token), NULL, 0, 0, VB_CONFIG_SECRET,
     "admin token stored (as a hash) at start; use VERBUND_ADMIN_TOKEN_FILE to read it from a "
     "file"},
    {"VERBUND_MIN_SUPPORTING_CONTRIBUTION_CENTS", VB_CONFIG_INT, S_FIELD(minimum_supporting_cents),
     "6000", 0, INT64_C(100000000), 0,
     "minimum yearly contribution of a supporting membership, in euro cents"},
};

static void
s_flush_cache(void *context)
{
    membership_t *membership = context;
    if (membership->pending_count > 0)
        (void)membership_cache_flush(membership);
}

/* Loads the taxonomy from membership's own table into a new *taxonomy_p. 0, or the exit code. */
static int
s_load_taxonomy(vb_db_t *db, vb_taxonomy_t **taxonomy_p)
{
    *taxonomy_p = vb_taxonomy_new();
    if (!*taxonomy_p)
        return VB_EXIT_FAILURE;
    if (membership_store_taxonomy_load(db, *taxonomy_p) != VB_STATUS_OK) {
        vb_log_error("database: loading the competence taxonomy: %s", vb_db_error(db));
        return VB_EXIT_DATABASE;
    }
    return 0;
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
    s_config_t config = {0};
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(MEMBERSHIP_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, service.log_level), &exit_code))
        return exit_code;
    vb_service_main_writer_t writer = {0};
    vb_taxonomy_t *taxonomy = NULL;
    vb_cache_t *cache = NULL;
    membership_t *membership = NULL;
    if (membership_tokens_init() != 0) {
        vb_log_error("libsodium failed to initialise");
        goto cleanup;
    }
    int rc = vb_service_main_writer_open(&writer, MEMBERSHIP_SERVICE, &config.service,
                                         membership_store_statements);
    if (rc == 0)
        rc = s_load_taxonomy(writer.db, &taxonomy);
    if (rc == 0)
        rc = s_bootstrap_admin(writer.db, config.admin_token);
    if (rc != 0) {
        exit_code = rc;
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
    membership->db = writer.db;
    membership->cache = cache;
    membership->outbox = writer.outbox;
    membership->taxonomy = taxonomy;
    membership->minimum_supporting_cents = config.minimum_supporting_cents;

    vb_service_main_timer_t timers[] = {
        {.name = "cache-pending", .interval_ms = 1000, .fn = s_flush_cache, .context = membership},
    };
    exit_code = vb_service_main_run(&(vb_service_main_run_options_t){
        .service = MEMBERSHIP_SERVICE,
        .endpoint_env = S_ENDPOINT_ENV,
        .config = &config.service,
        .methods = membership_methods,
        .handler_context = membership,
        .writer = &writer,
        .timers = timers,
        .timer_count = VB_ARRAY_SIZE(timers),
        .taxonomy = taxonomy,
    });

cleanup:
    free(membership);
    vb_cache_destroy(&cache);
    vb_taxonomy_destroy(&taxonomy);
    vb_service_main_writer_close(&writer);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
