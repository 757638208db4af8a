/* test_match_peer_groups.c - peer groups (services/matchmaking/match.h): never two people of one
 * organisation in a group, sizes within range, the reported objective matches an independent
 * evaluation, the same seed gives the same groups, the objective is at least the reference
 * exchange heuristic's (within 1%) on random instances, sectors get mixed, bad input refused.
 * Does not: measure speed (bench/bench_match_peer_groups.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

static uint64_t s_random_state;

static uint32_t
s_below(uint32_t bound)
{
    uint64_t z = (s_random_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t) ((z ^ (z >> 31)) % bound);
}

typedef struct {
    match_participant_t *people;
    char (*ids)[32];
    uint16_t (*interests)[6];
    size_t count;
} s_call_t;

static void
s_call_make(s_call_t *call, size_t count, uint32_t max_organization_size, uint32_t sectors,
            uint32_t interest_range)
{
    call->count = count;
    call->people = calloc(count, sizeof *call->people);
    call->ids = calloc(count, sizeof *call->ids);
    call->interests = calloc(count, sizeof *call->interests);
    assert_non_null(call->interests);
    uint32_t organization = 0, left = 0;
    for (size_t p = 0; p < count; p++) {
        if (left == 0) {
            organization += 1 + s_below(1000); /* sparse ids: interning is the library's job */
            left = 1 + s_below(max_organization_size);
        }
        left--;
        snprintf(call->ids[p], sizeof call->ids[p], "person-%zu", p);
        size_t have = s_below(7); /* some people list no interest at all */
        for (size_t i = 0; i < have; i++)
            call->interests[p][i] = (uint16_t) s_below(interest_range); /* repeats allowed */
        call->people[p] =
            (match_participant_t){call->ids[p], organization, s_below(sectors), call->interests[p],
                                  have};
    }
}

static void
s_call_free(s_call_t *call)
{
    free(call->people);
    free(call->ids);
    free(call->interests);
}

static void
s_check_grouping(const s_call_t *call, const uint32_t *group_of,
                 const match_peer_groups_result_t *result, size_t min_size, size_t max_size)
{
    size_t groups = result->group_count;
    assert_true(groups >= 1);
    size_t *size = calloc(groups, sizeof *size);
    for (size_t p = 0; p < call->count; p++) {
        assert_true(group_of[p] < groups);
        size[group_of[p]]++;
        for (size_t q = p + 1; q < call->count; q++)
            if (group_of[p] == group_of[q])
                assert_true(call->people[p].organization_id != call->people[q].organization_id);
    }
    for (size_t g = 0; g < groups; g++) {
        assert_true(size[g] >= min_size);
        assert_true(size[g] <= max_size);
    }
    free(size);
    /* the reported objective is the grouping's, computed independently */
    int64_t shared = 0, same_sector = 0;
    for (size_t p = 0; p < call->count; p++)
        for (size_t q = p + 1; q < call->count; q++) {
            if (group_of[p] != group_of[q])
                continue;
            const match_participant_t *a = &call->people[p], *b = &call->people[q];
            uint8_t in_a[MATCH_INTERESTS_MAX] = {0};
            for (size_t i = 0; i < a->interest_count; i++)
                in_a[a->interest_ids[i]] = 1;
            for (size_t i = 0; i < b->interest_count; i++)
                if (in_a[b->interest_ids[i]] == 1) {
                    in_a[b->interest_ids[i]] = 2; /* count a repeated interest once */
                    shared++;
                }
            same_sector += a->sector_id == b->sector_id;
        }
    assert_int_equal(result->shared_interests, shared);
    assert_int_equal(result->same_sector_pairs, same_sector);
    assert_int_equal(result->objective, MATCH_PEER_INTEREST_WEIGHT * shared -
                                            MATCH_PEER_SAME_SECTOR_PENALTY * same_sector);
}

/* Usage: six people of three organisations into groups of two or three. */
static void
test_peer_groups_usage_example(void **state)
{
    (void) state;
    uint16_t ai[] = {1, 2}, robotics[] = {7}, none[] = {0};
    match_participant_t people[] = {
        {"anna", 1, 0, ai, 2},       {"bernd", 1, 1, ai, 2},      {"clara", 2, 0, robotics, 1},
        {"dilek", 2, 1, robotics, 1}, {"emil", 3, 2, none, 0},    {"fatma", 3, 2, ai, 2},
    };
    uint32_t group_of[6];
    match_peer_groups_result_t result;
    match_error_t error;
    assert_int_equal(match_peer_groups(people, 6, 2, 3, 42, group_of, &result, &error),
                     VB_STATUS_OK);
    assert_int_equal(result.group_count, 2);
    /* anna and bernd share two interests but one organisation: never together */
    assert_int_not_equal(group_of[0], group_of[1]);
    assert_int_not_equal(group_of[2], group_of[3]);
    assert_int_not_equal(group_of[4], group_of[5]);
    /* fatma joins one of the AI people */
    assert_true(group_of[5] == group_of[0] || group_of[5] == group_of[1]);
    assert_true(result.shared_interests >= 2);
}

static void
test_peer_groups_random_constraints_and_reference(void **state)
{
    (void) state;
    s_random_state = 31;
    int trials = 0, at_least_reference = 0;
    for (int trial = 0; trial < 60; trial++) {
        size_t min_size = 2 + s_below(5), max_size = min_size + s_below(4);
        size_t count = max_size * (2 + s_below(25)) - s_below((uint32_t) max_size);
        if (count < min_size)
            count = min_size;
        s_call_t call;
        s_call_make(&call, count, 1 + s_below(4), 1 + s_below(6), 10 + s_below(40));
        uint32_t *group_of = calloc(count, sizeof *group_of);
        uint32_t *again = calloc(count, sizeof *again);
        uint32_t *reference = calloc(count, sizeof *reference);
        match_peer_groups_result_t result, repeat, reference_result;
        match_error_t error;
        uint64_t seed = s_below(1000000);
        vb_status_t status =
            match_peer_groups(call.people, count, min_size, max_size, seed, group_of, &result,
                              &error);
        vb_status_t reference_status = match_peer_groups_reference(
            call.people, count, min_size, max_size, seed, reference, &reference_result, &error);
        assert_int_equal(status, reference_status);
        if (status == VB_STATUS_OK) {
            trials++;
            s_check_grouping(&call, group_of, &result, min_size, max_size);
            s_check_grouping(&call, reference, &reference_result, min_size, max_size);
            assert_int_equal(match_peer_groups(call.people, count, min_size, max_size, seed,
                                               again, &repeat, &error),
                             VB_STATUS_OK);
            assert_memory_equal(group_of, again, count * sizeof *group_of);
            assert_int_equal(repeat.objective, result.objective);
            /* within 1% of the reference (|objective| can be small: allow one pair weight) */
            int64_t slack = reference_result.objective / 100;
            if (slack < 0)
                slack = -slack;
            assert_true(result.objective >=
                        reference_result.objective - slack - MATCH_PEER_INTEREST_WEIGHT);
            at_least_reference += result.objective >= reference_result.objective;
        } else {
            assert_int_equal(status, VB_STATUS_UNPROCESSABLE);
        }
        free(group_of), free(again), free(reference);
        s_call_free(&call);
    }
    assert_true(trials >= 40);
    assert_true(at_least_reference * 10 >= trials * 9); /* almost always at least as good */
}

static void
test_peer_groups_mix_sectors(void **state)
{
    (void) state;
    /* no interests at all: only the sector term matters; pairs can all be mixed */
    match_participant_t people[8];
    char ids[8][16];
    for (int p = 0; p < 8; p++) {
        snprintf(ids[p], sizeof ids[p], "p%d", p);
        people[p] = (match_participant_t){ids[p], (uint32_t) p, p < 4 ? 0u : 1u, NULL, 0};
    }
    uint32_t group_of[8];
    match_peer_groups_result_t result;
    assert_int_equal(match_peer_groups(people, 8, 2, 2, 5, group_of, &result, NULL),
                     VB_STATUS_OK);
    assert_int_equal(result.group_count, 4);
    assert_int_equal(result.same_sector_pairs, 0);
}

static void
test_peer_groups_bad_input(void **state)
{
    (void) state;
    uint16_t interests[] = {3}, outside[] = {MATCH_INTERESTS_MAX};
    match_participant_t people[] = {
        {"a", 1, 0, interests, 1}, {"b", 1, 0, interests, 1}, {"c", 1, 0, interests, 1},
        {"d", 2, 0, interests, 1},
    };
    uint32_t group_of[4];
    match_peer_groups_result_t result;
    match_error_t error;
    /* three of organisation 1, but only two groups of two */
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(error.message, "organisation"));
    people[2].organization_id = 3;
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_OK);
    /* sizes that cannot be met: four people into groups of exactly three */
    assert_int_equal(match_peer_groups(people, 4, 3, 3, 1, group_of, &result, &error),
                     VB_STATUS_UNPROCESSABLE);
    assert_int_equal(match_peer_groups(people, 4, 5, 6, 1, group_of, &result, &error),
                     VB_STATUS_UNPROCESSABLE);
    assert_int_equal(match_peer_groups(people, 4, 1, 2, 1, group_of, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_peer_groups(people, 4, 3, 2, 1, group_of, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_peer_groups(people, 4, 2, MATCH_PEER_GROUP_SIZE_MAX + 1, 1, group_of,
                                       &result, &error),
                     VB_STATUS_BAD_REQUEST);
    /* duplicates, empty ids, unknown interests */
    people[3].id = "a";
    assert_int_equal(match_peer_groups_reference(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_non_null(strstr(error.message, "duplicate"));
    people[3].id = "";
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    people[3].id = "d";
    people[3].interest_ids = outside;
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "participants[3].interest_ids[0]");
    people[3].interest_ids = interests;
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, NULL, &result, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_peer_groups(people, 4, 2, 2, 1, group_of, &result, &error),
                     VB_STATUS_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_groups_usage_example),
        cmocka_unit_test(test_peer_groups_random_constraints_and_reference),
        cmocka_unit_test(test_peer_groups_mix_sectors),
        cmocka_unit_test(test_peer_groups_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
