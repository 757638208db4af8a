/* matchmaking_follow.h - fills the read model and keeps it current: at start it notes the
 * stream's head (stream.Head), then loads every person, expert profile and organisation from
 * membership (PersonList, ExpertProfileList, OrganizationList, as role SERVICE) and every
 * community from communities (CommunityList; tolerated when that service does not answer),
 * then follows the stream (vb/subscriber.h, topics verbund.membership. and
 * verbund.communities.) from the noted head, so nothing changed during the load is missed.
 * Events older than what the model holds are ignored by version. When the stream reports that
 * the position fell out of its retention, the load runs again.
 * Erasure of what the service stores itself (needs, ratings) needs a position that survives a
 * restart (the read model's starts at the head every time): matchmaking_follow_erasure adds a
 * second subscription, to verbund.membership.person.erased. only, whose position lives in
 * matchmaking.stream_position (vb/stream_follow.h) and whose erase callback runs in the
 * transaction that stores it.
 * Does not: decide matches, or run its own thread (the service loop calls
 * matchmaking_follow_process from a timer). */
#ifndef MATCHMAKING_FOLLOW_H
#define MATCHMAKING_FOLLOW_H

#include <stdint.h>

#include "vb/cloudevent.h"
#include "vb/db.h"
#include "vb/status.h"
#include "vb/stream_follow.h"
#include "matchmaking_read_model.h"

typedef struct matchmaking_follow matchmaking_follow_t;

typedef struct {
    const char *membership_endpoint;  /* required */
    const char *communities_endpoint; /* NULL/"": communities are not loaded */
    const char *pub_endpoint;         /* NULL/"": no stream (the model only has the load) */
    const char *replay_endpoint;
    int load_deadline_ms; /* per RPC of the load; retried while membership starts */
} matchmaking_follow_options_t;

/* Borrows model (must outlive the object). NULL when out of memory or the subscriber cannot be
 * created (logged). */
matchmaking_follow_t *matchmaking_follow_new(const matchmaking_follow_options_t *options,
                                             matchmaking_read_model_t *model);
void matchmaking_follow_destroy(matchmaking_follow_t **self_p);

/* The initial load (see above). OK, or the failure of membership (logged); a failing
 * communities service is logged and skipped. */
vb_status_t matchmaking_follow_load(matchmaking_follow_t *self);

/* Applies every event that is ready (waits up to timeout_ms). Returns the number applied, or
 * -1 after logging a stream failure (retried on the next call). */
int matchmaking_follow_process(matchmaking_follow_t *self, int timeout_ms);

/* A person the model does not know yet (created a moment ago: its event is still on its way
 * through the stream) is fetched from membership (PersonGet, deadline_ms) and put into the
 * model, so that a request naming it sees its organisation and interests now. OK (also when
 * it was known already), NOT_FOUND, or the failure of the call. */
vb_status_t matchmaking_follow_fetch_person(matchmaking_follow_t *self, const char *id,
                                            int deadline_ms);

/* The last stream sequence applied (0 without a stream). */
uint64_t matchmaking_follow_position(const matchmaking_follow_t *self);

/* Applies one CloudEvent to model (exposed for unit tests: no sockets involved). Unknown types
 * are ignored. 0, or -1 when a known payload does not decode. */
int matchmaking_follow_apply(matchmaking_read_model_t *model, const vb_cloudevent_t *event);

/* Deletes what the service stores about person_id, inside the open transaction on the db given
 * to matchmaking_follow_erasure (appending its events to the outbox). OK, or a failure (rolled
 * back, tried again). */
typedef vb_status_t (*matchmaking_follow_erase_fn)(void *arg, const char *person_id);

/* Starts following person.erased (see above) with db (borrowed) and erase(arg, id). Without a
 * stream configured it only logs. 0, or -1 when the subscription cannot be created (logged). */
int matchmaking_follow_erasure(matchmaking_follow_t *self, vb_db_t *db,
                               matchmaking_follow_erase_fn erase, void *arg);

/* The erasure subscription (NULL before matchmaking_follow_erasure), for tests and health. */
vb_stream_follow_t *matchmaking_follow_erasure_stream(matchmaking_follow_t *self);

#endif
