/* vb/rpc_server.h - the request/reply side of a service: a ZeroMQ ROUTER socket that receives
 * [identity][Envelope] frames, decodes the body by the method table, calls the handler and
 * sends [identity][Reply]. ZMQ_ROUTER_MANDATORY is set (a reply to a vanished peer is counted
 * and dropped), ZMQ_MAXMSGSIZE bounds every inbound frame, and a frame that does not decode
 * gets a BAD_REQUEST reply (unknown methods UNKNOWN_METHOD) - never a crash.
 * Requests are read in passes of up to max_batch; when a pass contains write methods and batch
 * hooks are set, the writes run inside one transaction and every reply of the pass is sent
 * only after the hooks' batch_end (the commit) returned.
 * Built-in methods: "rpc.Ping" (empty OK reply, no handler, no database).
 * Does not: authenticate callers (the gateway does; the Envelope carries the caller). */
#ifndef VB_RPC_SERVER_H
#define VB_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <protobuf-c/protobuf-c.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/arena.h"
#include "vb/assert.h"
#include "vb/metrics.h"
#include "vb/status.h"

/* One request being handled. The RPC layer owns everything here; the handler borrows
 * envelope and request and builds reply (and strings inside it) in arena. */
typedef struct {
    const Verbund__Rpc__V1__Envelope *envelope; /* method, caller, idempotency key, ids */
    const ProtobufCMessage *request;            /* decoded body, of the method's request type */
    vb_arena_t *arena;                          /* allocations that live until the reply is sent */
    ProtobufCMessage *reply;                    /* set by a successful handler (in arena) */
    ProtobufCBinaryData reply_body;             /* alternative to reply: already packed bytes */
    vb_status_t status;                         /* the outcome; set by the RPC layer from the
                                                   handler's return value */
    const char *message;                        /* error detail (arena or static) */
    Verbund__Rpc__V1__FieldError **field_errors; /* arena array */
    size_t field_error_count;
    bool in_batch;                              /* running inside the batch transaction */
    unsigned method_flags;                      /* the method table row's flags (VB_RPC_*) */
    /* The authenticated peer, from the ZAP handler's answer (zmq_msg_gets on the envelope
     * frame; copied into arena): the client's public key (Z85) and its certificate's "topics"
     * metadata. NULL for NULL-mechanism peers, and always NULL unless the server is a CURVE
     * server (a NULL-mechanism peer could otherwise forge these as ZMTP properties). */
    const char *peer_user_id;
    const char *peer_topics;
} vb_rpc_call_t;

/* A handler: returns OK/CREATED with call->reply set, or an error status (use vb_rpc_fail). */
typedef vb_status_t (*vb_rpc_handler_fn)(void *context, vb_rpc_call_t *call);

enum {
    VB_RPC_WRITE = 1 << 0, /* changes state: runs in the batch transaction, idempotency applies */
    VB_RPC_SECRET_REPLY = 1 << 1, /* the reply holds a secret (a new token): it is never stored
                                     for idempotent replay, so a repeated key runs again */
};

/* One row of a service's dispatch table. */
typedef struct {
    const char *method;                                /* "membership.PersonCreate" */
    const ProtobufCMessageDescriptor *request_type;    /* how Envelope.body is decoded */
    vb_rpc_handler_fn handler;
    unsigned flags;
} vb_rpc_method_t;

/* What call_begin decided. */
typedef enum {
    VB_RPC_RUN_HANDLER = 0, /* go on and run the handler */
    VB_RPC_REPLIED = 1,     /* the hook filled status/message/reply_body (a replayed reply) */
} vb_rpc_begin_t;

/* batch_end's answer: run the pass again (see vb_rpc_batch_hooks_t). */
#define VB_RPC_BATCH_RETRY 1

/* Transaction hooks around the write calls of one pass (see vb/write_batch.h). */
typedef struct {
    void *context;
    /* Before the first write of a pass. -1: the writes of this pass reply UNAVAILABLE. */
    int (*batch_begin)(void *context);
    /* Before each write handler (savepoint, idempotency lookup). */
    vb_rpc_begin_t (*call_begin)(void *context, vb_rpc_call_t *call);
    /* After each write handler, with call->status final (release or roll back the savepoint,
     * record the reply for the idempotency key). */
    void (*call_end)(void *context, vb_rpc_call_t *call);
    /* After the last write of the pass: commit. -1: every write reply of the pass becomes
     * UNAVAILABLE ("not committed; retry with the same idempotency key").
     * VB_RPC_BATCH_RETRY: the hooks rolled the whole pass back (an optimistic pass that could
     * not commit as a whole); the server runs it once more - batch_begin, every write with a
     * cleared outcome, batch_end - and that second batch_end must return 0 or -1. */
    int (*batch_end)(void *context);
} vb_rpc_batch_hooks_t;

typedef struct {
    const char *service;              /* "membership", for logs and metrics */
    const char *endpoint;             /* bound, e.g. "tcp://127.0.0.1:7101" */
    const vb_rpc_method_t *methods;   /* borrowed table */
    size_t method_count;
    void *handler_context;            /* first argument of every handler */
    const vb_rpc_batch_hooks_t *batch_hooks; /* borrowed; NULL = no transactions */
    int64_t max_message_size;         /* ZMQ_MAXMSGSIZE; 0 = 4 MiB */
    int max_batch;                    /* requests per pass; 0 = 64 */
    vb_metrics_t *metrics;            /* borrowed; may be NULL */
    /* When set, the socket is a CURVE server with this key pair (applied before binding), so
     * the NULL mechanism is refused; run a zauth actor with "CURVE" first so that client keys
     * are checked. Borrowed; only read by vb_rpc_server_new. NULL = NULL mechanism. */
    zcert_t *curve_server_certificate;
} vb_rpc_server_options_t;

typedef struct vb_rpc_server vb_rpc_server_t;

/* Binds the endpoint. NULL on failure (logged with the endpoint and zmq_strerror). */
vb_rpc_server_t *vb_rpc_server_new(const vb_rpc_server_options_t *options);
void vb_rpc_server_destroy(vb_rpc_server_t **self_p);

/* The ROUTER socket, for a zloop reader. Borrowed. */
zsock_t *vb_rpc_server_socket(vb_rpc_server_t *self);

/* The endpoint as bound (ZMQ_LAST_ENDPOINT): "tcp://127.0.0.1:0" resolves to the port the
 * kernel chose (prefer it in tests to CZMQ's ":*", which counts up from 49152 and so collides
 * across processes). Borrowed; valid while the server lives. */
const char *vb_rpc_server_endpoint(vb_rpc_server_t *self);

/* Reads and handles every request that is ready (up to max_batch), sends the replies.
 * Returns the number of requests handled (0 when none was ready). Never blocks. */
int vb_rpc_server_process(vb_rpc_server_t *self);

/* When false, requests are answered UNAVAILABLE without running handlers (draining). */
void vb_rpc_server_set_accepting(vb_rpc_server_t *self, bool accepting);

/* For handlers: set the status and an error message (printf-style); returns status. */
vb_status_t vb_rpc_fail(vb_rpc_call_t *call, vb_status_t status, const char *fmt, ...)
    VB_PRINTF(3, 4);

/* For handlers: add a per-field error ("person.email", "is not a valid address"). */
void vb_rpc_field_error(vb_rpc_call_t *call, const char *field, const char *fmt, ...)
    VB_PRINTF(3, 4);

#endif
