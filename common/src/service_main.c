/* service_main.c - the start-up steps every service main.c shares (vb/service_main.h).
 * Does not: implement the loop (vb/service.h) or anything one service alone needs. */
#include "vb/service_main.h"

#include <stdio.h>
#include <string.h>

#include "vb/assert.h"
#include "vb/log.h"
#include "vb/service.h"

/* Idempotency keys are kept a day (vb/write_batch.h), swept every hour. */
#define S_IDEMPOTENCY_MAX_AGE_SECONDS (24 * 3600)
#define S_IDEMPOTENCY_SWEEP_MS (3600 * 1000)

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

int
vb_service_main_writer_open(vb_service_main_writer_t *writer, const char *service,
                            const vb_service_main_config_t *config,
                            vb_service_main_statements_fn statements)
{
    size_t statement_count = 0;
    const vb_db_statement_t *table = statements(&statement_count);
    writer->db = vb_service_main_open_db(config->database_url, service, config->migrations_dir,
                                         table, statement_count);
    if (!writer->db)
        return VB_EXIT_DATABASE;
    writer->batch = vb_write_batch_new(writer->db);
    if (!writer->batch) {
        vb_log_error("database: preparing the write batch: %s", vb_db_error(writer->db));
        vb_service_main_writer_close(writer);
        return VB_EXIT_DATABASE;
    }
    writer->outbox = vb_outbox_new(writer->db, service);
    if (!writer->outbox) {
        vb_log_error("database: preparing the outbox: %s", vb_db_error(writer->db));
        vb_service_main_writer_close(writer);
        return VB_EXIT_DATABASE;
    }
    return 0;
}

void
vb_service_main_writer_close(vb_service_main_writer_t *writer)
{
    vb_outbox_destroy(&writer->outbox);
    vb_write_batch_destroy(&writer->batch);
    vb_db_destroy(&writer->db);
}

int
vb_service_main_fetch_taxonomy(const char *endpoint, int64_t timeout_ms, vb_taxonomy_t **taxonomy_p)
{
    if (vb_taxonomy_fetch(endpoint, (int)timeout_ms, taxonomy_p) == VB_STATUS_OK)
        return 0;
    vb_log_error("VERBUND_MEMBERSHIP_ENDPOINT %s: no competence taxonomy within %lld ms", endpoint,
                 (long long)timeout_ms);
    return VB_EXIT_DEPENDENCY;
}

static void
s_expire_idempotency(void *context)
{
    vb_write_batch_t *batch = context;
    int64_t removed = vb_write_batch_expire(batch, S_IDEMPOTENCY_MAX_AGE_SECONDS);
    if (removed > 0)
        vb_log_info("expired %lld idempotency keys", (long long)removed);
}

/* Adds the expiry and the options' timers. 0 or -1. */
static int
s_add_timers(vb_service_t *service, const vb_service_main_run_options_t *options)
{
    if (vb_service_add_timer(service, "idempotency-expiry", S_IDEMPOTENCY_SWEEP_MS,
                             s_expire_idempotency, options->writer->batch) != 0)
        return -1;
    for (size_t i = 0; i < options->timer_count; i++) {
        const vb_service_main_timer_t *timer = &options->timers[i];
        if (vb_service_add_timer(service, timer->name, timer->interval_ms, timer->fn,
                                 timer->context) != 0)
            return -1;
    }
    if (options->follow && vb_stream_follow_enabled(options->follow) &&
        vb_service_add_timer(service, "stream-follow", options->follow_interval_ms,
                             vb_stream_follow_tick, options->follow) != 0)
        return -1;
    return 0;
}

int
vb_service_main_run(const vb_service_main_run_options_t *options)
{
    VB_ASSERT(options->ready_field_count <= VB_SERVICE_MAIN_READY_FIELDS_MAX);
    const vb_service_main_config_t *config = options->config;
    size_t method_count = 0;
    const vb_rpc_method_t *methods = options->methods(&method_count);
    vb_service_options_t service_options = {
        .rpc =
            {
                .service = options->service,
                .endpoint = config->endpoint,
                .methods = methods,
                .method_count = method_count,
                .handler_context = options->handler_context,
                .batch_hooks = vb_write_batch_hooks(options->writer->batch),
                .max_batch = (int)config->rpc_max_batch,
            },
    };
    vb_service_t *service = vb_service_new(&service_options);
    if (!service) {
        vb_log_error("cannot bind %s %s", options->endpoint_env, config->endpoint);
        return VB_EXIT_BIND;
    }
    int exit_code = VB_EXIT_FAILURE;
    if (s_add_timers(service, options) == 0) {
        vb_log_field_t fields[3 + VB_SERVICE_MAIN_READY_FIELDS_MAX] = {
            {.key = "endpoint", .string_value = config->endpoint},
            {.key = "node_id", .string_value = config->node_id},
        };
        size_t count = 2;
        if (options->taxonomy)
            fields[count++] =
                (vb_log_field_t){.key = "competences",
                                 .int_value = (long long)vb_taxonomy_size(options->taxonomy),
                                 .is_int = 1};
        for (size_t i = 0; i < options->ready_field_count; i++)
            fields[count++] = options->ready_fields[i];
        vb_log_fields(VB_LOG_INFO, NULL, fields, (int)count, "ready");
        exit_code = vb_service_run(service) == 0 ? VB_EXIT_OK : VB_EXIT_FAILURE;
    }
    vb_service_destroy(&service);
    return exit_code;
}
