/* vb_test_rpc.h - calling a service method as a test does: one call through a vb_rpc_client
 * with a forged caller, the reply kept for its message and field errors, the body decoded, and
 * cmocka assertions on the status and field errors of the last reply. Not thread-safe (the last
 * reply and the kept bodies are process-wide).
 * Does not: start clients for the test (vb_test_rpc_open makes the one the short forms use). */
#ifndef VB_TEST_RPC_H
#define VB_TEST_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/rpc_client.h"

typedef Verbund__Rpc__V1__Caller vb_test_caller_t;

/* A client for the endpoint under env_key in the node's env (e.g. VERBUND_MEMBERSHIP_ENDPOINT)
 * that vb_test_rpc_call and vb_test_rpc_call_key use, with deadline_ms per call. Returns it,
 * or NULL (message printed) without the node fixture. */
vb_rpc_client_t *vb_test_rpc_open(const char *env_key, int attempt_timeout_ms, int deadline_ms);

/* Frees the last reply, the kept bodies and the client of vb_test_rpc_open. */
void vb_test_rpc_close(void);

/* Calls method on client with options; the reply becomes vb_test_rpc_last (the previous one is
 * freed). When type and out are given and the status is OK or CREATED, *out is the decoded body
 * (the test fails when it does not decode), which the caller frees; otherwise *out is NULL.
 * Returns the status. */
vb_status_t vb_test_rpc_call_owned(vb_rpc_client_t *client, const char *method, const void *request,
                                   const vb_rpc_call_options_t *options,
                                   const ProtobufCMessageDescriptor *type, void *out);

/* The same on the client of vb_test_rpc_open as caller with idempotency key (may be NULL);
 * *out is kept until vb_test_rpc_free_kept. */
vb_status_t vb_test_rpc_call_key(const char *method, const void *request,
                                 const vb_test_caller_t *caller, const char *key, bool write,
                                 const ProtobufCMessageDescriptor *type, void *out);

/* vb_test_rpc_call_key without a key. */
vb_status_t vb_test_rpc_call(const char *method, const void *request,
                             const vb_test_caller_t *caller, bool write,
                             const ProtobufCMessageDescriptor *type, void *out);

/* Keeps message until vb_test_rpc_free_kept; returns it. */
void *vb_test_rpc_keep(ProtobufCMessage *message);

/* Frees every kept body; a cmocka teardown (always 0). */
int vb_test_rpc_free_kept(void **state);

/* The last reply, or NULL when none arrived. Borrowed until the next call. */
const Verbund__Rpc__V1__Reply *vb_test_rpc_last(void);

/* The message of the last reply, or "no reply". */
const char *vb_test_rpc_message(void);

/* True when the last reply has a field error for field. */
bool vb_test_rpc_has_field_error(const char *field);

/* Fails the test unless expr (a call) returns expected; says the reply's message. */
#define assert_status(expected, expr)                                                              \
    do {                                                                                           \
        vb_status_t got_ = (expr);                                                                 \
        if (got_ != (expected))                                                                    \
            fail_msg("%s: expected %s, got %s (%s)", #expr, vb_status_name(expected),              \
                     vb_status_name(got_), vb_test_rpc_message());                                 \
    } while (0)

/* Fails the test unless the last reply has a field error for path. */
#define assert_field_error(path)                                                                   \
    do {                                                                                           \
        if (!vb_test_rpc_has_field_error(path))                                                    \
            fail_msg("expected a field error at %s; message: %s", (path), vb_test_rpc_message());  \
    } while (0)

#endif
