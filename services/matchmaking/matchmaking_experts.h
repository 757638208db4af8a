/* matchmaking_experts.h - the expert index of match.h built from the read model's expert
 * profiles, rebuilt lazily: a query finds it current unless persons or profiles changed since
 * (the read model's generation), so an event is reflected by the next query. Also maps a
 * need's languages to the index's language bits (the first 63 languages seen get a bit each;
 * bit 63 stands for every other language, which no expert has).
 * Does not: score or filter (match.h does), or read the database. */
#ifndef MATCHMAKING_EXPERTS_H
#define MATCHMAKING_EXPERTS_H

#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "matchmaking_read_model.h"

typedef struct matchmaking_experts matchmaking_experts_t;

matchmaking_experts_t *matchmaking_experts_new(void);
void matchmaking_experts_destroy(matchmaking_experts_t **self_p);

/* The index for model as it is now (rebuilt when stale). NULL with *error filled when the
 * build failed (a profile the algorithms refuse: reported, never asserted). Borrowed until the
 * next call. */
const match_expert_index_t *matchmaking_experts_index(matchmaking_experts_t *self,
                                                      const matchmaking_read_model_t *model,
                                                      match_error_t *error);

/* The read model's person index of the expert at position i of the current index. */
uint32_t matchmaking_experts_person(const matchmaking_experts_t *self, uint32_t expert_index);

/* The language mask of a need's languages (ISO 639-1, any case); 0 when none is given. */
uint64_t matchmaking_experts_language_mask(const matchmaking_experts_t *self,
                                           const matchmaking_read_model_t *model,
                                           char *const *languages, size_t count);

#endif
