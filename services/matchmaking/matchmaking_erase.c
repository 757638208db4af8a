/* matchmaking_erase.c - deleting an erased person's needs and ratings (see the header). */
#include "matchmaking_erase.h"

#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "vb/arena.h"
#include "vb/log.h"
#include "matchmaking.h"
#include "matchmaking_store.h"

#define S_EVENT_TYPE(what) "verbund.matchmaking." what ".v1"

static vb_status_t
s_erase(matchmaking_t *self, vb_arena_t *arena, const char *person_id, size_t *needs,
        size_t *ratings)
{
    char **ids = NULL;
    vb_status_t status = matchmaking_store_erase_needs(self->db, arena, person_id, &ids, needs);
    for (size_t i = 0; status == VB_STATUS_OK && i < *needs; i++) {
        Verbund__Matchmaking__V1__Need need = VERBUND__MATCHMAKING__V1__NEED__INIT;
        need.id = ids[i];
        Verbund__Matchmaking__V1__NeedEvent event = VERBUND__MATCHMAKING__V1__NEED_EVENT__INIT;
        event.need = &need;
        status = vb_outbox_append(self->outbox, S_EVENT_TYPE("need.erased"), ids[i], &event.base);
    }
    matchmaking_offer_t **offers = NULL;
    if (status == VB_STATUS_OK)
        status = matchmaking_store_erase_ratings(self->db, arena, person_id, &offers, ratings);
    for (size_t i = 0; status == VB_STATUS_OK && i < *ratings; i++) {
        Verbund__Matchmaking__V1__Rating rating = VERBUND__MATCHMAKING__V1__RATING__INIT;
        rating.offer_id = offers[i]->id;
        Verbund__Matchmaking__V1__RatingEvent event =
            VERBUND__MATCHMAKING__V1__RATING_EVENT__INIT;
        event.rating = &rating;
        event.rating_count = offers[i]->rating_count;
        event.rating_average = offers[i]->rating_average;
        status = vb_outbox_append(self->outbox, S_EVENT_TYPE("rating.removed"), offers[i]->id,
                                  &event.base);
    }
    return status;
}

vb_status_t
matchmaking_erase_person(void *context, const char *person_id)
{
    matchmaking_t *self = context;
    vb_arena_t *arena = vb_arena_new();
    if (!arena)
        return VB_STATUS_INTERNAL;
    size_t needs = 0, ratings = 0;
    vb_status_t status = s_erase(self, arena, person_id, &needs, &ratings);
    vb_arena_destroy(&arena);
    if (status == VB_STATUS_OK)
        vb_log_info("erasure of person %s applied: %zu needs and %zu ratings deleted", person_id,
                    needs, ratings);
    return status;
}
