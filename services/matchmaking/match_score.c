/* match_score.c - what several matchers share: error filling, the checks of k, ids,
 * requirements and competence lists, and the Bayesian rating average.
 * Does not: rank anything (each match_<concept>.c does its own ranking). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

vb_status_t
match_fail(match_error_t *error, vb_status_t status, const char *field, const char *fmt, ...)
{
    if (error) {
        error->status = status;
        snprintf(error->field, sizeof error->field, "%s", field ? field : "");
        va_list args;
        va_start(args, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, args);
        va_end(args);
    }
    return status;
}

vb_status_t
match_check_k(size_t k, match_error_t *error)
{
    if (k < 1 || k > MATCH_K_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "k", "k must be between 1 and %d",
                          MATCH_K_MAX);
    return VB_STATUS_OK;
}

vb_status_t
match_check_competence_count(size_t competence_count, match_error_t *error)
{
    if (competence_count < 1 || competence_count > MATCH_COMPETENCES_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "competence_count",
                          "the taxonomy must have 1..%d competences", MATCH_COMPETENCES_MAX);
    return VB_STATUS_OK;
}

typedef struct {
    const char *id;
    size_t index;
} s_id_entry_t;

static int
s_id_entry_compare(const void *left, const void *right)
{
    const s_id_entry_t *a = left, *b = right;
    int order = strcmp(a->id, b->id);
    if (order != 0)
        return order;
    return a->index < b->index ? -1 : a->index > b->index;
}

vb_status_t
match_check_ids(const void *elements, size_t count, size_t stride, const char *what,
                match_error_t *error)
{
    char field[96];
    if (count == 0)
        return VB_STATUS_OK;
    if (!elements)
        return match_fail(error, VB_STATUS_BAD_REQUEST, what, "%s: NULL array", what);
    const char *base = elements;
    for (size_t i = 0; i < count; i++) {
        const char *id = *(const char *const *) (const void *) (base + i * stride);
        if (!id || !*id) {
            snprintf(field, sizeof field, "%s[%zu].id", what, i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "empty id");
        }
    }
    s_id_entry_t *entries = malloc(count * sizeof *entries);
    if (!entries)
        return match_fail(error, VB_STATUS_INTERNAL, what, "out of memory");
    for (size_t i = 0; i < count; i++) {
        entries[i].id = *(const char *const *) (const void *) (base + i * stride);
        entries[i].index = i;
    }
    qsort(entries, count, sizeof *entries, s_id_entry_compare);
    vb_status_t status = VB_STATUS_OK;
    for (size_t i = 1; i < count; i++)
        if (strcmp(entries[i - 1].id, entries[i].id) == 0) {
            snprintf(field, sizeof field, "%s[%zu].id", what, entries[i].index);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                "duplicate id '%.64s' (also at index %zu)", entries[i].id,
                                entries[i - 1].index);
            break;
        }
    free(entries);
    return status;
}

vb_status_t
match_check_requirements(const match_requirement_t *requirements, size_t count,
                         size_t competence_count, const char *what, match_error_t *error)
{
    char field[96];
    if (count < 1 || count > MATCH_REQUIREMENTS_MAX || !requirements)
        return match_fail(error, VB_STATUS_BAD_REQUEST, what,
                          "between 1 and %d required competences", MATCH_REQUIREMENTS_MAX);
    for (size_t i = 0; i < count; i++) {
        const match_requirement_t *requirement = &requirements[i];
        if (requirement->competence_id >= competence_count) {
            snprintf(field, sizeof field, "%s[%zu].competence_id", what, i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "unknown competence id %u",
                              (unsigned) requirement->competence_id);
        }
        if (requirement->target_level < 1 || requirement->target_level > MATCH_LEVEL_MAX) {
            snprintf(field, sizeof field, "%s[%zu].target_level", what, i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field,
                              "target level must be 1..%d", MATCH_LEVEL_MAX);
        }
        if (requirement->weight > MATCH_WEIGHT_MAX) {
            snprintf(field, sizeof field, "%s[%zu].weight", what, i);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "weight must be 0..%d",
                              MATCH_WEIGHT_MAX);
        }
        for (size_t j = 0; j < i; j++)
            if (requirements[j].competence_id == requirement->competence_id) {
                snprintf(field, sizeof field, "%s[%zu].competence_id", what, i);
                return match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                  "competence id %u required twice",
                                  (unsigned) requirement->competence_id);
            }
    }
    return VB_STATUS_OK;
}

vb_status_t
match_check_competence_levels(const match_competence_level_t *competences, size_t count,
                              size_t competence_count, uint8_t *seen, const char *what,
                              size_t owner_index, match_error_t *error)
{
    char field[96];
    vb_status_t status = VB_STATUS_OK;
    size_t checked = 0;
    if (count > 0 && !competences)
        return match_fail(error, VB_STATUS_BAD_REQUEST, what, "NULL competence list");
    for (; checked < count; checked++) {
        const match_competence_level_t *entry = &competences[checked];
        if (entry->competence_id >= competence_count) {
            snprintf(field, sizeof field, "%s[%zu].competences[%zu].competence_id", what,
                     owner_index, checked);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "unknown competence id %u",
                                (unsigned) entry->competence_id);
            break;
        }
        if (entry->level > MATCH_LEVEL_MAX) {
            snprintf(field, sizeof field, "%s[%zu].competences[%zu].level", what, owner_index,
                     checked);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "level must be 0..%d",
                                MATCH_LEVEL_MAX);
            break;
        }
        if (seen[entry->competence_id]) {
            snprintf(field, sizeof field, "%s[%zu].competences[%zu].competence_id", what,
                     owner_index, checked);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                "competence id %u listed twice", (unsigned) entry->competence_id);
            break;
        }
        seen[entry->competence_id] = 1;
    }
    /* leave the scratch all zero for the next owner */
    for (size_t i = 0; i < checked; i++)
        seen[competences[i].competence_id] = 0;
    return status;
}

double
match_rating_bayesian(uint64_t rating_sum, uint64_t rating_count, double prior_mean)
{
    return (MATCH_RATING_PRIOR_COUNT * prior_mean + (double) rating_sum) /
           (MATCH_RATING_PRIOR_COUNT + (double) rating_count);
}

double
match_rating_prior_mean(const match_offer_t *offers, size_t offer_count)
{
    uint64_t sum = 0, count = 0;
    for (size_t i = 0; i < offer_count; i++) {
        sum += offers[i].rating_sum;
        count += offers[i].rating_count;
    }
    if (count == 0)
        return MATCH_RATING_DEFAULT_MEAN;
    double mean = (double) sum / (double) count;
    return mean < MATCH_RATING_PRIOR_MEAN_MAX ? mean : MATCH_RATING_PRIOR_MEAN_MAX;
}
