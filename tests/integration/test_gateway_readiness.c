/* test_gateway_readiness.c - /readyz follows the services behind the gateway: 503 problem+json
 * while the membership service is down, 200 again once it is back; /livez stays 200 throughout.
 * The other services are reported in "checks" without deciding readiness.
 * Does not: stop PostgreSQL (the membership service's own health reports the database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "vb_test_http.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

/* Polls /readyz until it answers wanted (or 20 s pass); returns the last status. */
static long
s_wait_readyz(long wanted)
{
    int64_t deadline = vb_test_now_ms() + 20000;
    long status = 0;
    while (vb_test_now_ms() < deadline) {
        if (vb_test_http("GET", "/readyz", NULL, NULL, NULL, &status, NULL) == 0 &&
            status == wanted)
            return status;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return status;
}

static void
test_readyz_reports_membership_down_and_back(void **state)
{
    (void) state;
    assert_int_equal(s_wait_readyz(200), 200);

    assert_int_equal(vb_test_node_cmd("kill-service", "membership"), 0);
    assert_int_equal(s_wait_readyz(503), 503);
    json_t *problem = NULL;
    long status = 0;
    assert_int_equal(vb_test_http("GET", "/readyz", NULL, NULL, NULL, &status, &problem), 0);
    assert_int_equal(status, 503);
    assert_non_null(strstr(vb_test_http_header("Content-Type"), "application/problem+json"));
    assert_int_equal(json_integer_value(json_object_get(problem, "status")), 503);
    json_decref(problem);

    /* Liveness is about the gateway process itself, not its dependencies. */
    assert_int_equal(vb_test_http("GET", "/livez", NULL, NULL, NULL, &status, NULL), 0);
    assert_int_equal(status, 200);

    assert_int_equal(vb_test_node_cmd("restart-service", "membership"), 0);
    assert_int_equal(s_wait_readyz(200), 200);
}

/* The value of checks.<name> in a 200 /readyz, or "" when absent. Copied into out. */
static void
s_readyz_check(const char *name, char *out, size_t size)
{
    json_t *body = NULL;
    long status = 0;
    out[0] = '\0';
    assert_int_equal(vb_test_http("GET", "/readyz", NULL, NULL, NULL, &status, &body), 0);
    assert_int_equal(status, 200);
    const char *value = json_string_value(json_object_get(json_object_get(body, "checks"), name));
    snprintf(out, size, "%s", value ? value : "");
    json_decref(body);
}

/* Waits up to 20 s until checks.<name> reads wanted. */
static bool
s_wait_check(const char *name, const char *wanted)
{
    char value[32];
    int64_t deadline = vb_test_now_ms() + 20000;
    while (vb_test_now_ms() < deadline) {
        s_readyz_check(name, value, sizeof value);
        if (strcmp(value, wanted) == 0)
            return true;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return false;
}

/* The events service going away is reported, but the gateway stays ready: everything else
 * still works. */
static void
test_readyz_reports_other_services(void **state)
{
    (void)state;
    assert_int_equal(s_wait_readyz(200), 200);
    char value[32];
    s_readyz_check("communities", value, sizeof value);
    assert_true(strcmp(value, "ok") == 0 || strcmp(value, "unavailable") == 0);
    assert_true(s_wait_check("events", "ok"));
    assert_int_equal(vb_test_node_cmd("kill-service", "events"), 0);
    assert_true(s_wait_check("events", "unavailable"));
    assert_int_equal(vb_test_node_cmd("restart-service", "events"), 0);
    assert_true(s_wait_check("events", "ok"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readyz_reports_membership_down_and_back),
        cmocka_unit_test(test_readyz_reports_other_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
