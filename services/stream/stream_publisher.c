/* stream_publisher.c - the live side of the stream: an XPUB socket in manual subscription mode,
 * so each subscription is checked before libzmq applies it (a CURVE client's subscriptions are
 * narrowed to the topics of its certificate; NULL-mechanism peers, which exist only on loopback,
 * get what they ask for), events as [type][CloudEvent] and heartbeats. Linked by the service and
 * by bench_stream_fanout (library vb_stream_publisher), so the benchmark runs this code.
 * Does not: read the database (stream_relay.c hands it events), or retry dropped messages
 * (subscribers fill gaps from replay). */
#include <errno.h>
#include <string.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/log.h"
#include "stream.h"

/* Past the send queue (per subscriber) PUB drops by design: a slow subscriber notices the gap
 * by sequence and fills it from replay, instead of one stalled reader holding the node's memory.
 * A fixed kernel send buffer keeps Linux's autotuning from buffering megabytes beyond it. */
#define S_SEND_BUFFER_BYTES (256 * 1024)
#define S_LINGER_MS 0

struct stream_publisher {
    zsock_t *socket;        /* XPUB */
    void *handle;           /* its libzmq socket */
    bool curve;             /* subscriptions are narrowed by certificate topics */
    zcertstore_t *clients;  /* this thread's view of the clients directory (CURVE only) */
    char *node_id;          /* for heartbeats */
    uint64_t dropped;       /* sends refused (EAGAIN); subscribers fill from replay */
};

stream_publisher_t *
stream_publisher_new(const char *endpoint, int send_queue, zcert_t *certificate,
                     const char *clients_dir, const char *node_id)
{
    stream_publisher_t *self = zmalloc(sizeof *self);
    self->node_id = strdup(node_id ? node_id : "");
    self->socket = zsock_new(ZMQ_XPUB);
    if (!self->socket || !self->node_id)
        goto failed;
    self->handle = zsock_resolve(self->socket);
    zsock_set_xpub_manual(self->socket, 1);
    zsock_set_sndhwm(self->socket, send_queue > 0 ? send_queue : STREAM_DEFAULT_SEND_QUEUE);
    zsock_set_sndbuf(self->socket, S_SEND_BUFFER_BYTES);
    zsock_set_linger(self->socket, S_LINGER_MS);
    if (certificate) {
        zcert_apply(certificate, self->socket);
        zsock_set_curve_server(self->socket, 1);
        self->curve = true;
        self->clients = zcertstore_new(clients_dir);
        if (!self->clients)
            goto failed;
    }
    if (zsock_bind(self->socket, "%s", endpoint) == -1) {
        vb_log_error("cannot bind VERBUND_STREAM_PUB_ENDPOINT %s: %s", endpoint,
                     zmq_strerror(zmq_errno()));
        goto failed;
    }
    return self;

failed:
    stream_publisher_destroy(&self);
    return NULL;
}

void
stream_publisher_destroy(stream_publisher_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    stream_publisher_t *self = *self_p;
    zsock_destroy(&self->socket);
    zcertstore_destroy(&self->clients);
    free(self->node_id);
    free(self);
    *self_p = NULL;
}

void *
stream_publisher_handle(stream_publisher_t *self)
{
    return self->handle;
}

void
stream_client_topics(zcertstore_t *clients, const char *public_key, stream_topics_t *out)
{
    stream_topics_none(out);
    if (!clients || !public_key || !public_key[0])
        return;
    zcert_t *certificate = zcertstore_lookup(clients, public_key);
    if (!certificate)
        return;
    if (stream_topics_parse(out, zcert_meta(certificate, "topics")) != 0)
        stream_topics_none(out); /* a malformed list allows nothing */
}

/* What a narrowing callback applies the prefixes to. */
typedef struct {
    stream_publisher_t *publisher;
    int option; /* ZMQ_SUBSCRIBE or ZMQ_UNSUBSCRIBE */
} s_apply_t;

static void
s_apply(void *arg, const char *prefix, size_t length)
{
    s_apply_t *apply = arg;
    /* In manual mode the option acts on the pipe of the subscription message just read. */
    if (zmq_setsockopt(apply->publisher->handle, apply->option, prefix, length) == -1)
        vb_log_warn("stream publisher: applying a subscription failed: %s",
                    zmq_strerror(zmq_errno()));
}

void
stream_publisher_subscriptions(stream_publisher_t *self)
{
    for (;;) {
        zmq_msg_t message;
        zmq_msg_init(&message);
        if (zmq_msg_recv(&message, self->handle, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close(&message);
            return;
        }
        const char *data = zmq_msg_data(&message);
        size_t size = zmq_msg_size(&message);
        if (size == 0 || (data[0] != 0 && data[0] != 1)) {
            zmq_msg_close(&message); /* not a subscription: XPUB peers cannot send data */
            continue;
        }
        s_apply_t apply = {self, data[0] == 1 ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE};
        const char *topic = data + 1;
        size_t length = size - 1;
        if (!self->curve) {
            s_apply(&apply, topic, length);
        } else {
            stream_topics_t allowed;
            const char *user_id = zmq_msg_gets(&message, "User-Id");
            stream_client_topics(self->clients, user_id, &allowed);
            (void)stream_topics_add(&allowed, VB_STREAM_HEARTBEAT_TOPIC,
                                    strlen(VB_STREAM_HEARTBEAT_TOPIC));
            (void)stream_topics_narrow(&allowed, topic, length, s_apply, &apply);
        }
        zmq_msg_close(&message);
    }
}

/* Sends [topic][body] without blocking; a full queue drops the message (counted). */
static void
s_send(stream_publisher_t *self, const char *topic, const uint8_t *body, size_t size)
{
    if (zmq_send(self->handle, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
        zmq_send(self->handle, body, size, ZMQ_DONTWAIT) == -1) {
        if (self->dropped++ % 10000 == 0)
            vb_log_warn("stream publisher: dropped a message (%llu so far): %s",
                        (unsigned long long)self->dropped, zmq_strerror(zmq_errno()));
    }
}

void
stream_publisher_send(stream_publisher_t *self, vb_arena_t *scratch, const stream_event_t *event)
{
    /* The relay packed the CloudEvent already (it is stored in the log): send those bytes. */
    if (event->cloudevent && event->cloudevent_length > 0) {
        s_send(self, event->type, event->cloudevent, event->cloudevent_length);
        return;
    }
    size_t size = 0;
    uint8_t *body = stream_event_pack(scratch, event, &size);
    s_send(self, event->type, body, size);
}

void
stream_publisher_heartbeat(stream_publisher_t *self, uint64_t newest)
{
    Verbund__Stream__V1__Heartbeat heartbeat = VERBUND__STREAM__V1__HEARTBEAT__INIT;
    heartbeat.newest_sequence = newest;
    heartbeat.node_id = self->node_id;
    heartbeat.time_unix_ms = vb_clock_now_ms();
    uint8_t body[256];
    size_t size = verbund__stream__v1__heartbeat__get_packed_size(&heartbeat);
    if (size > sizeof body)
        return; /* a node id longer than ~200 characters: config limits it */
    size = verbund__stream__v1__heartbeat__pack(&heartbeat, body);
    s_send(self, VB_STREAM_HEARTBEAT_TOPIC, body, size);
}
