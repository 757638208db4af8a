/* vb/subscriber.h - reading a node's event stream in sequence order, at least once, without
 * gaps: live events from the stream's PUB socket ([topic][CloudEvent]), and whatever was missed
 * (a slow subscriber whose high-water mark dropped messages, a publisher restart, a subscriber
 * restart) from the replay socket (stream.Read). The position (the last sequence delivered or
 * scanned past) is persisted to a file when one is given, so a restarted subscriber resumes.
 * Delivery is at least once: after a crash, events since the last persisted position come
 * again; consumers deduplicate on (source, id).
 * Does not: cross threads (one subscriber per thread), or deduplicate for the consumer. */
#ifndef VB_SUBSCRIBER_H
#define VB_SUBSCRIBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "vb/cloudevent.h"
#include "vb/status.h"

typedef struct vb_subscriber vb_subscriber_t;

/* Called for each event in sequence order. event is borrowed for the call. Return 0 to go
 * on; non-zero stops vb_subscriber_process (the event counts as delivered). */
typedef int (*vb_subscriber_event_fn)(void *arg, const vb_cloudevent_t *event);

typedef struct {
    const char *pub_endpoint;            /* "tcp://127.0.0.1:7201" */
    const char *replay_endpoint;         /* "tcp://127.0.0.1:7202" */
    const char *const *topic_prefixes;   /* NULL/0 = every topic */
    size_t topic_prefix_count;
    const char *position_file;           /* NULL: not persisted */
    uint64_t start_after;                /* used when there is no position file yet */
    int receive_high_water_mark;         /* ZMQ_RCVHWM of the SUB socket; 0 = libzmq default */
    int replay_batch;                    /* events per stream.Read; 0 = 500 */
    /* CURVE (both set, or neither): the server's public key (Z85) and the client's certificate
     * file as written by zcert_save (public + secret). */
    const char *curve_server_public_key;
    const char *curve_client_certificate;
    vb_subscriber_event_fn on_event;
    void *arg;
} vb_subscriber_options_t;

/* Connects both sockets and loads the position file. NULL on failure (logged). */
vb_subscriber_t *vb_subscriber_new(const vb_subscriber_options_t *options);

/* Persists the position and closes the sockets; accepts NULL; nulls *self_p. */
void vb_subscriber_destroy(vb_subscriber_t **self_p);

/* Waits up to timeout_ms for events, fills gaps from replay, delivers in order. Returns the
 * number of events delivered (>= 0), or -1 with vb_subscriber_status set: SNAPSHOT_REQUIRED
 * when the position is older than the stream's retention (the consumer must rebuild from a
 * snapshot and call vb_subscriber_reset), UNAVAILABLE when the replay socket does not answer
 * (retried on the next call), FORBIDDEN when the topics are not allowed. */
int vb_subscriber_process(vb_subscriber_t *self, int timeout_ms);

/* The last sequence delivered or scanned past (all events <= it have been handled). */
uint64_t vb_subscriber_position(const vb_subscriber_t *self);

/* Moves the position (e.g. after a snapshot) and persists it. */
void vb_subscriber_reset(vb_subscriber_t *self, uint64_t position);

/* The status and message of the last failed process call. */
vb_status_t vb_subscriber_status(const vb_subscriber_t *self);
const char *vb_subscriber_error(const vb_subscriber_t *self);

/* Counters for tests and metrics: events received live, events fetched by replay, gaps found. */
typedef struct {
    uint64_t live;
    uint64_t replayed;
    uint64_t gaps;
    uint64_t duplicates_skipped; /* live events at or below the position (already delivered) */
} vb_subscriber_stats_t;
vb_subscriber_stats_t vb_subscriber_stats(const vb_subscriber_t *self);

/* The SUB socket, for a zloop reader (call vb_subscriber_process(self, 0) when readable). */
zsock_t *vb_subscriber_socket(vb_subscriber_t *self);

#endif
