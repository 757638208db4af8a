/* test_service_main.c - unit tests of vb/service_main.h: the shared configuration rows (names,
 * defaults, ranges) through vb_service_main_configure and its exit codes, closing an unopened
 * writer, and the taxonomy fetch's exit code without membership.
 * Does not: open a database or run a service (the integration suite starts every binary
 * through the node fixture). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/service_main.h"

/* A service's settings: the shared ones and one of its own. */
typedef struct {
    vb_service_main_config_t service;
    int64_t own;
} settings_t;

static const vb_config_entry_t s_table[] = {
    VB_SERVICE_MAIN_CONFIG_ROWS(settings_t, service, "VERBUND_TEST_ENDPOINT",
                                "tcp://127.0.0.1:7199", "/srv/test/migrations"),
    VB_SERVICE_MAIN_TAXONOMY_ROWS(settings_t, service),
    {"VERBUND_TEST_OWN", VB_CONFIG_INT, offsetof(settings_t, own), "7", 0, 10, 0, "its own"},
};
#define TABLE_SIZE VB_ARRAY_SIZE(s_table)

static const char *const s_names[] = {
    "VERBUND_NODE_ID",       "VERBUND_DATABASE_URL",        "VERBUND_DATABASE_URL_FILE",
    "VERBUND_TEST_ENDPOINT", "VERBUND_MIGRATIONS_DIR",      "VERBUND_LOG_LEVEL",
    "VERBUND_RPC_MAX_BATCH", "VERBUND_MEMBERSHIP_ENDPOINT", "VERBUND_TAXONOMY_TIMEOUT_MS",
    "VERBUND_TEST_OWN",
};

static int
s_clear_environment(void **state)
{
    (void)state;
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_names); i++)
        unsetenv(s_names[i]);
    return 0;
}

/* Runs vb_service_main_configure with argv {"test", arg} (arg may be NULL); returns whether main
 * goes on, and the exit code through *exit_code. */
static bool
s_configure(const char *arg, settings_t *settings, int *exit_code)
{
    char *argv[] = {"verbund-test", (char *)arg, NULL};
    memset(settings, 0, sizeof *settings);
    *exit_code = -1;
    return vb_service_main_configure("test", arg ? 2 : 1, argv, s_table, TABLE_SIZE, settings,
                                     offsetof(settings_t, service.log_level), exit_code);
}

/* Usage: a service's table lists the shared rows first; configure fills them from the
 * environment or their defaults, and main frees them at the end. */
static void
test_service_main_usage_example(void **state)
{
    (void)state;
    setenv("VERBUND_NODE_ID", "node-a", 1);
    setenv("VERBUND_RPC_MAX_BATCH", "8", 1);

    settings_t settings;
    int exit_code;
    assert_true(s_configure(NULL, &settings, &exit_code));
    const vb_service_main_config_t *config = &settings.service;
    assert_string_equal(config->node_id, "node-a");
    assert_string_equal(config->database_url, "host=127.0.0.1 dbname=verbund");
    assert_string_equal(config->endpoint, "tcp://127.0.0.1:7199");
    assert_string_equal(config->migrations_dir, "/srv/test/migrations");
    assert_string_equal(config->log_level, "info");
    assert_int_equal(config->rpc_max_batch, 8);
    assert_string_equal(config->membership_endpoint, "tcp://127.0.0.1:7101");
    assert_int_equal(config->taxonomy_timeout_ms, 30000);
    assert_int_equal(settings.own, 7);

    vb_config_free(s_table, TABLE_SIZE, &settings);
    assert_null(config->node_id);
}

/* The shared rows keep the names and ranges the services had: a value out of range or an
 * unknown log level ends the start with VB_EXIT_CONFIG. */
static void
test_service_main_bad_settings_exit_config(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *value;
    } bad[] = {
        {"VERBUND_RPC_MAX_BATCH", "0"},        {"VERBUND_RPC_MAX_BATCH", "1025"},
        {"VERBUND_TAXONOMY_TIMEOUT_MS", "99"}, {"VERBUND_TAXONOMY_TIMEOUT_MS", "600001"},
        {"VERBUND_LOG_LEVEL", "loud"},         {"VERBUND_TEST_OWN", "11"},
    };
    for (size_t i = 0; i < VB_ARRAY_SIZE(bad); i++) {
        s_clear_environment(NULL);
        setenv(bad[i].name, bad[i].value, 1);
        settings_t settings;
        int exit_code;
        assert_false(s_configure(NULL, &settings, &exit_code));
        assert_int_equal(exit_code, VB_EXIT_CONFIG);
        assert_null(settings.service.node_id); /* freed */
    }
    s_clear_environment(NULL);
    setenv("VERBUND_RPC_MAX_BATCH", "1024", 1);
    setenv("VERBUND_TAXONOMY_TIMEOUT_MS", "100", 1);
    settings_t settings;
    int exit_code;
    assert_true(s_configure(NULL, &settings, &exit_code));
    vb_config_free(s_table, TABLE_SIZE, &settings);
}

/* --help and --print-config end the start with VB_EXIT_OK; an unknown argument with
 * VB_EXIT_CONFIG. */
static void
test_service_main_arguments(void **state)
{
    (void)state;
    settings_t settings;
    int exit_code;
    assert_false(s_configure("--help", &settings, &exit_code));
    assert_int_equal(exit_code, VB_EXIT_OK);
    assert_false(s_configure("--print-config", &settings, &exit_code));
    assert_int_equal(exit_code, VB_EXIT_OK);
    assert_null(settings.service.database_url);
    assert_false(s_configure("--verbose", &settings, &exit_code));
    assert_int_equal(exit_code, VB_EXIT_CONFIG);
}

/* Closing a zeroed writer (a start that failed before opening it) does nothing, twice. */
static void
test_service_main_writer_close_zeroed(void **state)
{
    (void)state;
    vb_service_main_writer_t writer = {0};
    vb_service_main_writer_close(&writer);
    vb_service_main_writer_close(&writer);
    assert_null(writer.db);
}

/* Nobody serves the taxonomy: VB_EXIT_DEPENDENCY after the timeout, and no taxonomy. */
static void
test_service_main_taxonomy_without_membership(void **state)
{
    (void)state;
    vb_taxonomy_t *taxonomy = NULL;
    assert_int_equal(vb_service_main_fetch_taxonomy("tcp://127.0.0.1:1", 150, &taxonomy),
                     VB_EXIT_DEPENDENCY);
    assert_null(taxonomy);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_service_main_usage_example, s_clear_environment),
        cmocka_unit_test_setup(test_service_main_bad_settings_exit_config, s_clear_environment),
        cmocka_unit_test_setup(test_service_main_arguments, s_clear_environment),
        cmocka_unit_test_setup(test_service_main_writer_close_zeroed, s_clear_environment),
        cmocka_unit_test_setup(test_service_main_taxonomy_without_membership, s_clear_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
