/* stream.h - the stream service: its context, method table, the relay actor that moves outbox
 * rows into the log and publishes them, and the publisher (PUB side). See stream_store.h for the
 * SQL and stream_topics.h for the topic rules.
 * Does not: know any source service's tables beyond "<schema>.outbox" (vb/outbox.h). */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "vb/arena.h"
#include "vb/cloudevent.h"
#include "vb/db.h"
#include "vb/rpc_server.h"
#include "stream_store.h"
#include "stream_topics.h"

#define STREAM_SERVICE "stream"
#define STREAM_READ_DEFAULT_LIMIT 500
#define STREAM_READ_MAX_LIMIT 5000
/* Sequences one stream.Read considers at most (bounds a filtered read over a long log). */
#define STREAM_READ_WINDOW 100000
#define STREAM_CHANNEL_OUTBOX "verbund_outbox" /* outbox.c's NOTIFY: rows to relay */
#define STREAM_CHANNEL_LOG "verbund_stream"    /* the relay's NOTIFY: rows appended to the log */
#define STREAM_PERSON_ERASED_TYPE "verbund.membership.person.erased.v1"

/* The replay handlers' context (main thread). */
typedef struct {
    vb_db_t *db;            /* read connection of the replay socket */
    zcertstore_t *clients;  /* allowed CURVE client certificates; NULL without CURVE */
} stream_t;

const vb_rpc_method_t *stream_methods(size_t *count);

/* The topics a CURVE client may see: its certificate's "topics" metadata, looked up by its
 * public key (the ZAP User-Id) in clients. Nothing when the key or the metadata is unknown. */
void stream_client_topics(zcertstore_t *clients, const char *public_key, stream_topics_t *out);

/* ---- a log row as a CloudEvent (stream_event.c) ---- */

/* The CloudEvent of a log row, built in arena; it borrows the row's strings and data. */
vb_cloudevent_t *stream_event_cloudevent(vb_arena_t *arena, const stream_event_t *event);

/* That CloudEvent packed into wire bytes in arena; *size gets their length. */
uint8_t *stream_event_pack(vb_arena_t *arena, const stream_event_t *event, size_t *size);

/* ---- publisher (stream_publisher.c): the XPUB socket ---- */

typedef struct stream_publisher stream_publisher_t;

/* Messages queued per subscriber before the publisher drops (VERBUND_STREAM_SEND_QUEUE). A
 * burst of relay passes must fit, or even a fast subscriber loses the end of every burst to
 * replay; a stalled subscriber holds at most this many (~400 bytes each: ~40 MB, below the
 * 64 MB NATS lets a slow consumer hold by default). */
#define STREAM_DEFAULT_SEND_QUEUE 100000

/* Binds endpoint as XPUB in manual subscription mode, queueing up to send_queue messages per
 * subscriber; with certificate (borrowed) as a CURVE server whose clients' subscriptions are
 * narrowed to their certificates' topics (looked up in clients_dir). NULL when it cannot bind
 * (logged). */
stream_publisher_t *stream_publisher_new(const char *endpoint, int send_queue,
                                         zcert_t *certificate, const char *clients_dir,
                                         const char *node_id);
void stream_publisher_destroy(stream_publisher_t **self_p);

/* The libzmq socket, for zmq_poll (readable: subscriptions are waiting). */
void *stream_publisher_handle(stream_publisher_t *self);

/* Handles every waiting (un)subscription. */
void stream_publisher_subscriptions(stream_publisher_t *self);

/* Publishes [type][CloudEvent]; scratch holds the packing buffer. */
void stream_publisher_send(stream_publisher_t *self, vb_arena_t *scratch,
                           const stream_event_t *event);

/* Publishes [verbund.stream.heartbeat][Heartbeat]. */
void stream_publisher_heartbeat(stream_publisher_t *self, uint64_t newest);

/* ---- relay (stream_relay.c): a zactor owning its own connections and the publisher ---- */

typedef struct {
    const char *conninfo;
    const char *node_id;
    const char *const *sources;  /* source schemas, [a-z_]+ */
    size_t source_count;
    const char *pub_endpoint;
    int send_queue;              /* messages per subscriber before the publisher drops */
    zcert_t *curve_certificate;  /* NULL without CURVE; read only while starting */
    const char *clients_dir;
    int heartbeat_ms;
    int sweep_interval_ms;
    int64_t retention_seconds;
    int fallback_ms;             /* relay pass without a NOTIFY, at most this far apart */
    int batch;                   /* outbox rows per source and pass */
    int startup_status;          /* out, valid after zactor_new: 0, or main's exit code */
} stream_relay_options_t;

/* zactor body: args is a stream_relay_options_t that outlives the actor. */
void stream_relay_actor(zsock_t *pipe, void *args);

#endif
