/* service_main.h - the start-up steps every service main.c shares: its arguments (--help,
 * --print-config), its configuration table and log level, and its database (open, migrate,
 * prepare), with the exit codes they end in.
 * Does not: create the service, its loop or anything one service alone needs. */
#ifndef VB_SERVICE_MAIN_H
#define VB_SERVICE_MAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/config.h"
#include "vb/db.h"

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

#endif
