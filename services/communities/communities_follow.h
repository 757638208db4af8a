/* communities_follow.h - the communities service's reaction to erasure: it follows
 * verbund.membership.person.erased. of the node's stream (vb/stream_follow.h, position in
 * communities.stream_position) and, per erased person, in one transaction: deletes every
 * membership and pending request (member.left for each, with the row as it was), clears
 * proposed_by of the communities it proposed (version + 1, community.updated), and removes the
 * id from results' author lists and published_by (results have no update event).
 * Idempotent: a second delivery finds nothing left and writes nothing.
 * Does not: hand hosting on when the erased person was a community's only host (staff do). */
#ifndef COMMUNITIES_FOLLOW_H
#define COMMUNITIES_FOLLOW_H

#include <stdint.h>

#include "vb/arena.h"
#include "vb/stream_follow.h"
#include "communities.h"

/* What one erasure changed. */
typedef struct {
    size_t members;     /* memberships and requests deleted */
    size_t communities; /* communities whose proposer was cleared */
    int64_t results;    /* results whose authors changed */
} communities_erase_counts_t;

/* Erases person_id inside the caller's open transaction, appending the events to the outbox.
 * OK or the failing store status. counts may be NULL. */
vb_status_t communities_erase_person(communities_t *communities, vb_arena_t *arena,
                                     const char *person_id, communities_erase_counts_t *counts);

/* A follower of person.erased on communities' db (borrowed, must outlive it). Endpoints empty:
 * not following (logged). NULL on failure (logged). */
vb_stream_follow_t *communities_follow_new(communities_t *communities, const char *pub_endpoint,
                                           const char *replay_endpoint);

#endif
