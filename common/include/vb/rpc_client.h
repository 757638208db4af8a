/* vb/rpc_client.h - the calling side: a DEALER socket connected to one service, with many
 * requests in flight, a deadline per call, and bounded retries that resend the same Envelope
 * (same request id and idempotency key, so a retried write is applied once).
 * A write call without an idempotency key gets a generated one for its retries.
 * Does not: load-balance across endpoints, or cross threads (one client per thread). */
#ifndef VB_RPC_CLIENT_H
#define VB_RPC_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/assert.h"
#include "vb/status.h"

typedef struct vb_rpc_client vb_rpc_client_t;

typedef struct {
    const char *endpoint;      /* "tcp://127.0.0.1:7101" */
    int attempt_timeout_ms;    /* resend after this long without a reply; default 2000 */
    int max_attempts;          /* including the first; default 3 */
    int64_t max_message_size;  /* inbound bound; 0 = 16 MiB */
    /* CURVE (both set, or neither): the server's public key (Z85, 40 characters) and the
     * client's certificate file as written by zcert_save (public + secret). */
    const char *curve_server_public_key;
    const char *curve_client_certificate;
} vb_rpc_client_options_t;

/* Per-call settings; NULL means defaults. */
typedef struct {
    int deadline_ms;                      /* total; default attempt_timeout * max_attempts */
    const Verbund__Rpc__V1__Caller *caller;
    const char *idempotency_key;          /* NULL: generated when write is true */
    const char *trace_id;                 /* NULL: generated */
    bool write;                           /* the method changes state */
} vb_rpc_call_options_t;

vb_rpc_client_t *vb_rpc_client_new(const vb_rpc_client_options_t *options);
void vb_rpc_client_destroy(vb_rpc_client_t **self_p);

/* Blocking call (request may be NULL: empty body, e.g. "rpc.Ping"). Meant for one blocking
 * caller at a time: completions of other tickets that arrive meanwhile are kept and returned by
 * the next vb_rpc_client_receive. On return *reply_p (caller frees with vb_rpc_reply_free)
 * holds the service's reply whenever one
 * arrived; the return value is its status, or DEADLINE_EXCEEDED / UNAVAILABLE (no reply,
 * *reply_p NULL). */
vb_status_t vb_rpc_client_call(vb_rpc_client_t *self, const char *method,
                               const ProtobufCMessage *request,
                               const vb_rpc_call_options_t *options,
                               Verbund__Rpc__V1__Reply **reply_p);

/* Asynchronous: queue a call (request may be NULL); *ticket identifies it in
 * vb_rpc_client_receive. 0 or -1. */
int vb_rpc_client_send(vb_rpc_client_t *self, const char *method, const ProtobufCMessage *request,
                       const vb_rpc_call_options_t *options, uint64_t *ticket) VB_MUSTCHECK;

/* Waits up to timeout_ms for any call to finish (a reply, or its deadline passing; retries are
 * sent from here; a negative timeout waits until one finishes, which the deadlines bound).
 * Returns 1 with *ticket, *status and *reply_p (may be NULL; vb_rpc_reply_free) set, 0 on
 * timeout, -1 when no call is in flight. A call that never left the socket ends UNAVAILABLE at
 * its deadline. */
int vb_rpc_client_receive(vb_rpc_client_t *self, int timeout_ms, uint64_t *ticket,
                          vb_status_t *status, Verbund__Rpc__V1__Reply **reply_p);

/* Frees a reply that vb_rpc_client_call or vb_rpc_client_receive returned (one free: it was
 * decoded into a single block); NULL is fine. Not for replies unpacked elsewhere. */
void vb_rpc_reply_free(Verbund__Rpc__V1__Reply *reply);

/* Decodes a Reply frame into that form (for code that reads replies off a socket itself, such
 * as tests); NULL when it does not decode. */
Verbund__Rpc__V1__Reply *vb_rpc_reply_decode(const uint8_t *data, size_t size);

/* Number of calls in flight (including completions kept for vb_rpc_client_receive). */
int vb_rpc_client_pending(const vb_rpc_client_t *self);

/* Decodes a reply body into a message of the given type (caller frees with
 * protobuf_c_message_free_unpacked). NULL when the body does not decode. */
ProtobufCMessage *vb_rpc_reply_unpack(const Verbund__Rpc__V1__Reply *reply,
                                      const ProtobufCMessageDescriptor *type);

#endif
