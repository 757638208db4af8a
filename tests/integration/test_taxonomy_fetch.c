/* test_taxonomy_fetch.c - vb_taxonomy_fetch against the node's membership service: the copy
 * other services validate competence codes with, and a clear failure when nobody answers.
 * Does not: test the taxonomy's content (membership's tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vb/clock.h"
#include "vb/taxonomy.h"
#include "vb_test_node.h"

static void
test_fetch_from_membership(void **state)
{
    (void)state;
    const char *endpoint = vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT");
    assert_non_null(endpoint);
    vb_taxonomy_t *taxonomy = NULL;
    assert_int_equal(vb_taxonomy_fetch(endpoint, 10000, &taxonomy), VB_STATUS_OK);
    assert_non_null(taxonomy);
    /* 19 Future Skills and the 21 DigComp 2.2 competences */
    assert_int_equal(vb_taxonomy_size(taxonomy), 40);
    assert_true(vb_taxonomy_contains(taxonomy, "dc.2.4"));
    assert_false(vb_taxonomy_contains(taxonomy, "dc.9.9"));
    const vb_taxonomy_entry_t *first = vb_taxonomy_at(taxonomy, 0);
    assert_non_null(first->label_de);
    assert_non_null(first->label_en);
    vb_taxonomy_destroy(&taxonomy);
    assert_null(taxonomy);
}

/* Nobody listens: the fetch gives up after its deadline, not before and not much later. */
static void
test_fetch_gives_up(void **state)
{
    (void)state;
    vb_taxonomy_t *taxonomy = (vb_taxonomy_t *)1;
    int64_t start = vb_clock_monotonic_us();
    vb_status_t status = vb_taxonomy_fetch("tcp://127.0.0.1:9", 1500, &taxonomy);
    int64_t elapsed_ms = (vb_clock_monotonic_us() - start) / 1000;
    assert_true(status == VB_STATUS_UNAVAILABLE || status == VB_STATUS_DEADLINE_EXCEEDED);
    assert_null(taxonomy);
    assert_true(elapsed_ms >= 1400);
    assert_true(elapsed_ms < 6000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_from_membership),
        cmocka_unit_test(test_fetch_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
