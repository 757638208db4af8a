/* events_follow.h - the events service's reaction to erasure: it follows
 * verbund.membership.person.erased. of the node's stream (vb/stream_follow.h, position in
 * events.stream_position) and runs events_erase_person (events.h) for each erased person in
 * the transaction that stores the position, as a service caller named "erasure".
 * Does not: call other services. */
#ifndef EVENTS_FOLLOW_H
#define EVENTS_FOLLOW_H

#include "vb/stream_follow.h"
#include "events.h"

/* A follower on events' db (borrowed with events; both must outlive it). Endpoints empty: not
 * following (logged). NULL on failure (logged). */
vb_stream_follow_t *events_follow_new(events_t *events, const char *pub_endpoint,
                                      const char *replay_endpoint);

#endif
