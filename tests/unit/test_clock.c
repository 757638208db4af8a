/* test_clock.c - unit tests of vb/clock.h: units agree, monotonic time moves forward, RFC 3339.
 * Does not: test clock steps (needs privileges). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vb/clock.h"

/* Usage: wall time for timestamps, monotonic time for durations. */
static void
test_clock_usage_example(void **state)
{
    (void) state;
    int64_t started = vb_clock_monotonic_us();
    char stamp[VB_RFC3339_SIZE];
    vb_clock_format_rfc3339(vb_clock_now_us(), stamp);
    int64_t elapsed_us = vb_clock_monotonic_us() - started;

    assert_int_equal(strlen(stamp), 27); /* 2026-11-26T07:05:35.123456Z */
    assert_int_equal(stamp[26], 'Z');
    assert_true(elapsed_us >= 0);
}

static void
test_clock_units_agree(void **state)
{
    (void) state;
    int64_t ms = vb_clock_now_ms();
    int64_t us = vb_clock_now_us();
    time_t seconds = time(NULL);
    /* Read within a moment of each other: the same second, give or take one. */
    assert_true(us / 1000 >= ms);
    assert_true(us / 1000 - ms < 1000);
    assert_true(us / 1000000 - (int64_t) seconds <= 1);
    assert_true((int64_t) seconds - us / 1000000 <= 1);
    /* After 2024-01-01 and before 2100. */
    assert_true(ms > INT64_C(1704067200000));
    assert_true(ms < INT64_C(4102444800000));
}

static void
test_clock_monotonic_advances(void **state)
{
    (void) state;
    int64_t previous = vb_clock_monotonic_us();
    int64_t first = previous;
    /* Poll until the clock moves, with a deadline of one second; it must never go back. */
    while (vb_clock_monotonic_us() - first < 1000) {
        int64_t now = vb_clock_monotonic_us();
        assert_true(now >= previous);
        previous = now;
        assert_true(now - first < 1000000);
    }
    assert_true(vb_clock_monotonic_us() > first);
}

/* The coarse clocks trail the precise ones by at most a tick (a few ms), never lead, and move. */
static void
test_clock_coarse_within_a_tick(void **state)
{
    (void) state;
    int64_t coarse_ms = vb_clock_coarse_now_ms();
    int64_t precise_ms = vb_clock_now_ms();
    assert_true(coarse_ms <= precise_ms);
    assert_true(precise_ms - coarse_ms < 100);
    int64_t coarse_us = vb_clock_coarse_monotonic_us();
    int64_t precise_us = vb_clock_monotonic_us();
    assert_true(coarse_us <= precise_us);
    assert_true(precise_us - coarse_us < 100000);
    int64_t first = vb_clock_coarse_monotonic_us();
    while (vb_clock_coarse_monotonic_us() == first)
        assert_true(vb_clock_monotonic_us() - precise_us < 1000000); /* moves within a second */
}

static void
test_clock_format_known_values(void **state)
{
    (void) state;
    static const struct {
        int64_t unix_us;
        const char *expected;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {INT64_C(1795676735123456), "2026-11-26T07:05:35.123456Z"},
        {INT64_C(951782400000000), "2000-02-29T00:00:00.000000Z"}, /* leap day */
        {INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z"},
        {-1, "1969-12-31T23:59:59.999999Z"}, /* floor, not truncation */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[VB_RFC3339_SIZE];
        vb_clock_format_rfc3339(cases[i].unix_us, out);
        assert_string_equal(out, cases[i].expected);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_usage_example),
        cmocka_unit_test(test_clock_units_agree),
        cmocka_unit_test(test_clock_monotonic_advances),
        cmocka_unit_test(test_clock_coarse_within_a_tick),
        cmocka_unit_test(test_clock_format_known_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
