/* matchmaking_erase.h - what the matchmaking service deletes when a person is erased (called
 * by the erasure subscription of matchmaking_follow.h inside its transaction): every need the
 * person owns (need.erased, payload NeedEvent holding the id only) and every rating the person
 * gave, taken out of its offer's count and average (rating.removed, subject the offer id,
 * payload RatingEvent with the offer id only and the new count and average). The read model
 * forgets the person through its own subscription.
 * Idempotent: a second delivery finds nothing and writes nothing.
 * Does not: touch needs owned by an organisation the person belonged to. */
#ifndef MATCHMAKING_ERASE_H
#define MATCHMAKING_ERASE_H

#include "vb/status.h"

/* context is the service's matchmaking_t; a matchmaking_follow_erase_fn. */
vb_status_t matchmaking_erase_person(void *context, const char *person_id);

#endif
