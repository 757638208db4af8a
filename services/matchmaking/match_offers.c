/* match_offers.c - training offers for skill gaps: gap coverage (level-aware: an offer reaching
 * level L closes the levels between the current level and min(L, target)), the Bayesian rating,
 * price and region, ranked score desc then offer id asc.
 * Does not: keep an index (offer catalogues are small; each query scores every offer once). */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

typedef struct {
    double score;
    const char *id;
    uint32_t offer;
} s_ranked_t;

static int
s_ranked_compare(const void *left, const void *right)
{
    const s_ranked_t *a = left, *b = right;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->id, b->id);
}

static vb_status_t
s_check_offers(const match_offer_t *offers, size_t offer_count, size_t competence_count,
               match_error_t *error)
{
    char field[96];
    if (offer_count > 0 && !offers)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "offers", "NULL array");
    if (offer_count > UINT32_MAX / 2)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "offers", "too many offers");
    vb_status_t status = match_check_ids(offers, offer_count, sizeof *offers, "offers", error);
    if (status != VB_STATUS_OK)
        return status;
    uint8_t *seen = calloc(competence_count, 1);
    if (!seen)
        return match_fail(error, VB_STATUS_INTERNAL, "offers", "out of memory");
    for (size_t o = 0; o < offer_count && status == VB_STATUS_OK; o++) {
        const match_offer_t *offer = &offers[o];
        status = match_check_competence_levels(offer->competences, offer->competence_count,
                                               competence_count, seen, "offers", o, error);
        if (status != VB_STATUS_OK)
            break;
        if (!offer->provider_id || !*offer->provider_id) {
            snprintf(field, sizeof field, "offers[%zu].provider_id", o);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "empty provider id");
        } else if (offer->price_cents < 0) {
            snprintf(field, sizeof field, "offers[%zu].price_cents", o);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "must not be negative");
        } else if ((uint64_t) offer->rating_sum < offer->rating_count ||
                   (uint64_t) offer->rating_sum > 5ull * offer->rating_count) {
            snprintf(field, sizeof field, "offers[%zu].rating_sum", o);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                "ratings are 1..5 stars: count <= sum <= 5 * count");
        }
    }
    free(seen);
    return status;
}

vb_status_t
match_offers_check(const match_offer_t *offers, size_t offer_count, size_t competence_count,
                   match_error_t *error)
{
    vb_status_t status = match_check_competence_count(competence_count, error);
    if (status != VB_STATUS_OK)
        return status;
    return s_check_offers(offers, offer_count, competence_count, error);
}

double
match_offer_score(const match_offer_t *offer, uint32_t region_id, double coverage,
                  double prior_mean)
{
    double rating = match_rating_bayesian(offer->rating_sum, offer->rating_count, prior_mean);
    double price = (double) MATCH_PRICE_REFERENCE_CENTS /
                   ((double) MATCH_PRICE_REFERENCE_CENTS + (double) offer->price_cents);
    double region = offer->online || region_id == MATCH_REGION_ANY || offer->region_id == region_id
                        ? 1.0
                        : 0.0;
    return MATCH_OFFER_WEIGHT_COVERAGE * coverage +
           MATCH_OFFER_WEIGHT_RATING * (rating - 1.0) / 4.0 + MATCH_OFFER_WEIGHT_PRICE * price +
           MATCH_OFFER_WEIGHT_REGION * region;
}

static vb_status_t
s_check_gaps(const match_offer_query_t *query, size_t competence_count, match_error_t *error)
{
    char field[96];
    if (!query)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "query", "NULL query");
    if (!query->gaps || query->gap_count < 1 || query->gap_count > MATCH_REQUIREMENTS_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "query.gaps",
                          "between 1 and %d gaps", MATCH_REQUIREMENTS_MAX);
    for (size_t i = 0; i < query->gap_count; i++) {
        const match_gap_t *gap = &query->gaps[i];
        if (gap->competence_id >= competence_count) {
            snprintf(field, sizeof field, "query.gaps[%zu].competence_id", i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "unknown competence id %u",
                              (unsigned) gap->competence_id);
        }
        if (gap->current_level > MATCH_LEVEL_MAX || gap->target_level > MATCH_LEVEL_MAX) {
            snprintf(field, sizeof field, "query.gaps[%zu]", i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "levels must be 0..%d",
                              MATCH_LEVEL_MAX);
        }
        if (gap->weight > MATCH_WEIGHT_MAX) {
            snprintf(field, sizeof field, "query.gaps[%zu].weight", i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "weight must be 0..%d",
                              MATCH_WEIGHT_MAX);
        }
        for (size_t j = 0; j < i; j++)
            if (query->gaps[j].competence_id == gap->competence_id) {
                snprintf(field, sizeof field, "query.gaps[%zu].competence_id", i);
                return match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                  "competence id %u listed twice",
                                  (unsigned) gap->competence_id);
            }
    }
    return VB_STATUS_OK;
}

vb_status_t
match_offers_topk(const match_offer_t *offers, size_t offer_count, size_t competence_count,
                  const match_offer_query_t *query, size_t k, match_offer_result_t *results,
                  size_t *result_count, match_error_t *error)
{
    if (!results || !result_count)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "results", "NULL output");
    *result_count = 0;
    vb_status_t status = match_check_k(k, error);
    if (status == VB_STATUS_OK)
        status = match_offers_check(offers, offer_count, competence_count, error);
    if (status == VB_STATUS_OK)
        status = s_check_gaps(query, competence_count, error);
    if (status != VB_STATUS_OK)
        return status;

    int8_t *slot_of = malloc(competence_count);
    s_ranked_t *ranked = malloc((offer_count + 1) * sizeof *ranked);
    if (!slot_of || !ranked) {
        free(slot_of);
        free(ranked);
        return match_fail(error, VB_STATUS_INTERNAL, "offers", "out of memory");
    }
    memset(slot_of, -1, competence_count);
    uint64_t gap_units = 0; /* weighted gap levels of the query */
    for (size_t i = 0; i < query->gap_count; i++) {
        const match_gap_t *gap = &query->gaps[i];
        slot_of[gap->competence_id] = (int8_t) i;
        if (gap->target_level > gap->current_level)
            gap_units += (uint64_t) match_weight(gap->weight) *
                         (uint64_t) (gap->target_level - gap->current_level);
    }
    double prior_mean = match_rating_prior_mean(offers, offer_count);
    size_t ranked_count = 0;
    for (size_t o = 0; gap_units > 0 && o < offer_count; o++) {
        const match_offer_t *offer = &offers[o];
        uint64_t closed = 0;
        for (size_t c = 0; c < offer->competence_count; c++) {
            int slot = slot_of[offer->competences[c].competence_id];
            if (slot < 0)
                continue;
            const match_gap_t *gap = &query->gaps[slot];
            int reach = offer->competences[c].level < gap->target_level
                            ? offer->competences[c].level
                            : gap->target_level;
            if (reach > gap->current_level)
                closed += (uint64_t) match_weight(gap->weight) *
                          (uint64_t) (reach - gap->current_level);
        }
        if (closed == 0)
            continue;
        ranked[ranked_count++] = (s_ranked_t){
            .score = match_offer_score(offer, query->region_id, (double) closed / (double) gap_units,
                                       prior_mean),
            .id = offer->id,
            .offer = (uint32_t) o,
        };
    }
    qsort(ranked, ranked_count, sizeof *ranked, s_ranked_compare);
    size_t emit = ranked_count < k ? ranked_count : k;
    for (size_t r = 0; r < emit; r++) {
        const match_offer_t *offer = &offers[ranked[r].offer];
        match_offer_result_t *result = &results[r];
        memset(result, 0, sizeof *result);
        result->offer_index = ranked[r].offer;
        result->offer_id = offer->id;
        result->score = ranked[r].score;
        result->rating = match_rating_bayesian(offer->rating_sum, offer->rating_count, prior_mean);
        uint64_t closed = 0;
        for (size_t c = 0; c < offer->competence_count; c++) {
            int slot = slot_of[offer->competences[c].competence_id];
            if (slot < 0)
                continue;
            const match_gap_t *gap = &query->gaps[slot];
            int reach = offer->competences[c].level < gap->target_level
                            ? offer->competences[c].level
                            : gap->target_level;
            if (reach > gap->current_level) {
                result->closed_levels[slot] = (uint8_t) (reach - gap->current_level);
                closed += (uint64_t) match_weight(gap->weight) *
                          (uint64_t) (reach - gap->current_level);
            }
        }
        result->coverage = (double) closed / (double) gap_units;
        for (size_t i = 0; i < query->gap_count; i++) {
            const match_gap_t *gap = &query->gaps[i];
            if (gap->target_level > gap->current_level &&
                gap->current_level + result->closed_levels[i] >= gap->target_level)
                result->closed_mask |= 1u << i;
        }
    }
    *result_count = emit;
    free(slot_of);
    free(ranked);
    return VB_STATUS_OK;
}
