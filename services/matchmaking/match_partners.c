/* match_partners.c - partners in a training network: a company's need (sector, region,
 * competences with target levels) against education providers, each provider judged by all its
 * offers together (best level per competence, any offer in the region or online, any offer for
 * the sector, the Bayesian average over all its ratings). Ranked score desc, provider id asc.
 * Does not: rank single offers (match_offers.c) or know which organisations are providers
 * beyond the provider ids on the offers. */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

typedef struct {
    const char *provider_id;
    uint32_t offer;
} s_by_provider_t;

static int
s_by_provider_compare(const void *left, const void *right)
{
    const s_by_provider_t *a = left, *b = right;
    int order = strcmp(a->provider_id, b->provider_id);
    if (order != 0)
        return order;
    return a->offer < b->offer ? -1 : a->offer > b->offer;
}

static int
s_partner_compare(const void *left, const void *right)
{
    const match_partner_result_t *a = left, *b = right;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->provider_id, b->provider_id);
}

double
match_partner_score(double coverage, bool in_region, bool for_sector, double rating)
{
    return MATCH_PARTNER_WEIGHT_COVERAGE * coverage +
           MATCH_PARTNER_WEIGHT_REGION * (in_region ? 1.0 : 0.0) +
           MATCH_PARTNER_WEIGHT_SECTOR * (for_sector ? 1.0 : 0.0) +
           MATCH_PARTNER_WEIGHT_RATING * (rating - 1.0) / 4.0;
}

vb_status_t
match_partners_topk(const match_company_need_t *need, const match_offer_t *offers,
                    size_t offer_count, size_t competence_count, size_t k,
                    match_partner_result_t *results, size_t *result_count, match_error_t *error)
{
    if (!results || !result_count)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "results", "NULL output");
    *result_count = 0;
    if (!need)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "need", "NULL need");
    vb_status_t status = match_check_k(k, error);
    if (status == VB_STATUS_OK)
        status = match_offers_check(offers, offer_count, competence_count, error);
    if (status == VB_STATUS_OK)
        status = match_check_requirements(need->requirements, need->requirement_count,
                                          competence_count, "need.requirements", error);
    if (status == VB_STATUS_OK && need->sector_id >= 64)
        status = match_fail(error, VB_STATUS_BAD_REQUEST, "need.sector_id",
                            "sector ids are 0..63");
    if (status != VB_STATUS_OK)
        return status;

    int8_t *slot_of = malloc(competence_count);
    s_by_provider_t *order = malloc((offer_count + 1) * sizeof *order);
    match_partner_result_t *ranked = malloc((offer_count + 1) * sizeof *ranked);
    if (!slot_of || !order || !ranked) {
        free(slot_of);
        free(order);
        free(ranked);
        return match_fail(error, VB_STATUS_INTERNAL, "offers", "out of memory");
    }
    memset(slot_of, -1, competence_count);
    uint64_t units_max = 0;
    for (size_t i = 0; i < need->requirement_count; i++) {
        slot_of[need->requirements[i].competence_id] = (int8_t) i;
        units_max += 60ull * match_weight(need->requirements[i].weight);
    }
    for (size_t o = 0; o < offer_count; o++)
        order[o] = (s_by_provider_t){offers[o].provider_id, (uint32_t) o};
    qsort(order, offer_count, sizeof *order, s_by_provider_compare);

    double prior_mean = match_rating_prior_mean(offers, offer_count);
    size_t ranked_count = 0;
    for (size_t first = 0; first < offer_count;) {
        size_t last = first;
        while (last < offer_count && strcmp(order[last].provider_id, order[first].provider_id) == 0)
            last++;
        match_partner_result_t partner;
        memset(&partner, 0, sizeof partner);
        partner.provider_id = order[first].provider_id;
        partner.offer_count = (uint32_t) (last - first);
        for (size_t i = 0; i < MATCH_REQUIREMENTS_MAX; i++)
            partner.best_offer_index[i] = UINT32_MAX;
        bool in_region = need->region_id == MATCH_REGION_ANY, for_sector = false;
        uint64_t rating_sum = 0, rating_count = 0;
        /* offers in index order: the first offer reaching the best level is named */
        for (size_t at = first; at < last; at++) {
            const match_offer_t *offer = &offers[order[at].offer];
            rating_sum += offer->rating_sum;
            rating_count += offer->rating_count;
            if (offer->online || offer->region_id == need->region_id)
                in_region = true;
            if (offer->sector_mask == 0 || (offer->sector_mask & (1ull << need->sector_id)))
                for_sector = true;
            for (size_t c = 0; c < offer->competence_count; c++) {
                int slot = slot_of[offer->competences[c].competence_id];
                if (slot >= 0 && offer->competences[c].level > partner.matched_levels[slot]) {
                    partner.matched_levels[slot] = offer->competences[c].level;
                    partner.best_offer_index[slot] = order[at].offer;
                }
            }
        }
        uint64_t units = 0;
        for (size_t i = 0; i < need->requirement_count; i++) {
            const match_requirement_t *requirement = &need->requirements[i];
            uint8_t level = partner.matched_levels[i];
            uint8_t counted = level < requirement->target_level ? level : requirement->target_level;
            units += (uint64_t) match_weight(requirement->weight) * counted *
                     (60u / requirement->target_level);
            if (level < requirement->target_level)
                partner.missing_mask |= 1u << i;
        }
        if (units > 0) {
            partner.coverage = (double) units / (double) units_max;
            partner.rating = match_rating_bayesian(rating_sum, rating_count, prior_mean);
            partner.score = match_partner_score(partner.coverage, in_region, for_sector,
                                                partner.rating);
            ranked[ranked_count++] = partner;
        }
        first = last;
    }
    qsort(ranked, ranked_count, sizeof *ranked, s_partner_compare);
    size_t emit = ranked_count < k ? ranked_count : k;
    memcpy(results, ranked, emit * sizeof *results);
    *result_count = emit;
    free(slot_of);
    free(order);
    free(ranked);
    return VB_STATUS_OK;
}
