/* service_main.c - the start-up steps every service main.c shares (vb/service_main.h).
 * Does not: create the service or its loop (vb/service.h). */
#include "vb/service_main.h"

#include <stdio.h>
#include <string.h>

#include "vb/log.h"

bool
vb_service_main_configure(const char *service, int argc, char **argv,
                          const vb_config_entry_t *table, size_t count, void *config,
                          size_t log_level_offset, int *exit_code)
{
    bool print_config = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--print-config") == 0) {
            print_config = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [--print-config]\nenvironment:\n", argv[0]);
            for (size_t e = 0; e < count; e++)
                printf("  %-44s %s\n", table[e].env, table[e].help);
            *exit_code = VB_EXIT_OK;
            return false;
        } else {
            fprintf(stderr, "%s: unknown argument %s (try --help)\n", argv[0], argv[i]);
            *exit_code = VB_EXIT_CONFIG;
            return false;
        }
    }
    vb_log_set_service(service);

    char err[512];
    if (vb_config_load(table, count, config, err, sizeof err)) {
        vb_log_error("configuration: %s", err);
        *exit_code = VB_EXIT_CONFIG;
        return false;
    }
    const char *log_level = *(char **)((char *)config + log_level_offset);
    vb_log_level_t level;
    if (vb_log_level_parse(log_level, &level) != 0) {
        vb_log_error("configuration: VERBUND_LOG_LEVEL: \"%s\" is not debug, info, warn or error",
                     log_level);
        vb_config_free(table, count, config);
        *exit_code = VB_EXIT_CONFIG;
        return false;
    }
    vb_log_set_level(level);
    if (print_config) {
        vb_config_print(table, count, config, stdout);
        vb_config_free(table, count, config);
        *exit_code = VB_EXIT_OK;
        return false;
    }
    return true;
}

vb_db_t *
vb_service_main_open_db(const char *conninfo, const char *schema, const char *migrations_dir,
                        const vb_db_statement_t *statements, size_t statement_count)
{
    vb_db_options_t options = {
        .conninfo = conninfo,
        .schema = schema,
        .statements = statements,
        .statement_count = statement_count,
    };
    char err[512];
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db) {
        vb_log_error("database: %s", err);
        return NULL;
    }
    if (vb_db_migrate(db, migrations_dir, err, sizeof err) != 0 ||
        vb_db_prepare_all(db, err, sizeof err) != 0) {
        vb_log_error("database: %s", err);
        vb_db_destroy(&db);
        return NULL;
    }
    return db;
}
