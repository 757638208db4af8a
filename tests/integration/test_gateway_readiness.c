/* test_gateway_readiness.c - /readyz follows the services behind the gateway: 503 problem+json
 * while the membership service is down, 200 again once it is back; /livez stays 200 throughout.
 * Does not: stop PostgreSQL (the membership service's own health reports the database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readyz_reports_membership_down_and_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
