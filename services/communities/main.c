/* main.c - verbund-communities: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements), the write batch and the event outbox, fetches the competence taxonomy from the
 * membership service, follows person.erased of the stream from a timer (communities_follow.h),
 * and runs the service loop (vb/service_main.h does each step). Wiring
 * only: behaviour lives in communities_handlers.c and the modules.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure
 * (out of memory, loop error), 2 bad configuration, 3 database unavailable or refused
 * (connect, migration, prepare), 4 cannot bind the endpoint, 5 the taxonomy could not be
 * fetched from VERBUND_MEMBERSHIP_ENDPOINT in time. */
#include <stddef.h>

#include "vb/config.h"
#include "vb/service_main.h"
#include "vb/taxonomy.h"
#include "communities.h"
#include "communities_follow.h"
#include "communities_store.h"

#ifndef COMMUNITIES_MIGRATIONS_DIR
#define COMMUNITIES_MIGRATIONS_DIR "services/communities/migrations"
#endif
#define S_ENDPOINT_ENV "VERBUND_COMMUNITIES_ENDPOINT"

typedef struct {
    vb_service_main_config_t service; /* the rows every service has, and the taxonomy's */
    char *stream_pub_endpoint;
    char *stream_replay_endpoint;
    int64_t follow_interval_ms;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)

static const vb_config_entry_t s_config_table[] = {
    VB_SERVICE_MAIN_CONFIG_ROWS(s_config_t, service, S_ENDPOINT_ENV, "tcp://127.0.0.1:7102",
                                COMMUNITIES_MIGRATIONS_DIR),
    VB_SERVICE_MAIN_TAXONOMY_ROWS(s_config_t, service),
    {"VERBUND_STREAM_PUB_ENDPOINT", VB_CONFIG_STRING, S_FIELD(stream_pub_endpoint),
     "tcp://127.0.0.1:7201", 0, 0, 0,
     "the stream's PUB socket: person.erased is followed (empty: erasures are not applied)"},
    {"VERBUND_STREAM_REPLAY_ENDPOINT", VB_CONFIG_STRING, S_FIELD(stream_replay_endpoint),
     "tcp://127.0.0.1:7202", 0, 0, 0, "the stream's replay socket (gap filling, resuming)"},
    {"VERBUND_COMMUNITIES_FOLLOW_INTERVAL_MS", VB_CONFIG_INT, S_FIELD(follow_interval_ms), "100",
     1, 10000, 0, "how often the person.erased subscription is read"},
};

int
main(int argc, char **argv)
{
    s_config_t config = {0};
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(COMMUNITIES_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, service.log_level), &exit_code))
        return exit_code;
    vb_service_main_writer_t writer = {0};
    vb_taxonomy_t *taxonomy = NULL;
    vb_stream_follow_t *follow = NULL;

    exit_code = vb_service_main_writer_open(&writer, COMMUNITIES_SERVICE, &config.service,
                                            communities_store_statements);
    if (exit_code == 0)
        exit_code = vb_service_main_fetch_taxonomy(config.service.membership_endpoint,
                                                   config.service.taxonomy_timeout_ms, &taxonomy);
    if (exit_code == 0) {
        communities_t communities = {
            .db = writer.db,
            .outbox = writer.outbox,
            .taxonomy = taxonomy,
        };
        follow = communities_follow_new(&communities, config.stream_pub_endpoint,
                                        config.stream_replay_endpoint);
        if (!follow) {
            exit_code = VB_EXIT_FAILURE; /* logged */
            goto cleanup;
        }
        exit_code = vb_service_main_run(&(vb_service_main_run_options_t){
            .service = COMMUNITIES_SERVICE,
            .endpoint_env = S_ENDPOINT_ENV,
            .config = &config.service,
            .methods = communities_methods,
            .handler_context = &communities,
            .writer = &writer,
            .taxonomy = taxonomy,
            .follow = follow,
            .follow_interval_ms = (int)config.follow_interval_ms,
        });
    }

cleanup:
    vb_stream_follow_destroy(&follow);
    vb_taxonomy_destroy(&taxonomy);
    vb_service_main_writer_close(&writer);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
