/* match_internal.h - helpers shared by the match_*.c files: error filling, input checks that
 * several queries share, a duplicate-id check, a seeded random generator.
 * Does not: belong to the contract (match.h); the service never includes it. */
#ifndef MATCH_INTERNAL_H
#define MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "match.h"

/* Fills *error (when not NULL) and returns status. */
vb_status_t match_fail(match_error_t *error, vb_status_t status, const char *field,
                       const char *fmt, ...) VB_PRINTF(4, 5);

/* VB_STATUS_OK when 1 <= k <= MATCH_K_MAX, else BAD_REQUEST naming "k". */
vb_status_t match_check_k(size_t k, match_error_t *error);

/* VB_STATUS_OK when competence_count is in 1..MATCH_COMPETENCES_MAX. */
vb_status_t match_check_competence_count(size_t competence_count, match_error_t *error);

/* Checks that every ids[i] (stride bytes apart, a const char * at offset 0 of each element)
 * is non-empty and unique; what names the array in the error field ("experts"). */
vb_status_t match_check_ids(const void *elements, size_t count, size_t stride, const char *what,
                            match_error_t *error);

/* Checks requirements (count 1..MATCH_REQUIREMENTS_MAX, ids < competence_count and unique,
 * target 1..5, weight <= MATCH_WEIGHT_MAX); what names the array ("need.requirements"). */
vb_status_t match_check_requirements(const match_requirement_t *requirements, size_t count,
                                     size_t competence_count, const char *what,
                                     match_error_t *error);

/* Checks a competence list of one profile/offer: ids < competence_count, levels <= 5, no id
 * twice (seen is scratch of competence_count bytes, all zero on entry and on return). */
vb_status_t match_check_competence_levels(const match_competence_level_t *competences,
                                          size_t count, size_t competence_count, uint8_t *seen,
                                          const char *what, size_t owner_index,
                                          match_error_t *error);

/* Checks competence_count and every offer (ids unique and non-empty, provider ids non-empty,
 * competences, price >= 0, count <= rating_sum <= 5 * count). */
vb_status_t match_offers_check(const match_offer_t *offers, size_t offer_count,
                               size_t competence_count, match_error_t *error);

/* Weight as used in scores (0 means 1). */
static inline uint32_t
match_weight(uint16_t weight)
{
    return weight == 0 ? 1u : weight;
}

/* splitmix64: a small, well-mixed, seedable generator; state advanced in place. */
static inline uint64_t
match_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in 0..bound-1 (bound > 0); the slight modulo bias does not matter here. */
static inline uint64_t
match_random_below(uint64_t *state, uint64_t bound)
{
    return match_random_next(state) % bound;
}

#endif
