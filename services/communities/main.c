/* main.c - verbund-communities: reads its configuration, opens PostgreSQL (migrations, prepared
 * statements), the write batch and the event outbox, fetches the competence taxonomy from the
 * membership service, and runs the service loop (vb/service_main.h does each step). Wiring
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
#include "communities_store.h"

#ifndef COMMUNITIES_MIGRATIONS_DIR
#define COMMUNITIES_MIGRATIONS_DIR "services/communities/migrations"
#endif
#define S_ENDPOINT_ENV "VERBUND_COMMUNITIES_ENDPOINT"

typedef struct {
    vb_service_main_config_t service; /* the rows every service has, and the taxonomy's */
} s_config_t;

static const vb_config_entry_t s_config_table[] = {
    VB_SERVICE_MAIN_CONFIG_ROWS(s_config_t, service, S_ENDPOINT_ENV, "tcp://127.0.0.1:7102",
                                COMMUNITIES_MIGRATIONS_DIR),
    VB_SERVICE_MAIN_TAXONOMY_ROWS(s_config_t, service),
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
        exit_code = vb_service_main_run(&(vb_service_main_run_options_t){
            .service = COMMUNITIES_SERVICE,
            .endpoint_env = S_ENDPOINT_ENV,
            .config = &config.service,
            .methods = communities_methods,
            .handler_context = &communities,
            .writer = &writer,
            .taxonomy = taxonomy,
        });
    }

    vb_taxonomy_destroy(&taxonomy);
    vb_service_main_writer_close(&writer);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
