/* matchmaking_experts.c - builds match.h's expert index from the read model's profiles (see
 * the header). A profile without an hourly rate uses an eighth of its day rate, or 0 (no rate
 * given: the budget filter cannot exclude it).
 * Does not: keep anything but the index, the expert -> person map and the language bits. */
#include "matchmaking_experts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/log.h"

#define S_LANGUAGE_BITS 63 /* bit 63 is "any other language" */
#define S_OTHER_LANGUAGE (UINT64_C(1) << 63)

struct matchmaking_experts {
    match_expert_index_t *index; /* owned; NULL before the first build */
    uint32_t *persons;           /* expert position -> read model person index */
    size_t count;
    uint64_t generation; /* the model generation the index was built at */
    matchmaking_symbol_t languages[S_LANGUAGE_BITS]; /* bit i <-> language symbol */
    size_t language_count;
};

matchmaking_experts_t *
matchmaking_experts_new(void)
{
    return calloc(1, sizeof(matchmaking_experts_t));
}

void
matchmaking_experts_destroy(matchmaking_experts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    matchmaking_experts_t *self = *self_p;
    match_expert_index_destroy(&self->index);
    free(self->persons);
    free(self);
    *self_p = NULL;
}

static uint64_t
s_language_bit(matchmaking_experts_t *self, matchmaking_symbol_t symbol, bool add)
{
    for (size_t i = 0; i < self->language_count; i++)
        if (self->languages[i] == symbol)
            return UINT64_C(1) << i;
    if (!add || self->language_count == S_LANGUAGE_BITS)
        return S_OTHER_LANGUAGE;
    self->languages[self->language_count] = symbol;
    return UINT64_C(1) << self->language_count++;
}

const match_expert_index_t *
matchmaking_experts_index(matchmaking_experts_t *self, const matchmaking_read_model_t *model,
                          match_error_t *error)
{
    uint64_t generation = matchmaking_read_model_generation(model);
    if (self->index && self->generation == generation)
        return self->index;
    size_t profile_count = matchmaking_read_model_profile_count(model);
    size_t competence_count = matchmaking_read_model_competence_count(model);
    match_expert_t *experts = calloc(profile_count ? profile_count : 1, sizeof *experts);
    match_competence_level_t *levels =
        calloc(profile_count ? profile_count * MATCHMAKING_COMPETENCES_MAX : 1, sizeof *levels);
    uint32_t *regions =
        calloc(profile_count ? profile_count * MATCHMAKING_REGIONS_MAX : 1, sizeof *regions);
    char(*ids)[37] = calloc(profile_count ? profile_count : 1, sizeof *ids);
    uint32_t *persons = calloc(profile_count ? profile_count : 1, sizeof *persons);
    const match_expert_index_t *result = NULL;
    if (!experts || !levels || !regions || !ids || !persons) {
        if (error) {
            error->status = VB_STATUS_INTERNAL;
            snprintf(error->field, sizeof error->field, "%s", "");
            snprintf(error->message, sizeof error->message, "out of memory");
        }
        goto cleanup;
    }
    size_t count = 0;
    for (uint32_t i = 0; i < profile_count; i++) {
        const matchmaking_profile_t *profile = matchmaking_read_model_profile_at(model, i);
        if (!profile->alive)
            continue;
        const matchmaking_person_t *person =
            matchmaking_read_model_person_at(model, profile->person);
        match_expert_t *expert = &experts[count];
        matchmaking_uuid_format(&person->id, ids[count]);
        expert->id = ids[count];
        match_competence_level_t *mine = &levels[count * MATCHMAKING_COMPETENCES_MAX];
        size_t n = 0;
        for (size_t c = 0; c < competence_count; c++)
            if (profile->levels[c]) {
                mine[n].competence_id = (uint16_t)c;
                mine[n].level =
                    profile->levels[c] > MATCH_LEVEL_MAX ? MATCH_LEVEL_MAX : profile->levels[c];
                n++;
            }
        expert->competences = mine;
        expert->competence_count = n;
        for (size_t l = 0; l < MATCHMAKING_LANGUAGES_MAX && profile->languages[l]; l++)
            expert->language_mask |= s_language_bit(self, profile->languages[l], true);
        uint32_t *where = &regions[count * MATCHMAKING_REGIONS_MAX];
        size_t r = 0;
        for (; r < MATCHMAKING_REGIONS_MAX && profile->regions[r]; r++)
            where[r] = profile->regions[r];
        expert->region_ids = where;
        expert->region_count = r;
        expert->remote = profile->remote;
        expert->hours_per_month = profile->hours_per_month < 0 ? 0 : profile->hours_per_month;
        expert->hourly_rate_cents = profile->hourly_rate_cents >= 0 ? profile->hourly_rate_cents
                                    : profile->day_rate_cents >= 0  ? profile->day_rate_cents / 8
                                                                    : 0;
        persons[count] = profile->person;
        count++;
    }
    match_expert_index_t *index = NULL;
    if (match_expert_index_build(experts, count, competence_count ? competence_count : 1, &index,
                                 error) != VB_STATUS_OK) {
        vb_log_warn("expert index: %s (%s)", error ? error->message : "refused",
                    error ? error->field : "");
        goto cleanup;
    }
    match_expert_index_destroy(&self->index);
    free(self->persons);
    self->index = index;
    self->persons = persons;
    persons = NULL;
    self->count = count;
    self->generation = generation;
    result = self->index;
cleanup:
    free(experts);
    free(levels);
    free(regions);
    free(ids);
    free(persons);
    return result;
}

uint32_t
matchmaking_experts_person(const matchmaking_experts_t *self, uint32_t expert_index)
{
    VB_ASSERT(expert_index < self->count);
    return self->persons[expert_index];
}

uint64_t
matchmaking_experts_language_mask(const matchmaking_experts_t *self,
                                  const matchmaking_read_model_t *model, char *const *languages,
                                  size_t count)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < count; i++) {
        matchmaking_symbol_t symbol = matchmaking_read_model_symbol_find(model, languages[i], true);
        uint64_t bit = S_OTHER_LANGUAGE;
        for (size_t b = 0; symbol && b < self->language_count; b++)
            if (self->languages[b] == symbol)
                bit = UINT64_C(1) << b;
        mask |= bit;
    }
    return mask;
}
