/* test_match_experts.c - experts for a need (services/matchmaking/match.h): the index top-k and
 * the scan top-k both equal an independent brute force (same ids, same order) on random
 * profiles with Zipf-like competence popularity, for selective and broad needs and with
 * filters; explanations; bad input.
 * Does not: measure speed (bench/bench_match_experts.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

#define COMPETENCES 40

static uint64_t s_random_state;

static uint64_t
s_random(void)
{
    uint64_t z = (s_random_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t
s_below(uint32_t bound)
{
    return (uint32_t) (s_random() % bound);
}

/* Competence c is picked with weight 1/(c+1): 0 is popular, 39 rare. */
static uint16_t
s_zipf_competence(void)
{
    static double cumulative[COMPETENCES];
    if (cumulative[COMPETENCES - 1] == 0) {
        double total = 0;
        for (int c = 0; c < COMPETENCES; c++)
            cumulative[c] = (total += 1.0 / (c + 1));
        for (int c = 0; c < COMPETENCES; c++)
            cumulative[c] /= total;
    }
    double u = (double) (s_random() >> 11) / 9007199254740992.0;
    for (int c = 0; c < COMPETENCES; c++)
        if (u < cumulative[c])
            return (uint16_t) c;
    return COMPETENCES - 1;
}

typedef struct {
    match_expert_t *experts;
    size_t count;
    char (*ids)[40];
    match_competence_level_t (*competences)[8];
    uint32_t (*regions)[2];
} s_profiles_t;

static void
s_profiles_make(s_profiles_t *profiles, size_t count)
{
    profiles->count = count;
    profiles->experts = calloc(count, sizeof *profiles->experts);
    profiles->ids = calloc(count, sizeof *profiles->ids);
    profiles->competences = calloc(count, sizeof *profiles->competences);
    profiles->regions = calloc(count, sizeof *profiles->regions);
    assert_non_null(profiles->regions);
    for (size_t e = 0; e < count; e++) {
        match_expert_t *expert = &profiles->experts[e];
        /* ids out of index order so the id tie-break is really exercised */
        snprintf(profiles->ids[e], sizeof profiles->ids[e], "p-%06u-%zu", s_below(1000000), e);
        expert->id = profiles->ids[e];
        size_t wanted = 1 + s_below(8), have = 0;
        for (size_t i = 0; i < wanted; i++) {
            uint16_t c = s_zipf_competence();
            bool dup = false;
            for (size_t j = 0; j < have; j++)
                dup = dup || profiles->competences[e][j].competence_id == c;
            if (!dup)
                profiles->competences[e][have++] =
                    (match_competence_level_t){c, (uint8_t) s_below(6)}; /* level 0 too */
        }
        expert->competences = profiles->competences[e];
        expert->competence_count = have;
        expert->language_mask = 1 + s_below(7); /* 3 languages */
        expert->region_count = s_below(3);
        for (size_t r = 0; r < expert->region_count; r++)
            profiles->regions[e][r] = s_below(5);
        expert->region_ids = profiles->regions[e];
        expert->remote = s_below(2);
        expert->hours_per_month = (int32_t) s_below(60);
        expert->hourly_rate_cents = (int64_t) (2000 + s_below(15000));
    }
}

static void
s_profiles_free(s_profiles_t *profiles)
{
    free(profiles->experts);
    free(profiles->ids);
    free(profiles->competences);
    free(profiles->regions);
}

/* ---- the independent brute force --------------------------------------------------- */

typedef struct {
    uint64_t units;
    const char *id;
    uint32_t expert;
} s_scored_t;

static int
s_scored_compare(const void *left, const void *right)
{
    const s_scored_t *a = left, *b = right;
    if (a->units != b->units)
        return a->units > b->units ? -1 : 1;
    return strcmp(a->id, b->id);
}

static bool
s_brute_passes(const match_expert_t *expert, const match_need_t *need)
{
    if (need->language_mask && !(need->language_mask & expert->language_mask))
        return false;
    int64_t months = need->months < 1 ? 1 : need->months;
    if ((int64_t) expert->hours_per_month * months < need->hours)
        return false;
    if (need->budget_cents != MATCH_NO_LIMIT &&
        expert->hourly_rate_cents * need->hours > need->budget_cents)
        return false;
    if (need->region_id == MATCH_REGION_ANY || (need->remote_ok && expert->remote))
        return true;
    for (size_t r = 0; r < expert->region_count; r++)
        if (expert->region_ids[r] == need->region_id)
            return true;
    return false;
}

static size_t
s_brute_topk(const s_profiles_t *profiles, const match_need_t *need, size_t k, s_scored_t *out)
{
    s_scored_t *all = calloc(profiles->count, sizeof *all);
    size_t count = 0;
    for (size_t e = 0; e < profiles->count; e++) {
        const match_expert_t *expert = &profiles->experts[e];
        uint64_t units = 0;
        for (size_t i = 0; i < need->requirement_count; i++) {
            const match_requirement_t *requirement = &need->requirements[i];
            for (size_t c = 0; c < expert->competence_count; c++)
                if (expert->competences[c].competence_id == requirement->competence_id) {
                    uint8_t level = expert->competences[c].level;
                    if (level > requirement->target_level)
                        level = requirement->target_level;
                    units += (uint64_t) (requirement->weight ? requirement->weight : 1) * level *
                             (60 / requirement->target_level);
                }
        }
        if (units > 0 && s_brute_passes(expert, need))
            all[count++] = (s_scored_t){units, expert->id, (uint32_t) e};
    }
    qsort(all, count, sizeof *all, s_scored_compare);
    size_t emit = count < k ? count : k;
    memcpy(out, all, emit * sizeof *out);
    free(all);
    return emit;
}

static void
s_random_need(match_need_t *need, match_requirement_t *requirements, bool selective,
              bool filters)
{
    memset(need, 0, sizeof *need);
    size_t count = 1 + s_below(selective ? 3 : 6), have = 0;
    for (size_t i = 0; i < count; i++) {
        /* selective: the rare tail; broad: the popular head */
        uint16_t c = selective ? (uint16_t) (25 + s_below(15)) : (uint16_t) s_below(6);
        bool dup = false;
        for (size_t j = 0; j < have; j++)
            dup = dup || requirements[j].competence_id == c;
        if (!dup)
            requirements[have++] = (match_requirement_t){c, (uint8_t) (1 + s_below(5)),
                                                         (uint16_t) s_below(4)};
    }
    need->requirements = requirements;
    need->requirement_count = have;
    need->budget_cents = MATCH_NO_LIMIT;
    need->region_id = MATCH_REGION_ANY;
    if (filters) {
        need->language_mask = s_below(2) ? 1u << s_below(3) : 0;
        need->region_id = s_below(3) ? s_below(5) : MATCH_REGION_ANY;
        need->remote_ok = s_below(2);
        need->hours = (int32_t) s_below(100);
        need->months = (int32_t) s_below(4);
        need->budget_cents = s_below(3) ? (int64_t) s_below(2000000) : MATCH_NO_LIMIT;
    }
}

static void
s_expect_same(const s_scored_t *expected, size_t expected_count,
              const match_expert_result_t *got, size_t got_count)
{
    assert_int_equal(got_count, expected_count);
    for (size_t r = 0; r < got_count; r++) {
        assert_string_equal(got[r].expert_id, expected[r].id);
        assert_int_equal(got[r].expert_index, expected[r].expert);
        assert_int_equal(got[r].score_units, expected[r].units);
    }
}

/* ---- tests ------------------------------------------------------------------------- */

/* Usage: build an index once, ask for the top experts, read score and explanation. */
static void
test_experts_usage_example(void **state)
{
    (void) state;
    match_competence_level_t anna_skills[] = {{3, 4}, {7, 2}};
    match_competence_level_t ben_skills[] = {{3, 5}};
    match_competence_level_t cem_skills[] = {{7, 5}, {3, 1}};
    uint32_t berlin[] = {1};
    match_expert_t experts[] = {
        {"anna", anna_skills, 2, 1, berlin, 1, false, 20, 9000},
        {"ben", ben_skills, 1, 1, berlin, 1, false, 20, 9000},
        {"cem", cem_skills, 2, 1, NULL, 0, true, 20, 9000},
    };
    match_expert_index_t *index = NULL;
    match_error_t error;
    assert_int_equal(match_expert_index_build(experts, 3, COMPETENCES, &index, &error),
                     VB_STATUS_OK);
    assert_int_equal(match_expert_index_size(index), 3);
    match_requirement_t requirements[] = {{3, 4, 0}, {7, 4, 0}};
    match_need_t need = {requirements, 2, MATCH_NO_LIMIT, 10, 1, 0, 1, true};
    match_expert_result_t results[5];
    size_t count = 0;
    assert_int_equal(match_experts_topk(index, &need, 5, results, &count, &error), VB_STATUS_OK);
    assert_int_equal(count, 3);
    /* anna: 4/4 + 2/4 = 0.75; cem (remote): 1/4 + 4/4 = 0.625; ben: 4/4 + 0 = 0.5 */
    assert_string_equal(results[0].expert_id, "anna");
    assert_true(results[0].score > 0.7499 && results[0].score < 0.7501);
    assert_int_equal(results[0].matched_levels[0], 4);
    assert_int_equal(results[0].matched_levels[1], 2);
    assert_int_equal(results[0].missing_mask, 2u); /* requirement 1 below target */
    assert_string_equal(results[1].expert_id, "cem");
    assert_string_equal(results[2].expert_id, "ben");
    assert_int_equal(results[2].missing_mask, 2u);
    /* no remote allowed: cem drops out */
    need.remote_ok = false;
    assert_int_equal(match_experts_topk(index, &need, 5, results, &count, &error), VB_STATUS_OK);
    assert_int_equal(count, 2);
    assert_string_equal(results[1].expert_id, "ben");
    match_expert_index_destroy(&index);
    assert_null(index);
    match_expert_index_destroy(&index); /* NULL is fine */
}

static void
test_experts_ties_break_by_id(void **state)
{
    (void) state;
    match_competence_level_t skill[] = {{0, 3}};
    match_expert_t experts[] = {
        {"zoe", skill, 1, 0, NULL, 0, true, 10, 0},
        {"adam", skill, 1, 0, NULL, 0, true, 10, 0},
        {"mia", skill, 1, 0, NULL, 0, true, 10, 0},
    };
    match_expert_index_t *index = NULL;
    assert_int_equal(match_expert_index_build(experts, 3, 1, &index, NULL), VB_STATUS_OK);
    match_requirement_t requirement = {0, 3, 0};
    match_need_t need = {&requirement, 1, MATCH_NO_LIMIT, 0, 0, 0, MATCH_REGION_ANY, false};
    match_expert_result_t results[3];
    size_t count = 0;
    assert_int_equal(match_experts_topk(index, &need, 2, results, &count, NULL), VB_STATUS_OK);
    assert_int_equal(count, 2);
    assert_string_equal(results[0].expert_id, "adam");
    assert_string_equal(results[1].expert_id, "mia");
    match_expert_index_destroy(&index);
}

static void
s_random_trials(size_t expert_count, int trials, bool selective, bool filters)
{
    s_profiles_t profiles;
    s_profiles_make(&profiles, expert_count);
    match_expert_index_t *index = NULL;
    match_error_t error;
    assert_int_equal(match_expert_index_build(profiles.experts, profiles.count, COMPETENCES,
                                              &index, &error),
                     VB_STATUS_OK);
    s_scored_t *expected = calloc(MATCH_K_MAX, sizeof *expected);
    match_expert_result_t *got = calloc(MATCH_K_MAX, sizeof *got);
    for (int trial = 0; trial < trials; trial++) {
        match_requirement_t requirements[8];
        match_need_t need;
        s_random_need(&need, requirements, selective, filters);
        size_t k = trial % 5 == 0 ? 1 + s_below(MATCH_K_MAX) : 1 + s_below(20);
        size_t expected_count = s_brute_topk(&profiles, &need, k, expected);
        size_t got_count = 0;
        assert_int_equal(match_experts_topk(index, &need, k, got, &got_count, &error),
                         VB_STATUS_OK);
        s_expect_same(expected, expected_count, got, got_count);
        assert_int_equal(match_experts_topk_scan(index, &need, k, got, &got_count, &error),
                         VB_STATUS_OK);
        s_expect_same(expected, expected_count, got, got_count);
    }
    free(expected);
    free(got);
    match_expert_index_destroy(&index);
    s_profiles_free(&profiles);
}

static void
test_experts_random_selective_equal_brute_force(void **state)
{
    (void) state;
    s_random_state = 11;
    s_random_trials(3000, 150, true, false);
    s_random_trials(3000, 150, true, true);
}

static void
test_experts_random_broad_equal_brute_force(void **state)
{
    (void) state;
    s_random_state = 12;
    s_random_trials(3000, 100, false, false);
    s_random_trials(3000, 100, false, true);
}

static void
test_experts_random_small_indexes(void **state)
{
    (void) state;
    s_random_state = 13;
    /* tiny indexes: many ties, k larger than the matches, empty lists */
    for (int round = 0; round < 40; round++)
        s_random_trials(1 + s_below(40), 10, round % 2, round % 3 == 0);
}

static void
test_experts_bad_input(void **state)
{
    (void) state;
    match_competence_level_t skill[] = {{0, 3}};
    match_competence_level_t twice[] = {{0, 3}, {0, 2}};
    match_competence_level_t unknown[] = {{40, 3}};
    match_competence_level_t too_high[] = {{1, 6}};
    match_expert_t ok = {"a", skill, 1, 0, NULL, 0, true, 10, 0};
    match_expert_index_t *index = NULL;
    match_error_t error;

    match_expert_t duplicates[] = {ok, ok};
    assert_int_equal(match_expert_index_build(duplicates, 2, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_null(index);
    assert_string_equal(error.field, "experts[1].id");
    assert_non_null(strstr(error.message, "duplicate"));

    match_expert_t bad = ok;
    bad.competences = unknown;
    assert_int_equal(match_expert_index_build(&bad, 1, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "experts[0].competences[0].competence_id");
    bad.competences = too_high;
    assert_int_equal(match_expert_index_build(&bad, 1, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    bad.competences = twice;
    bad.competence_count = 2;
    assert_int_equal(match_expert_index_build(&bad, 1, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    bad = ok;
    bad.id = "";
    assert_int_equal(match_expert_index_build(&bad, 1, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    bad = ok;
    bad.hourly_rate_cents = -1;
    assert_int_equal(match_expert_index_build(&bad, 1, COMPETENCES, &index, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_expert_index_build(&ok, 1, 0, &index, &error), VB_STATUS_BAD_REQUEST);
    assert_null(index);

    assert_int_equal(match_expert_index_build(&ok, 1, COMPETENCES, &index, &error), VB_STATUS_OK);
    match_requirement_t requirement = {0, 3, 0};
    match_need_t need = {&requirement, 1, MATCH_NO_LIMIT, 0, 0, 0, MATCH_REGION_ANY, false};
    match_expert_result_t results[2];
    size_t count = 99;
    assert_int_equal(match_experts_topk(index, &need, 0, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "k");
    assert_int_equal(count, 0);
    assert_int_equal(match_experts_topk(index, &need, MATCH_K_MAX + 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_experts_topk(index, &need, (size_t) -1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    match_requirement_t wrong[] = {{40, 3, 0}};
    need.requirements = wrong;
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "need.requirements[0].competence_id");
    match_requirement_t repeated[] = {{0, 3, 0}, {0, 2, 0}};
    need.requirements = repeated;
    need.requirement_count = 2;
    assert_int_equal(match_experts_topk_scan(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    match_requirement_t zero_target[] = {{0, 0, 0}};
    need.requirements = zero_target;
    need.requirement_count = 1;
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    need.requirements = &requirement;
    need.requirement_count = 0;
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    need.requirement_count = 1;
    need.budget_cents = -5;
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "need.budget_cents");
    need.budget_cents = MATCH_NO_LIMIT;
    need.hours = -1;
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    need.hours = 0;
    assert_int_equal(match_experts_topk(NULL, &need, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_experts_topk(index, NULL, 1, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    /* still answers after the refusals */
    assert_int_equal(match_experts_topk(index, &need, 1, results, &count, &error), VB_STATUS_OK);
    assert_int_equal(count, 1);
    match_expert_index_destroy(&index);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_experts_usage_example),
        cmocka_unit_test(test_experts_ties_break_by_id),
        cmocka_unit_test(test_experts_random_selective_equal_brute_force),
        cmocka_unit_test(test_experts_random_broad_equal_brute_force),
        cmocka_unit_test(test_experts_random_small_indexes),
        cmocka_unit_test(test_experts_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
