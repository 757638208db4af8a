/* main.c - verbund-matchmaking: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements), the write batch and the outbox, fetches the competence taxonomy from
 * membership, loads the read model (membership, communities) and follows the event stream
 * from a timer, and runs the service loop. Wiring only: behaviour lives in
 * matchmaking_handlers.c and the modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused,
 * 4 cannot bind the endpoint, 5 membership did not serve the taxonomy or the read model
 * within VERBUND_MATCHMAKING_LOAD_TIMEOUT_MS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vb/config.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/outbox.h"
#include "vb/rpc_client.h"
#include "vb/service.h"
#include "vb/service_main.h"
#include "vb/taxonomy.h"
#include "vb/write_batch.h"
#include "matchmaking.h"
#include "matchmaking_store.h"

#ifndef MATCHMAKING_MIGRATIONS_DIR
#define MATCHMAKING_MIGRATIONS_DIR "services/matchmaking/migrations"
#endif

#define S_IDEMPOTENCY_MAX_AGE_SECONDS (24 * 3600)

typedef struct {
    char *node_id;
    char *database_url;
    char *endpoint;
    char *migrations_dir;
    char *membership_endpoint;
    char *communities_endpoint;
    char *events_endpoint;
    char *stream_pub_endpoint;
    char *stream_replay_endpoint;
    int64_t follow_interval_ms;
    int64_t load_timeout_ms;
    int64_t events_deadline_ms;
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
    {"VERBUND_MATCHMAKING_ENDPOINT", VB_CONFIG_STRING, S_FIELD(endpoint), "tcp://127.0.0.1:7104", 0,
     0, 0, "ZeroMQ endpoint the service binds"},
    {"VERBUND_MIGRATIONS_DIR", VB_CONFIG_STRING, S_FIELD(migrations_dir),
     MATCHMAKING_MIGRATIONS_DIR, 0, 0, 0, "directory of the NNNN_*.sql migrations"},
    {"VERBUND_MEMBERSHIP_ENDPOINT", VB_CONFIG_STRING, S_FIELD(membership_endpoint),
     "tcp://127.0.0.1:7101", 0, 0, 0,
     "membership service: taxonomy, persons, expert profiles, organisations"},
    {"VERBUND_COMMUNITIES_ENDPOINT", VB_CONFIG_STRING, S_FIELD(communities_endpoint),
     "tcp://127.0.0.1:7102", 0, 0, 0,
     "communities service (loaded when it answers; empty disables)"},
    {"VERBUND_EVENTS_ENDPOINT", VB_CONFIG_STRING, S_FIELD(events_endpoint), "tcp://127.0.0.1:7103",
     0, 0, 0, "events service: registrations, tables, table assignments (empty disables)"},
    {"VERBUND_STREAM_PUB_ENDPOINT", VB_CONFIG_STRING, S_FIELD(stream_pub_endpoint),
     "tcp://127.0.0.1:7201", 0, 0, 0, "the stream's PUB socket (empty: no live updates)"},
    {"VERBUND_STREAM_REPLAY_ENDPOINT", VB_CONFIG_STRING, S_FIELD(stream_replay_endpoint),
     "tcp://127.0.0.1:7202", 0, 0, 0, "the stream's replay socket (gap filling, head)"},
    {"VERBUND_MATCHMAKING_FOLLOW_INTERVAL_MS", VB_CONFIG_INT, S_FIELD(follow_interval_ms), "10", 1,
     1000, 0, "how often the stream subscription is read (bounds how stale matches are)"},
    {"VERBUND_MATCHMAKING_LOAD_TIMEOUT_MS", VB_CONFIG_INT, S_FIELD(load_timeout_ms), "30000", 1000,
     600000, 0, "how long the start waits for membership to answer"},
    {"VERBUND_MATCHMAKING_EVENTS_DEADLINE_MS", VB_CONFIG_INT, S_FIELD(events_deadline_ms), "3000",
     100, 60000, 0, "deadline of each call to the events service"},
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
s_follow(void *context)
{
    matchmaking_follow_t *follow = context;
    (void)matchmaking_follow_process(follow, 0);
}

int
main(int argc, char **argv)
{
    s_config_t config;
    memset(&config, 0, sizeof config);
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(MATCHMAKING_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, log_level), &exit_code))
        return exit_code;
    vb_db_t *db = NULL;
    vb_write_batch_t *batch = NULL;
    vb_outbox_t *outbox = NULL;
    vb_taxonomy_t *taxonomy = NULL;
    matchmaking_read_model_t *model = NULL;
    matchmaking_experts_t *experts = NULL;
    matchmaking_follow_t *follow = NULL;
    vb_rpc_client_t *events = NULL;
    matchmaking_t *matchmaking = NULL;
    vb_service_t *service = NULL;

    size_t statement_count = 0;
    const vb_db_statement_t *statements = matchmaking_store_statements(&statement_count);
    db = vb_service_main_open_db(config.database_url, MATCHMAKING_SERVICE, config.migrations_dir,
                                 statements, statement_count);
    if (!db) {
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    batch = vb_write_batch_new(db);
    outbox = batch ? vb_outbox_new(db, MATCHMAKING_SERVICE) : NULL;
    if (!batch || !outbox) {
        vb_log_error("database: preparing the write batch and outbox: %s", vb_db_error(db));
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    if (vb_taxonomy_fetch(config.membership_endpoint, (int)config.load_timeout_ms, &taxonomy) !=
        VB_STATUS_OK) {
        exit_code = VB_EXIT_DEPENDENCY; /* logged; membership never answered */
        goto cleanup;
    }
    model = matchmaking_read_model_new(taxonomy);
    experts = matchmaking_experts_new();
    if (!model || !experts) {
        vb_log_error("read model: out of memory or more than %d competences",
                     MATCHMAKING_COMPETENCES_MAX);
        goto cleanup;
    }
    matchmaking_follow_options_t follow_options = {
        .membership_endpoint = config.membership_endpoint,
        .communities_endpoint = config.communities_endpoint,
        .pub_endpoint = config.stream_pub_endpoint,
        .replay_endpoint = config.stream_replay_endpoint,
        .load_deadline_ms = (int)config.load_timeout_ms,
    };
    follow = matchmaking_follow_new(&follow_options, model);
    if (!follow)
        goto cleanup;
    if (matchmaking_follow_load(follow) != VB_STATUS_OK) {
        exit_code = VB_EXIT_DEPENDENCY; /* logged */
        goto cleanup;
    }
    if (config.events_endpoint && config.events_endpoint[0]) {
        vb_rpc_client_options_t events_options = {.endpoint = config.events_endpoint,
                                                  .attempt_timeout_ms =
                                                      (int)config.events_deadline_ms / 2,
                                                  .max_attempts = 2};
        events = vb_rpc_client_new(&events_options);
        if (!events)
            goto cleanup;
    }
    matchmaking = calloc(1, sizeof *matchmaking);
    if (!matchmaking)
        goto cleanup;
    matchmaking->db = db;
    matchmaking->outbox = outbox;
    matchmaking->model = model;
    matchmaking->experts = experts;
    matchmaking->follow = follow;
    matchmaking->events = events;
    matchmaking->events_deadline_ms = (int)config.events_deadline_ms;

    size_t method_count = 0;
    const vb_rpc_method_t *methods = matchmaking_methods(&method_count);
    vb_service_options_t service_options = {
        .rpc =
            {
                .service = MATCHMAKING_SERVICE,
                .endpoint = config.endpoint,
                .methods = methods,
                .method_count = method_count,
                .handler_context = matchmaking,
                .batch_hooks = vb_write_batch_hooks(batch),
                .max_batch = (int)config.rpc_max_batch,
            },
    };
    service = vb_service_new(&service_options);
    if (!service) {
        vb_log_error("cannot bind VERBUND_MATCHMAKING_ENDPOINT %s", config.endpoint);
        exit_code = VB_EXIT_BIND;
        goto cleanup;
    }
    /* the stream is read from a short timer: the loop has no reader slot for a second socket,
     * and 10 ms keeps a change visible to matches well within a second */
    if (vb_service_add_timer(service, "idempotency-expiry", 3600 * 1000, s_expire_idempotency,
                             batch) != 0 ||
        vb_service_add_timer(service, "stream-follow", (int)config.follow_interval_ms, s_follow,
                             follow) != 0)
        goto cleanup;

    vb_log_field_t fields[] = {
        {.key = "endpoint", .string_value = config.endpoint},
        {.key = "node_id", .string_value = config.node_id},
        {.key = "persons",
         .int_value = (long long)matchmaking_read_model_person_count(model),
         .is_int = 1},
        {.key = "expert_profiles",
         .int_value = (long long)matchmaking_read_model_profile_count(model),
         .is_int = 1},
    };
    vb_log_fields(VB_LOG_INFO, NULL, fields, (int)VB_ARRAY_SIZE(fields), "ready");
    exit_code = vb_service_run(service) == 0 ? VB_EXIT_OK : VB_EXIT_FAILURE;

cleanup:
    vb_service_destroy(&service);
    free(matchmaking);
    vb_rpc_client_destroy(&events);
    matchmaking_follow_destroy(&follow);
    matchmaking_experts_destroy(&experts);
    matchmaking_read_model_destroy(&model);
    vb_taxonomy_destroy(&taxonomy);
    vb_outbox_destroy(&outbox);
    vb_write_batch_destroy(&batch);
    vb_db_destroy(&db);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
