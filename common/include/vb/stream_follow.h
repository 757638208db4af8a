/* vb/stream_follow.h - a service following a few topic prefixes of its node's event stream
 * and applying each event to its own database exactly once: every event is applied in its own
 * transaction (opened here on the service's connection), and the same transaction stores the
 * event's sequence in the service's table
 *
 *   CREATE TABLE stream_position (
 *       consumer text PRIMARY KEY,               -- which follower ("erasure")
 *       sequence bigint NOT NULL CHECK (sequence >= 0),
 *       updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
 *
 * so a change and the position that says it was made commit together. A restart resumes after
 * the stored sequence; a duplicate (live and replayed, a replay after a restart) at or below it
 * is skipped without a transaction. A failed apply is rolled back and the event is read again
 * on the next call (the stream keeps it). When the stored position is older than the stream's
 * retention (SNAPSHOT_REQUIRED), events were lost for good: a warning names the lost range and
 * following continues from the oldest retained event (the consumer has no snapshot to rebuild
 * from). Positions scanned past without a matching event are stored too (at most once a
 * second), so a restart does not rescan them.
 * Runs on the service's loop thread between RPC batches (a vb_service timer): it refuses to
 * begin while a transaction is open.
 * Does not: deduplicate within apply (apply should be idempotent anyway), decode payloads, or
 * create the table (the service's migration does). */
#ifndef VB_STREAM_FOLLOW_H
#define VB_STREAM_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/cloudevent.h"
#include "vb/db.h"
#include "vb/status.h"

typedef struct vb_stream_follow vb_stream_follow_t;

/* Applies event inside the open transaction on the follower's db. OK commits it (with the
 * position); any other status rolls it back and the event comes again on the next call. An
 * event the consumer cannot use (a payload that does not decode) should be logged and answered
 * OK, or it blocks the stream for this consumer. */
typedef vb_status_t (*vb_stream_follow_apply_fn)(void *arg, const vb_cloudevent_t *event);

typedef struct {
    const char *consumer;                /* key in stream_position, and in logs: "erasure" */
    const char *pub_endpoint;            /* NULL/"": not following (logged) */
    const char *replay_endpoint;         /* NULL/"": not following (logged) */
    const char *const *topic_prefixes;   /* at least one */
    size_t topic_prefix_count;
    vb_db_t *db;                         /* borrowed: the service's connection */
    vb_stream_follow_apply_fn apply;
    void *arg;
} vb_stream_follow_options_t;

/* Reads the stored position (0 when none: every retained event is applied) and connects. NULL
 * on failure (logged). Without endpoints the object exists but follows nothing. */
vb_stream_follow_t *vb_stream_follow_new(const vb_stream_follow_options_t *options);
void vb_stream_follow_destroy(vb_stream_follow_t **self_p);

/* True when endpoints were given. */
bool vb_stream_follow_enabled(const vb_stream_follow_t *self);

/* Applies what is ready (waits up to timeout_ms). Returns the number of events applied, or -1
 * after a stream or database failure (logged once per outage; retried on the next call). */
int vb_stream_follow_process(vb_stream_follow_t *self, int timeout_ms);

/* The last sequence applied or stored (0 before the first). */
uint64_t vb_stream_follow_position(const vb_stream_follow_t *self);

/* Counters: events applied, duplicates skipped (at or below the stored position), failed
 * applies (rolled back), ranges lost to retention. */
typedef struct {
    uint64_t applied;
    uint64_t duplicates;
    uint64_t failures;
    uint64_t snapshots;
} vb_stream_follow_stats_t;
vb_stream_follow_stats_t vb_stream_follow_stats(const vb_stream_follow_t *self);

/* Drives the follower from a vb_service timer (context is the vb_stream_follow_t). */
void vb_stream_follow_tick(void *context);

/* ---- erasure: what services following verbund.membership.person.erased. share ---- */

#define VB_STREAM_FOLLOW_ERASED_TOPIC "verbund.membership.person.erased."
#define VB_STREAM_FOLLOW_ERASURE "erasure" /* the consumer name of erasure followers */

/* vb_stream_follow_new for the erasure follower every service runs: consumer "erasure", the
 * person.erased topic, apply(arg, event) in a transaction on db. */
vb_stream_follow_t *vb_stream_follow_erasure_new(const char *pub_endpoint,
                                                 const char *replay_endpoint, vb_db_t *db,
                                                 vb_stream_follow_apply_fn apply, void *arg);

/* The erased person's id of a verbund.membership.person.erased.v1 event copied into id (size
 * >= 37): 1; 0 when event is of another type; -1 when its payload does not decode or holds no
 * valid id (logged). */
int vb_stream_follow_erased_person(const vb_cloudevent_t *event, char *id, size_t size);

#endif
