/* test_config.c - unit tests of vb/config.h: defaults, environment, integer ranges, booleans,
 * required settings, NAME_FILE secrets, error messages and --print-config redaction.
 * Does not: test the tables of the services (their own tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vb/config.h"

/* A program's settings and the table that fills them. */
typedef struct {
    char *node_id;
    int64_t http_port;
    int debug;
    char *admin_token;
    char *database_url;
} settings_t;

static const vb_config_entry_t s_table[] = {
    {"TEST_NODE_ID", VB_CONFIG_STRING, offsetof(settings_t, node_id), "local", 0, 0, 0,
     "name of this node"},
    {"TEST_HTTP_PORT", VB_CONFIG_INT, offsetof(settings_t, http_port), "8080", 1, 65535, 0,
     "HTTP listen port"},
    {"TEST_DEBUG", VB_CONFIG_BOOL, offsetof(settings_t, debug), "false", 0, 0, 0,
     "extra diagnostics"},
    {"TEST_ADMIN_TOKEN", VB_CONFIG_STRING, offsetof(settings_t, admin_token), NULL, 0, 0,
     VB_CONFIG_SECRET, "bootstrap admin token"},
    {"TEST_DATABASE_URL", VB_CONFIG_STRING, offsetof(settings_t, database_url), NULL, 0, 0,
     VB_CONFIG_REQUIRED | VB_CONFIG_SECRET, "libpq conninfo"},
};
#define TABLE_SIZE (sizeof(s_table) / sizeof(s_table[0]))

static int
s_clear_environment(void **state)
{
    (void) state;
    static const char *names[] = {"TEST_NODE_ID", "TEST_HTTP_PORT", "TEST_DEBUG",
                                  "TEST_ADMIN_TOKEN", "TEST_ADMIN_TOKEN_FILE",
                                  "TEST_DATABASE_URL", "TEST_DATABASE_URL_FILE",
                                  "TEST_HTTP_PORT_FILE"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unsetenv(names[i]);
    return 0;
}

/* Usage: one table per program; load at start, exit naming the setting on error. */
static void
test_config_usage_example(void **state)
{
    (void) state;
    setenv("TEST_DATABASE_URL", "host=127.0.0.1 dbname=verbund", 1);
    setenv("TEST_HTTP_PORT", "9090", 1);

    settings_t settings = {0};
    char err[256];
    int rc = vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_string_equal(settings.node_id, "local");     /* default */
    assert_int_equal(settings.http_port, 9090);         /* environment */
    assert_int_equal(settings.debug, 0);
    assert_null(settings.admin_token);                  /* optional, unset */
    assert_string_equal(settings.database_url, "host=127.0.0.1 dbname=verbund");

    vb_config_free(s_table, TABLE_SIZE, &settings);
    assert_null(settings.node_id);
    assert_null(settings.database_url);
}

/* Loads with only TEST_HTTP_PORT=value varying; returns rc and the error text. */
static int
s_load_port(const char *value, int64_t *port, char *err, size_t err_size)
{
    setenv("TEST_DATABASE_URL", "x", 1);
    setenv("TEST_HTTP_PORT", value, 1);
    settings_t settings = {0};
    int rc = vb_config_load(s_table, TABLE_SIZE, &settings, err, err_size);
    *port = settings.http_port;
    vb_config_free(s_table, TABLE_SIZE, &settings);
    return rc;
}

static void
test_config_integer_ranges(void **state)
{
    (void) state;
    static const struct {
        const char *value;
        int rc;
        int64_t port;           /* when rc == 0 */
        const char *message;    /* when rc == -1 */
    } cases[] = {
        {"1", 0, 1, NULL},
        {"65535", 0, 65535, NULL},
        {"+443", 0, 443, NULL},
        {"0", -1, 0, "TEST_HTTP_PORT: 0 is below the minimum 1"},
        {"70000", -1, 0, "TEST_HTTP_PORT: 70000 is above the maximum 65535"},
        {"-5", -1, 0, "TEST_HTTP_PORT: -5 is below the minimum 1"},
        {"80x", -1, 0, "TEST_HTTP_PORT: \"80x\" is not an integer"},
        {"", -1, 0, "TEST_HTTP_PORT: \"\" is not an integer"},
        {" 80", -1, 0, "TEST_HTTP_PORT: \" 80\" is not an integer"},
        {"80 ", -1, 0, "TEST_HTTP_PORT: \"80 \" is not an integer"},
        {"0x50", -1, 0, "TEST_HTTP_PORT: \"0x50\" is not an integer"},
        {"99999999999999999999", -1, 0,
         "TEST_HTTP_PORT: 99999999999999999999 is out of the 64-bit range"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        int64_t port = -1;
        int rc = s_load_port(cases[i].value, &port, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, expected %d (%s)", cases[i].value, rc, cases[i].rc, err);
        if (rc == 0)
            assert_int_equal(port, cases[i].port);
        else
            assert_string_equal(err, cases[i].message);
    }
}

static void
test_config_unranged_integer(void **state)
{
    (void) state;
    /* min == max == 0: the whole int64 range is accepted. */
    int64_t value = 0;
    vb_config_entry_t table[] = {
        {"TEST_HTTP_PORT", VB_CONFIG_INT, 0, NULL, 0, 0, 0, "any integer"},
    };
    char err[128];
    setenv("TEST_HTTP_PORT", "-9223372036854775808", 1);
    assert_int_equal(vb_config_load(table, 1, &value, err, sizeof(err)), 0);
    assert_true(value == INT64_MIN);
    setenv("TEST_HTTP_PORT", "9223372036854775807", 1);
    assert_int_equal(vb_config_load(table, 1, &value, err, sizeof(err)), 0);
    assert_true(value == INT64_MAX);
}

static void
test_config_bool_parsing(void **state)
{
    (void) state;
    static const struct {
        const char *value;
        int rc;
        int result;
    } cases[] = {
        {"1", 0, 1},     {"0", 0, 0},     {"true", 0, 1},  {"false", 0, 0}, {"TRUE", 0, 1},
        {"yes", 0, 1},   {"no", 0, 0},    {"on", 0, 1},    {"Off", 0, 0},   {"2", -1, 0},
        {"maybe", -1, 0}, {"", -1, 0},    {"yes ", -1, 0},
    };
    setenv("TEST_DATABASE_URL", "x", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setenv("TEST_DEBUG", cases[i].value, 1);
        settings_t settings = {.debug = -1};
        char err[256] = "";
        int rc = vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, expected %d (%s)", cases[i].value, rc, cases[i].rc, err);
        if (rc == 0)
            assert_int_equal(settings.debug, cases[i].result);
        else
            assert_non_null(strstr(err, "TEST_DEBUG: "));
        vb_config_free(s_table, TABLE_SIZE, &settings);
    }
}

static void
test_config_missing_required(void **state)
{
    (void) state;
    settings_t settings = {0};
    char err[256] = "";
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), -1);
    assert_string_equal(err, "TEST_DATABASE_URL: required but not set (nor TEST_DATABASE_URL_FILE)");
    /* On failure no string is left allocated (the default node_id was loaded before). */
    assert_null(settings.node_id);
    assert_null(settings.database_url);
}

static char *
s_write_temp_file(const char *content)
{
    char *path = strdup("/tmp/test_config_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
    close(fd);
    return path;
}

static void
test_config_secret_from_file(void **state)
{
    (void) state;
    char *token_path = s_write_temp_file("s3cret-token\n");
    char *url_path = s_write_temp_file("host=db password=pw\r\n\n");
    setenv("TEST_ADMIN_TOKEN_FILE", token_path, 1);
    setenv("TEST_DATABASE_URL_FILE", url_path, 1);

    settings_t settings = {0};
    char err[256] = "";
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), 0);
    assert_string_equal(settings.admin_token, "s3cret-token");       /* newline stripped */
    assert_string_equal(settings.database_url, "host=db password=pw");
    vb_config_free(s_table, TABLE_SIZE, &settings);

    /* Both NAME and NAME_FILE: ambiguous, refused. */
    setenv("TEST_ADMIN_TOKEN", "other", 1);
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "TEST_ADMIN_TOKEN: set either TEST_ADMIN_TOKEN or TEST_ADMIN_TOKEN_FILE, "
                        "not both");
    unsetenv("TEST_ADMIN_TOKEN");

    /* A missing file names the _FILE variable and the path. */
    unlink(token_path);
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "TEST_ADMIN_TOKEN_FILE: cannot open "));
    assert_non_null(strstr(err, token_path));
    assert_null(settings.database_url);

    /* NAME_FILE is only for secrets: a non-secret ignores it. */
    unsetenv("TEST_ADMIN_TOKEN_FILE");
    setenv("TEST_HTTP_PORT_FILE", url_path, 1);
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), 0);
    assert_int_equal(settings.http_port, 8080);
    vb_config_free(s_table, TABLE_SIZE, &settings);

    unlink(url_path);
    free(token_path);
    free(url_path);
}

static void
test_config_secret_not_echoed_in_errors(void **state)
{
    (void) state;
    int64_t pin = 0;
    vb_config_entry_t table[] = {
        {"TEST_HTTP_PORT", VB_CONFIG_INT, 0, NULL, 0, 9999, VB_CONFIG_SECRET, "a secret number"},
    };
    char err[256];
    setenv("TEST_HTTP_PORT", "hunter2", 1);
    assert_int_equal(vb_config_load(table, 1, &pin, err, sizeof(err)), -1);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "TEST_HTTP_PORT: "));
    setenv("TEST_HTTP_PORT", "12345", 1);
    assert_int_equal(vb_config_load(table, 1, &pin, err, sizeof(err)), -1);
    assert_null(strstr(err, "12345"));
    assert_non_null(strstr(err, "above the maximum 9999"));
}

static void
test_config_print_redacts(void **state)
{
    (void) state;
    setenv("TEST_DATABASE_URL", "host=db password=topsecret", 1);
    setenv("TEST_ADMIN_TOKEN", "tok-123", 1);
    setenv("TEST_DEBUG", "yes", 1);
    settings_t settings = {0};
    char err[256];
    assert_int_equal(vb_config_load(s_table, TABLE_SIZE, &settings, err, sizeof(err)), 0);

    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    vb_config_print(s_table, TABLE_SIZE, &settings, out);
    fclose(out);
    assert_string_equal(text,
                        "# name of this node\n"
                        "TEST_NODE_ID=local\n"
                        "# HTTP listen port\n"
                        "TEST_HTTP_PORT=8080\n"
                        "# extra diagnostics\n"
                        "TEST_DEBUG=true\n"
                        "# bootstrap admin token\n"
                        "TEST_ADMIN_TOKEN=(redacted)\n"
                        "# libpq conninfo\n"
                        "TEST_DATABASE_URL=(redacted)\n");
    assert_null(strstr(text, "topsecret"));
    free(text);
    vb_config_free(s_table, TABLE_SIZE, &settings);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_usage_example, s_clear_environment),
        cmocka_unit_test_setup(test_config_integer_ranges, s_clear_environment),
        cmocka_unit_test_setup(test_config_unranged_integer, s_clear_environment),
        cmocka_unit_test_setup(test_config_bool_parsing, s_clear_environment),
        cmocka_unit_test_setup(test_config_missing_required, s_clear_environment),
        cmocka_unit_test_setup(test_config_secret_from_file, s_clear_environment),
        cmocka_unit_test_setup(test_config_secret_not_echoed_in_errors, s_clear_environment),
        cmocka_unit_test_setup(test_config_print_redacts, s_clear_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
