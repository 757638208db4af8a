/* test_match_offers.c - training offers for skill gaps and partners in a training network
 * (services/matchmaking/match.h): both top-k lists equal an independent brute force on random
 * catalogues (same ids, same order), the Bayesian rating example from issue 5 (one 5-star
 * rating ranks below forty ratings averaging 4.6), explanations, bad input.
 * Does not: test the service's storage of offers and ratings (integration tests do). */
#include <math.h>
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

static uint32_t
s_below(uint32_t bound)
{
    uint64_t z = (s_random_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t) ((z ^ (z >> 31)) % bound);
}

typedef struct {
    match_offer_t *offers;
    char (*ids)[32];
    char (*providers)[32];
    match_competence_level_t (*competences)[4];
    size_t count;
} s_catalogue_t;

static void
s_catalogue_make(s_catalogue_t *catalogue, size_t count)
{
    catalogue->count = count;
    catalogue->offers = calloc(count, sizeof *catalogue->offers);
    catalogue->ids = calloc(count, sizeof *catalogue->ids);
    catalogue->providers = calloc(count, sizeof *catalogue->providers);
    catalogue->competences = calloc(count, sizeof *catalogue->competences);
    assert_non_null(catalogue->competences);
    for (size_t o = 0; o < count; o++) {
        snprintf(catalogue->ids[o], sizeof catalogue->ids[o], "offer-%u-%zu", s_below(1000), o);
        snprintf(catalogue->providers[o], sizeof catalogue->providers[o], "provider-%u",
                 s_below((uint32_t) count / 3 + 1));
        size_t have = 0, wanted = 1 + s_below(4);
        for (size_t i = 0; i < wanted; i++) {
            uint16_t c = (uint16_t) s_below(12); /* a small field: many overlaps and ties */
            bool dup = false;
            for (size_t j = 0; j < have; j++)
                dup = dup || catalogue->competences[o][j].competence_id == c;
            if (!dup)
                catalogue->competences[o][have++] =
                    (match_competence_level_t){c, (uint8_t) s_below(6)};
        }
        uint32_t ratings = s_below(4) == 0 ? 0 : s_below(50);
        uint32_t sum = ratings;
        for (uint32_t r = 0; r < ratings; r++)
            sum += s_below(5);
        catalogue->offers[o] = (match_offer_t){
            catalogue->ids[o], catalogue->providers[o], catalogue->competences[o], have,
            (int64_t) (s_below(4) * 25000), s_below(4), s_below(2) == 0,
            s_below(3) == 0 ? 0 : (uint64_t) 1 << s_below(5), ratings, sum};
    }
}

static void
s_catalogue_free(s_catalogue_t *catalogue)
{
    free(catalogue->offers);
    free(catalogue->ids);
    free(catalogue->providers);
    free(catalogue->competences);
}

static double
s_prior_mean(const match_offer_t *offers, size_t count)
{
    double sum = 0, ratings = 0;
    for (size_t o = 0; o < count; o++) {
        sum += offers[o].rating_sum;
        ratings += offers[o].rating_count;
    }
    if (ratings == 0)
        return 3.0;
    return sum / ratings < 4.0 ? sum / ratings : 4.0;
}

static uint8_t
s_level_of(const match_offer_t *offer, uint16_t competence)
{
    for (size_t c = 0; c < offer->competence_count; c++)
        if (offer->competences[c].competence_id == competence)
            return offer->competences[c].level;
    return 0;
}

typedef struct {
    double score;
    const char *id;
} s_ranked_t;

static int
s_ranked_compare(const void *left, const void *right)
{
    const s_ranked_t *a = left, *b = right;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->id, b->id);
}

static size_t
s_brute_offers(const s_catalogue_t *catalogue, const match_offer_query_t *query,
               s_ranked_t *out)
{
    double prior = s_prior_mean(catalogue->offers, catalogue->count);
    size_t count = 0;
    for (size_t o = 0; o < catalogue->count; o++) {
        const match_offer_t *offer = &catalogue->offers[o];
        double gap_total = 0, closed = 0;
        for (size_t i = 0; i < query->gap_count; i++) {
            const match_gap_t *gap = &query->gaps[i];
            double weight = gap->weight ? gap->weight : 1;
            if (gap->target_level <= gap->current_level)
                continue;
            gap_total += weight * (gap->target_level - gap->current_level);
            int reach = s_level_of(offer, gap->competence_id);
            if (reach > gap->target_level)
                reach = gap->target_level;
            if (reach > gap->current_level)
                closed += weight * (reach - gap->current_level);
        }
        if (closed == 0)
            continue;
        double rating = (10.0 * prior + offer->rating_sum) / (10.0 + offer->rating_count);
        double price = 50000.0 / (50000.0 + (double) offer->price_cents);
        double region = offer->online || query->region_id == MATCH_REGION_ANY ||
                                offer->region_id == query->region_id
                            ? 1.0
                            : 0.0;
        out[count++] = (s_ranked_t){0.55 * (closed / gap_total) + 0.20 * (rating - 1.0) / 4.0 +
                                        0.15 * price + 0.10 * region,
                                    offer->id};
    }
    qsort(out, count, sizeof *out, s_ranked_compare);
    return count;
}

static size_t
s_brute_partners(const s_catalogue_t *catalogue, const match_company_need_t *need,
                 s_ranked_t *out)
{
    double prior = s_prior_mean(catalogue->offers, catalogue->count);
    size_t count = 0;
    for (size_t o = 0; o < catalogue->count; o++) {
        const char *provider = catalogue->offers[o].provider_id;
        bool first = true;
        for (size_t q = 0; q < o; q++)
            first = first && strcmp(catalogue->offers[q].provider_id, provider) != 0;
        if (!first)
            continue;
        double covered = 0, total = 0, sum = 0, ratings = 0;
        bool in_region = need->region_id == MATCH_REGION_ANY, for_sector = false;
        uint8_t best[MATCH_REQUIREMENTS_MAX] = {0};
        for (size_t q = o; q < catalogue->count; q++) {
            const match_offer_t *offer = &catalogue->offers[q];
            if (strcmp(offer->provider_id, provider) != 0)
                continue;
            sum += offer->rating_sum;
            ratings += offer->rating_count;
            in_region = in_region || offer->online || offer->region_id == need->region_id;
            for_sector = for_sector || offer->sector_mask == 0 ||
                         (offer->sector_mask >> need->sector_id & 1);
            for (size_t i = 0; i < need->requirement_count; i++) {
                uint8_t level = s_level_of(offer, need->requirements[i].competence_id);
                if (level > best[i])
                    best[i] = level;
            }
        }
        for (size_t i = 0; i < need->requirement_count; i++) {
            const match_requirement_t *requirement = &need->requirements[i];
            double weight = requirement->weight ? requirement->weight : 1;
            uint8_t level = best[i] < requirement->target_level ? best[i]
                                                                 : requirement->target_level;
            covered += weight * level * (60 / requirement->target_level);
            total += weight * 60;
        }
        if (covered == 0)
            continue;
        double rating = (10.0 * prior + sum) / (10.0 + ratings);
        out[count++] = (s_ranked_t){0.60 * (covered / total) + 0.15 * (in_region ? 1.0 : 0.0) +
                                        0.15 * (for_sector ? 1.0 : 0.0) +
                                        0.10 * (rating - 1.0) / 4.0,
                                    provider};
    }
    qsort(out, count, sizeof *out, s_ranked_compare);
    return count;
}

/* Usage: two identical courses, one rated once with five stars, one rated forty times with an
 * average of 4.6 — the crowd wins ("the wisdom of the many"). */
static void
test_offers_usage_bayesian_example(void **state)
{
    (void) state;
    match_competence_level_t ai_course[] = {{5, 3}};
    match_offer_t offers[] = {
        {"solo", "akademie-nord", ai_course, 1, 30000, 2, false, 0, 1, 5},
        {"crowd", "bildungswerk-sued", ai_course, 1, 30000, 2, false, 0, 40, 184},
    };
    match_gap_t gap = {5, 1, 3, 0};
    match_offer_query_t query = {&gap, 1, 2};
    match_offer_result_t results[2];
    size_t count = 0;
    match_error_t error;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count,
                                       &error),
                     VB_STATUS_OK);
    assert_int_equal(count, 2);
    assert_string_equal(results[0].offer_id, "crowd");
    assert_string_equal(results[1].offer_id, "solo");
    assert_true(results[0].rating > results[1].rating);
    /* prior mean 4.0 (the mean 4.61 is capped): solo (40+5)/11, crowd (40+184)/50 */
    assert_true(fabs(results[1].rating - 45.0 / 11.0) < 1e-9);
    assert_true(fabs(results[0].rating - 224.0 / 50.0) < 1e-9);
    assert_true(fabs(results[0].coverage - 1.0) < 1e-12);
    assert_int_equal(results[0].closed_levels[0], 2);
    assert_int_equal(results[0].closed_mask, 1u);
    /* in a catalogue rated lower on average too */
    assert_true(match_rating_bayesian(5, 1, 3.8) < match_rating_bayesian(184, 40, 3.8));
    assert_true(match_rating_bayesian(5, 1, 4.0) < match_rating_bayesian(184, 40, 4.0));
    assert_true(match_rating_prior_mean(offers, 2) <= MATCH_RATING_PRIOR_MEAN_MAX);
    assert_true(fabs(match_rating_prior_mean(offers, 0) - MATCH_RATING_DEFAULT_MEAN) < 1e-12);
    /* a course reaching only level 2 closes half of the gap 1 -> 3 */
    match_competence_level_t starter[] = {{5, 2}};
    offers[0].competences = starter;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, NULL),
                     VB_STATUS_OK);
    assert_string_equal(results[1].offer_id, "solo");
    assert_true(fabs(results[1].coverage - 0.5) < 1e-12);
    assert_int_equal(results[1].closed_mask, 0u);
}

static void
test_offers_random_equal_brute_force(void **state)
{
    (void) state;
    s_random_state = 41;
    s_ranked_t *expected = calloc(2000, sizeof *expected);
    match_offer_result_t *got = calloc(MATCH_K_MAX, sizeof *got);
    for (int trial = 0; trial < 300; trial++) {
        s_catalogue_t catalogue;
        s_catalogue_make(&catalogue, 1 + s_below(trial % 10 == 0 ? 1500 : 120));
        match_gap_t gaps[5];
        size_t gap_count = 1 + s_below(5), have = 0;
        for (size_t i = 0; i < gap_count; i++) {
            uint16_t c = (uint16_t) s_below(14);
            bool dup = false;
            for (size_t j = 0; j < have; j++)
                dup = dup || gaps[j].competence_id == c;
            if (!dup)
                gaps[have++] = (match_gap_t){c, (uint8_t) s_below(4), (uint8_t) s_below(6),
                                             (uint16_t) s_below(3)};
        }
        match_offer_query_t query = {gaps, have, s_below(2) ? s_below(4) : MATCH_REGION_ANY};
        size_t k = 1 + s_below(trial % 7 == 0 ? MATCH_K_MAX : 15);
        size_t expected_count = s_brute_offers(&catalogue, &query, expected);
        if (expected_count > k)
            expected_count = k;
        size_t count = 0;
        assert_int_equal(match_offers_topk(catalogue.offers, catalogue.count, COMPETENCES, &query,
                                           k, got, &count, NULL),
                         VB_STATUS_OK);
        assert_int_equal(count, expected_count);
        for (size_t r = 0; r < count; r++) {
            assert_string_equal(got[r].offer_id, expected[r].id);
            assert_true(fabs(got[r].score - expected[r].score) < 1e-12);
            assert_string_equal(catalogue.offers[got[r].offer_index].id, got[r].offer_id);
        }
        s_catalogue_free(&catalogue);
    }
    free(expected);
    free(got);
}

static void
test_partners_random_equal_brute_force(void **state)
{
    (void) state;
    s_random_state = 42;
    s_ranked_t *expected = calloc(2000, sizeof *expected);
    match_partner_result_t *got = calloc(MATCH_K_MAX, sizeof *got);
    for (int trial = 0; trial < 300; trial++) {
        s_catalogue_t catalogue;
        s_catalogue_make(&catalogue, 1 + s_below(trial % 10 == 0 ? 600 : 120));
        match_requirement_t requirements[4];
        size_t wanted = 1 + s_below(4), have = 0;
        for (size_t i = 0; i < wanted; i++) {
            uint16_t c = (uint16_t) s_below(14);
            bool dup = false;
            for (size_t j = 0; j < have; j++)
                dup = dup || requirements[j].competence_id == c;
            if (!dup)
                requirements[have++] = (match_requirement_t){c, (uint8_t) (1 + s_below(5)),
                                                             (uint16_t) s_below(3)};
        }
        match_company_need_t need = {s_below(6), s_below(2) ? s_below(4) : MATCH_REGION_ANY,
                                     requirements, have};
        size_t k = 1 + s_below(trial % 7 == 0 ? MATCH_K_MAX : 10);
        size_t expected_count = s_brute_partners(&catalogue, &need, expected);
        if (expected_count > k)
            expected_count = k;
        size_t count = 0;
        assert_int_equal(match_partners_topk(&need, catalogue.offers, catalogue.count,
                                             COMPETENCES, k, got, &count, NULL),
                         VB_STATUS_OK);
        assert_int_equal(count, expected_count);
        for (size_t r = 0; r < count; r++) {
            assert_string_equal(got[r].provider_id, expected[r].id);
            assert_true(fabs(got[r].score - expected[r].score) < 1e-12);
            for (size_t i = 0; i < have; i++) {
                /* the named best offer is the provider's and has the reported level */
                if (got[r].best_offer_index[i] == UINT32_MAX) {
                    assert_int_equal(got[r].matched_levels[i], 0);
                    continue;
                }
                const match_offer_t *offer = &catalogue.offers[got[r].best_offer_index[i]];
                assert_string_equal(offer->provider_id, got[r].provider_id);
                assert_int_equal(s_level_of(offer, requirements[i].competence_id),
                                 got[r].matched_levels[i]);
            }
        }
        s_catalogue_free(&catalogue);
    }
    free(expected);
    free(got);
}

static void
test_partners_usage_example(void **state)
{
    (void) state;
    match_competence_level_t data[] = {{1, 4}}, security[] = {{2, 3}}, both[] = {{1, 2}, {2, 2}};
    match_offer_t offers[] = {
        {"data-101", "fh-nord", data, 1, 0, 1, false, 1u << 3, 10, 45},
        {"sec-201", "fh-nord", security, 1, 0, 1, false, 1u << 3, 0, 0},
        {"mix-1", "ihk-sued", both, 2, 0, 2, true, 0, 3, 12},
    };
    match_requirement_t requirements[] = {{1, 4, 0}, {2, 3, 0}};
    match_company_need_t need = {3, 1, requirements, 2};
    match_partner_result_t results[3];
    size_t count = 0;
    match_error_t error;
    assert_int_equal(match_partners_topk(&need, offers, 3, COMPETENCES, 3, results, &count,
                                         &error),
                     VB_STATUS_OK);
    assert_int_equal(count, 2);
    assert_string_equal(results[0].provider_id, "fh-nord");
    assert_int_equal(results[0].offer_count, 2);
    assert_int_equal(results[0].missing_mask, 0u);
    assert_int_equal(results[0].best_offer_index[0], 0);
    assert_int_equal(results[0].best_offer_index[1], 1);
    assert_string_equal(results[1].provider_id, "ihk-sued");
    assert_int_equal(results[1].missing_mask, 3u);
}

static void
test_offers_and_partners_bad_input(void **state)
{
    (void) state;
    match_competence_level_t course[] = {{5, 3}}, unknown[] = {{COMPETENCES, 3}};
    match_offer_t offers[] = {
        {"a", "p", course, 1, 100, 0, true, 0, 2, 9},
        {"b", "p", course, 1, 100, 0, true, 0, 0, 0},
    };
    match_gap_t gap = {5, 0, 3, 0};
    match_offer_query_t query = {&gap, 1, MATCH_REGION_ANY};
    match_offer_result_t results[2];
    size_t count = 0;
    match_error_t error;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 0, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "k");
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, MATCH_K_MAX + 1, results,
                                       &count, &error),
                     VB_STATUS_BAD_REQUEST);
    offers[1].id = "a";
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_non_null(strstr(error.message, "duplicate"));
    offers[1].id = "b";
    offers[1].competences = unknown;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "offers[1].competences[0].competence_id");
    offers[1].competences = course;
    offers[1].rating_sum = 6; /* six stars from no rating */
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    offers[1].rating_sum = 0;
    offers[1].price_cents = -1;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    offers[1].price_cents = 0;
    match_gap_t bad_gap = {COMPETENCES + 3, 0, 3, 0};
    query.gaps = &bad_gap;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "query.gaps[0].competence_id");
    match_gap_t twice[] = {{5, 0, 3, 0}, {5, 1, 2, 0}};
    query.gaps = twice;
    query.gap_count = 2;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    query.gap_count = 0;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_BAD_REQUEST);
    /* no gap at all (target reached): a valid query with no results */
    match_gap_t reached = {5, 4, 3, 0};
    query.gaps = &reached;
    query.gap_count = 1;
    assert_int_equal(match_offers_topk(offers, 2, COMPETENCES, &query, 2, results, &count, &error),
                     VB_STATUS_OK);
    assert_int_equal(count, 0);

    match_requirement_t requirement = {5, 3, 0};
    match_company_need_t need = {64, MATCH_REGION_ANY, &requirement, 1};
    match_partner_result_t partners[2];
    assert_int_equal(match_partners_topk(&need, offers, 2, COMPETENCES, 2, partners, &count,
                                         &error),
                     VB_STATUS_BAD_REQUEST);
    assert_string_equal(error.field, "need.sector_id");
    need.sector_id = 1;
    assert_int_equal(match_partners_topk(&need, offers, 2, COMPETENCES, 0, partners, &count,
                                         &error),
                     VB_STATUS_BAD_REQUEST);
    match_requirement_t unknown_requirement = {COMPETENCES, 3, 0};
    need.requirements = &unknown_requirement;
    assert_int_equal(match_partners_topk(&need, offers, 2, COMPETENCES, 2, partners, &count,
                                         &error),
                     VB_STATUS_BAD_REQUEST);
    need.requirements = &requirement;
    offers[0].provider_id = "";
    assert_int_equal(match_partners_topk(&need, offers, 2, COMPETENCES, 2, partners, &count,
                                         &error),
                     VB_STATUS_BAD_REQUEST);
    offers[0].provider_id = "p";
    assert_int_equal(match_partners_topk(&need, offers, 2, COMPETENCES, 2, partners, &count,
                                         &error),
                     VB_STATUS_OK);
    assert_int_equal(count, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offers_usage_bayesian_example),
        cmocka_unit_test(test_offers_random_equal_brute_force),
        cmocka_unit_test(test_partners_usage_example),
        cmocka_unit_test(test_partners_random_equal_brute_force),
        cmocka_unit_test(test_offers_and_partners_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
