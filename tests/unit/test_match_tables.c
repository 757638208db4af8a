/* test_match_tables.c - knowledge-café tables (services/matchmaking/match.h): each round's cost
 * equals an exhaustive search on tiny instances and the Hungarian reference on the
 * seat-expanded matrix on small ones (with forbidden tables), every constraint holds on a large
 * instance over several rounds, and infeasible or malformed requests get clear errors.
 * Does not: measure speed (bench/bench_match_tables.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

#define FORBIDDEN_COST 1000000000LL

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
    match_table_participant_t *participants;
    char (*ids)[40];
    uint32_t *rankings; /* tables entries per participant */
    uint32_t *capacities;
    uint8_t *forbidden;
    size_t count, tables;
} s_cafe_t;

/* Random participants ranking 1..max_ranked tables; capacities with enough seats. */
static void
s_cafe_make(s_cafe_t *cafe, size_t count, size_t tables, uint32_t max_capacity,
            size_t max_ranked, int forbid_percent)
{
    cafe->count = count;
    cafe->tables = tables;
    cafe->participants = calloc(count, sizeof *cafe->participants);
    cafe->ids = calloc(count, sizeof *cafe->ids);
    cafe->rankings = calloc(count * tables, sizeof *cafe->rankings);
    cafe->capacities = calloc(tables, sizeof *cafe->capacities);
    cafe->forbidden = calloc(count * tables, 1);
    assert_non_null(cafe->forbidden);
    uint64_t seats = 0;
    for (size_t t = 0; t < tables; t++)
        seats += cafe->capacities[t] = s_below(max_capacity + 1);
    while (seats < count) {
        cafe->capacities[s_below((uint32_t) tables)]++;
        seats++;
    }
    for (size_t p = 0; p < count; p++) {
        snprintf(cafe->ids[p], sizeof cafe->ids[p], "person-%zu", p);
        uint32_t *ranking = &cafe->rankings[p * tables];
        for (size_t t = 0; t < tables; t++)
            ranking[t] = (uint32_t) t;
        for (size_t t = tables - 1; t > 0; t--) {
            size_t other = s_below((uint32_t) t + 1);
            uint32_t swap = ranking[t];
            ranking[t] = ranking[other];
            ranking[other] = swap;
        }
        size_t ranked = 1 + s_below((uint32_t) (max_ranked < tables ? max_ranked : tables));
        cafe->participants[p] = (match_table_participant_t){cafe->ids[p], ranking, ranked};
        for (size_t t = 0; t < tables; t++)
            cafe->forbidden[p * tables + t] = (int) s_below(100) < forbid_percent;
    }
}

static void
s_cafe_free(s_cafe_t *cafe)
{
    free(cafe->participants);
    free(cafe->ids);
    free(cafe->rankings);
    free(cafe->capacities);
    free(cafe->forbidden);
}

/* Exhaustive minimum over every table choice per participant; -1 when nothing is feasible. */
static int64_t
s_exhaustive(const s_cafe_t *cafe, size_t p, uint32_t *load, int64_t cost_so_far)
{
    if (p == cafe->count)
        return cost_so_far;
    int64_t best = -1;
    for (uint32_t t = 0; t < cafe->tables; t++) {
        if (load[t] >= cafe->capacities[t] || cafe->forbidden[p * cafe->tables + t])
            continue;
        load[t]++;
        int64_t cost = s_exhaustive(
            cafe, p + 1, load,
            cost_so_far + match_table_preference_cost(&cafe->participants[p], t));
        load[t]--;
        if (cost >= 0 && (best < 0 || cost < best))
            best = cost;
    }
    return best;
}

/* The Hungarian reference on the seat-expanded matrix; forbidden seats cost FORBIDDEN_COST. */
static int64_t
s_hungarian(const s_cafe_t *cafe, bool use_forbidden)
{
    size_t seats = 0;
    for (size_t t = 0; t < cafe->tables; t++)
        seats += cafe->capacities[t];
    int64_t *cost = calloc(cafe->count * seats, sizeof *cost);
    uint32_t *row_to_col = calloc(cafe->count, sizeof *row_to_col);
    for (size_t p = 0; p < cafe->count; p++) {
        size_t column = 0;
        for (uint32_t t = 0; t < cafe->tables; t++)
            for (uint32_t seat = 0; seat < cafe->capacities[t]; seat++)
                cost[p * seats + column++] =
                    use_forbidden && cafe->forbidden[p * cafe->tables + t]
                        ? FORBIDDEN_COST
                        : match_table_preference_cost(&cafe->participants[p], t);
    }
    int64_t total = -1;
    assert_int_equal(match_assignment_hungarian_reference(cost, cafe->count, seats, row_to_col,
                                                          &total, NULL),
                     VB_STATUS_OK);
    free(cost);
    free(row_to_col);
    return total;
}

static void
s_check_round(const s_cafe_t *cafe, const uint32_t *table_of, const uint8_t *forbidden)
{
    uint32_t *load = calloc(cafe->tables, sizeof *load);
    for (size_t p = 0; p < cafe->count; p++) {
        assert_true(table_of[p] < cafe->tables);
        if (forbidden)
            assert_false(forbidden[p * cafe->tables + table_of[p]]);
        load[table_of[p]]++;
    }
    for (size_t t = 0; t < cafe->tables; t++)
        assert_true(load[t] <= cafe->capacities[t]);
    free(load);
}

/* Usage: three people, two tables of two seats, two rounds. */
static void
test_tables_usage_example(void **state)
{
    (void) state;
    uint32_t ada_ranks[] = {0, 1}, bo_ranks[] = {0}, cy_ranks[] = {1, 0};
    match_table_participant_t people[] = {
        {"ada", ada_ranks, 2}, {"bo", bo_ranks, 1}, {"cy", cy_ranks, 2}};
    uint32_t capacities[] = {2, 2};
    uint32_t assignment[2 * 3];
    int64_t costs[2];
    match_error_t error;
    assert_int_equal(match_table_assignment(people, 3, capacities, 2, 2, assignment, costs,
                                            &error),
                     VB_STATUS_OK);
    /* round 1: everyone at a first choice */
    assert_int_equal(costs[0], 0);
    assert_int_equal(assignment[0], 0);
    assert_int_equal(assignment[1], 0);
    assert_int_equal(assignment[2], 1);
    /* round 2: everyone moves; bo did not rank table 1 */
    assert_int_equal(assignment[3], 1);
    assert_int_equal(assignment[4], 1);
    assert_int_equal(assignment[5], 0);
    assert_int_equal(costs[1], 1 + MATCH_TABLE_UNRANKED_COST + 1);
    assert_int_equal(match_table_preference_cost(&people[1], 1), MATCH_TABLE_UNRANKED_COST);
}

static void
test_tables_round_equals_exhaustive(void **state)
{
    (void) state;
    s_random_state = 21;
    int feasible = 0, infeasible = 0;
    for (int trial = 0; trial < 400; trial++) {
        s_cafe_t cafe;
        s_cafe_make(&cafe, 1 + s_below(6), 1 + s_below(4), 3, 3, trial % 2 ? 30 : 0);
        uint32_t load[8] = {0};
        int64_t expected = s_exhaustive(&cafe, 0, load, 0);
        uint32_t table_of[8];
        int64_t cost = -1;
        match_error_t error;
        vb_status_t status = match_table_round(cafe.participants, cafe.count, cafe.capacities,
                                               cafe.tables, cafe.forbidden, table_of, &cost,
                                               &error);
        if (expected < 0) {
            assert_int_equal(status, VB_STATUS_UNPROCESSABLE);
            infeasible++;
        } else {
            assert_int_equal(status, VB_STATUS_OK);
            assert_int_equal(cost, expected);
            s_check_round(&cafe, table_of, cafe.forbidden);
            feasible++;
        }
        s_cafe_free(&cafe);
    }
    assert_true(feasible > 100 && infeasible > 10);
}

static void
test_tables_round_equals_hungarian(void **state)
{
    (void) state;
    s_random_state = 22;
    for (int trial = 0; trial < 60; trial++) {
        s_cafe_t cafe;
        bool forbid = trial % 3 == 0;
        s_cafe_make(&cafe, 5 + s_below(60), 2 + s_below(8), 12, 4, forbid ? 15 : 0);
        uint32_t *table_of = calloc(cafe.count, sizeof *table_of);
        int64_t cost = -1;
        int64_t expected = s_hungarian(&cafe, forbid);
        vb_status_t status =
            match_table_round(cafe.participants, cafe.count, cafe.capacities, cafe.tables,
                              forbid ? cafe.forbidden : NULL, table_of, &cost, NULL);
        if (expected >= FORBIDDEN_COST) {
            assert_int_equal(status, VB_STATUS_UNPROCESSABLE);
        } else {
            assert_int_equal(status, VB_STATUS_OK);
            assert_int_equal(cost, expected);
            s_check_round(&cafe, table_of, forbid ? cafe.forbidden : NULL);
        }
        free(table_of);
        s_cafe_free(&cafe);
    }
}

static void
test_tables_hungarian_reference_equals_exhaustive(void **state)
{
    (void) state;
    s_random_state = 23;
    for (int trial = 0; trial < 200; trial++) {
        size_t rows = 1 + s_below(5), cols = rows + s_below(3);
        int64_t cost[5 * 7];
        for (size_t i = 0; i < rows * cols; i++)
            cost[i] = (int64_t) s_below(50) - 10; /* negative costs too */
        /* exhaustive over injective row -> column maps */
        int64_t best = INT64_MAX;
        size_t choice[5] = {0};
        for (;;) {
            bool injective = true;
            int64_t total = 0;
            for (size_t r = 0; r < rows; r++) {
                for (size_t q = 0; q < r; q++)
                    injective = injective && choice[q] != choice[r];
                total += cost[r * cols + choice[r]];
            }
            if (injective && total < best)
                best = total;
            size_t r = 0;
            while (r < rows && ++choice[r] == cols)
                choice[r++] = 0;
            if (r == rows)
                break;
        }
        uint32_t row_to_col[5];
        int64_t total = 0;
        assert_int_equal(
            match_assignment_hungarian_reference(cost, rows, cols, row_to_col, &total, NULL),
            VB_STATUS_OK);
        assert_int_equal(total, best);
    }
}

static void
test_tables_large_instance_constraints(void **state)
{
    (void) state;
    s_random_state = 24;
    s_cafe_t cafe;
    s_cafe_make(&cafe, 300, 15, 20, 5, 0);
    for (size_t t = 0; t < cafe.tables; t++)
        cafe.capacities[t] = 20;
    enum { ROUNDS = 3 };
    uint32_t *assignment = calloc(ROUNDS * cafe.count, sizeof *assignment);
    int64_t costs[ROUNDS];
    match_error_t error;
    assert_int_equal(match_table_assignment(cafe.participants, cafe.count, cafe.capacities,
                                            cafe.tables, ROUNDS, assignment, costs, &error),
                     VB_STATUS_OK);
    uint8_t *sat = calloc(cafe.count * cafe.tables, 1);
    for (size_t round = 0; round < ROUNDS; round++) {
        const uint32_t *table_of = &assignment[round * cafe.count];
        s_check_round(&cafe, table_of, sat); /* capacities, and never a table twice */
        int64_t total = 0;
        for (size_t p = 0; p < cafe.count; p++)
            total += match_table_preference_cost(&cafe.participants[p], table_of[p]);
        assert_int_equal(total, costs[round]);
        /* the round is optimal given the earlier ones */
        memcpy(cafe.forbidden, sat, cafe.count * cafe.tables);
        if (round < 2)
            assert_int_equal(s_hungarian(&cafe, true), costs[round]);
        for (size_t p = 0; p < cafe.count; p++)
            sat[p * cafe.tables + table_of[p]] = 1;
    }
    free(sat);
    free(assignment);
    s_cafe_free(&cafe);
}

static void
test_tables_bad_input(void **state)
{
    (void) state;
    uint32_t first[] = {0}, both[] = {1, 0}, twice[] = {1, 1}, outside[] = {2};
    match_table_participant_t people[] = {{"ada", first, 1}, {"bo", both, 2}};
    uint32_t capacities[] = {1, 1};
    uint32_t assignment[8];
    match_error_t error;

    /* more participants than seats */
    uint32_t small[] = {1, 0};
    assert_int_equal(match_table_assignment(people, 2, small, 2, 1, assignment, NULL, &error),
                     VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(error.message, "seats"));
    /* more rounds than tables */
    assert_int_equal(
        match_table_assignment(people, 2, capacities, 2, 3, assignment, NULL, &error),
        VB_STATUS_UNPROCESSABLE);
    assert_string_equal(error.field, "rounds");
    assert_int_equal(
        match_table_assignment(people, 2, capacities, 2, 0, assignment, NULL, &error),
        VB_STATUS_BAD_REQUEST);
    /* an empty preference list */
    match_table_participant_t empty[] = {{"ada", first, 0}, {"bo", both, 2}};
    assert_int_equal(match_table_assignment(empty, 2, capacities, 2, 1, assignment, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "participants[0].ranked_tables");
    /* duplicate participants */
    match_table_participant_t same[] = {{"ada", first, 1}, {"ada", both, 2}};
    assert_int_equal(match_table_assignment(same, 2, capacities, 2, 1, assignment, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_non_null(strstr(error.message, "duplicate"));
    /* a table ranked twice, a table that does not exist */
    match_table_participant_t doubled[] = {{"ada", first, 1}, {"bo", twice, 2}};
    assert_int_equal(
        match_table_assignment(doubled, 2, capacities, 2, 1, assignment, NULL, &error),
        VB_STATUS_BAD_REQUEST);
    match_table_participant_t lost[] = {{"ada", first, 1}, {"bo", outside, 1}};
    assert_int_equal(match_table_assignment(lost, 2, capacities, 2, 1, assignment, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "participants[1].ranked_tables[0]");
    /* no tables, no participants */
    assert_int_equal(match_table_assignment(people, 2, capacities, 0, 1, assignment, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(match_table_assignment(people, 0, capacities, 2, 1, assignment, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    /* round 2 impossible: both sat at the big table, the other one seats one */
    uint32_t big_and_one[] = {5, 1};
    match_table_participant_t fans[] = {{"ada", first, 1}, {"bo", first, 1}};
    assert_int_equal(
        match_table_assignment(fans, 2, big_and_one, 2, 2, assignment, NULL, &error),
        VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(error.message, "round 2"));
    /* the reference refuses a wide matrix */
    int64_t cost[2] = {1, 2};
    uint32_t row_to_col[2];
    assert_int_equal(match_assignment_hungarian_reference(cost, 2, 1, row_to_col, NULL, &error),
                     VB_STATUS_BAD_REQUEST);
    /* and a good request still works */
    assert_int_equal(
        match_table_assignment(people, 2, capacities, 2, 2, assignment, NULL, &error),
        VB_STATUS_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_usage_example),
        cmocka_unit_test(test_tables_round_equals_exhaustive),
        cmocka_unit_test(test_tables_round_equals_hungarian),
        cmocka_unit_test(test_tables_hungarian_reference_equals_exhaustive),
        cmocka_unit_test(test_tables_large_instance_constraints),
        cmocka_unit_test(test_tables_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
