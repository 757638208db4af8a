/* vb_test_faults.h - malformed input for a service's ROUTER socket, sent with a raw DEALER:
 * random single frames, random multi-part messages, a real request's envelope truncated at
 * every length and with single bytes flipped, a well-formed envelope with a garbage body, an
 * unknown method, and frames above ZMQ_MAXMSGSIZE; then the replies, none of which may be a
 * success. Does not: check that the service still answers real calls (each test does, with its
 * own methods). */
#ifndef VB_TEST_FAULTS_H
#define VB_TEST_FAULTS_H

#include <stdbool.h>

#include "vb/rpc_client.h"

/* A ZeroMQ context and a DEALER (linger 0) connected to a service's endpoint. */
typedef struct {
    void *context;
    void *dealer;
} vb_test_raw_t;

/* What vb_test_send_garbage sends, in this order. */
typedef struct {
    int random_frames;      /* single frames of 0..1024 random bytes */
    int multipart_messages; /* messages of 2..5 parts of 0..63 random bytes */
    const char *method;     /* a real method, with request as its body, as caller */
    const ProtobufCMessage *request;
    const Verbund__Rpc__V1__Caller *caller;
    const char *idempotency_key; /* of the truncated and flipped envelopes; NULL for none */
    int bit_flips;               /* copies of the whole envelope with one byte changed */
    const char *unknown_method;  /* sent with an empty body after method with a garbage body */
} vb_test_garbage_t;

/* Connects raw to endpoint (fails the test on error). */
void vb_test_raw_open(vb_test_raw_t *raw, const char *endpoint);

/* Closes the DEALER and terminates the context. */
void vb_test_raw_close(vb_test_raw_t *raw);

/* Sends garbage on raw's DEALER: random frames, multi-part messages, the envelope of method
 * truncated at every length short of the whole, bit-flipped copies, the envelope of method with
 * a garbage body, and unknown_method with no body. */
void vb_test_send_garbage(vb_test_raw_t *raw, const vb_test_garbage_t *garbage);

/* Sends frames frames of 5 MiB (above ZMQ_MAXMSGSIZE, 4 MiB: libzmq drops the connection) on
 * a new DEALER connected to endpoint; returns it for the caller to zmq_close once it has checked
 * that the service still answers (closing earlier could discard the frames unsent). */
void *vb_test_send_oversized(vb_test_raw_t *raw, const char *endpoint, int frames);

/* Reads the replies that arrive on raw's DEALER within wait_ms: every one must decode as a
 * Reply whose status is not OK, nor CREATED unless allow_created (a flipped byte may leave a
 * valid request). Returns how many arrived. */
int vb_test_drain_error_replies(vb_test_raw_t *raw, int wait_ms, bool allow_created);

#endif
