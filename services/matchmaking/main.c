/* main.c - verbund-matchmaking: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements), the write batch and the outbox, fetches the competence taxonomy from
 * membership, loads the read model (membership, communities) and follows the event stream
 * from a timer (with person.erased also from a stored position: needs and ratings of erased
 * persons are deleted, matchmaking_erase.h), and runs the service loop (vb/service_main.h does the shared steps). Wiring
 * only: behaviour lives in matchmaking_handlers.c and the modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused,
 * 4 cannot bind the endpoint, 5 membership did not serve the taxonomy or the read model
 * within VERBUND_MATCHMAKING_LOAD_TIMEOUT_MS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vb/config.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/service_main.h"
#include "vb/taxonomy.h"
#include "matchmaking.h"
#include "matchmaking_erase.h"
#include "matchmaking_store.h"

#ifndef MATCHMAKING_MIGRATIONS_DIR
#define MATCHMAKING_MIGRATIONS_DIR "services/matchmaking/migrations"
#endif
#define S_ENDPOINT_ENV "VERBUND_MATCHMAKING_ENDPOINT"

typedef struct {
    vb_service_main_config_t service; /* the rows every service has, and membership's endpoint */
    char *communities_endpoint;
    char *events_endpoint;
    char *stream_pub_endpoint;
    char *stream_replay_endpoint;
    int64_t follow_interval_ms;
    int64_t load_timeout_ms;
    int64_t events_deadline_ms;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)
static const vb_config_entry_t s_config_table[] = {
    VB_SERVICE_MAIN_CONFIG_ROWS(s_config_t, service, S_ENDPOINT_ENV, "tcp://127.0.0.1:7104",
                                MATCHMAKING_MIGRATIONS_DIR),
    VB_SERVICE_MAIN_ROW_MEMBERSHIP_ENDPOINT(
        "membership service: taxonomy, persons, expert profiles, organisations", s_config_t,
        service.membership_endpoint),
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
};

static void
s_follow(void *context)
{
    matchmaking_follow_t *follow = context;
    (void)matchmaking_follow_process(follow, 0);
}

int
main(int argc, char **argv)
{
    s_config_t config = {0};
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(MATCHMAKING_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, service.log_level), &exit_code))
        return exit_code;
    vb_service_main_writer_t writer = {0};
    vb_taxonomy_t *taxonomy = NULL;
    matchmaking_read_model_t *model = NULL;
    matchmaking_experts_t *experts = NULL;
    matchmaking_follow_t *follow = NULL;
    vb_rpc_client_t *events = NULL;
    matchmaking_t *matchmaking = NULL;

    int rc = vb_service_main_writer_open(&writer, MATCHMAKING_SERVICE, &config.service,
                                         matchmaking_store_statements);
    if (rc == 0)
        rc = vb_service_main_fetch_taxonomy(config.service.membership_endpoint,
                                            config.load_timeout_ms, &taxonomy);
    if (rc != 0) {
        exit_code = rc;
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
        .membership_endpoint = config.service.membership_endpoint,
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
    matchmaking->db = writer.db;
    matchmaking->outbox = writer.outbox;
    matchmaking->model = model;
    matchmaking->experts = experts;
    matchmaking->follow = follow;
    matchmaking->events = events;
    matchmaking->events_deadline_ms = (int)config.events_deadline_ms;
    if (matchmaking_follow_erasure(follow, writer.db, matchmaking_erase_person, matchmaking) != 0)
        goto cleanup; /* logged */

    /* the stream is read from a short timer: the loop has no reader slot for a second socket,
     * and 10 ms keeps a change visible to matches well within a second */
    vb_service_main_timer_t timers[] = {
        {.name = "stream-follow",
         .interval_ms = (int)config.follow_interval_ms,
         .fn = s_follow,
         .context = follow},
    };
    vb_log_field_t ready[] = {
        {.key = "persons",
         .int_value = (long long)matchmaking_read_model_person_count(model),
         .is_int = 1},
        {.key = "expert_profiles",
         .int_value = (long long)matchmaking_read_model_profile_count(model),
         .is_int = 1},
    };
    exit_code = vb_service_main_run(&(vb_service_main_run_options_t){
        .service = MATCHMAKING_SERVICE,
        .endpoint_env = S_ENDPOINT_ENV,
        .config = &config.service,
        .methods = matchmaking_methods,
        .handler_context = matchmaking,
        .writer = &writer,
        .timers = timers,
        .timer_count = VB_ARRAY_SIZE(timers),
        .ready_fields = ready,
        .ready_field_count = VB_ARRAY_SIZE(ready),
    });

cleanup:
    free(matchmaking);
    vb_rpc_client_destroy(&events);
    matchmaking_follow_destroy(&follow);
    matchmaking_experts_destroy(&experts);
    matchmaking_read_model_destroy(&model);
    vb_taxonomy_destroy(&taxonomy);
    vb_service_main_writer_close(&writer);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
