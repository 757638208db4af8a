/* vb_test_faults.c - see vb_test_faults.h. */
#include "vb_test_faults.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "vb/rpc_client.h"

#include "vb_test_db.h"

#define S_FRAME_MAX 4096

static void *
s_dealer(void *context, const char *endpoint)
{
    void *dealer = zmq_socket(context, ZMQ_DEALER);
    assert_non_null(dealer);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(dealer, endpoint), 0);
    return dealer;
}

void
vb_test_raw_open(vb_test_raw_t *raw, const char *endpoint)
{
    assert_true(sodium_init() >= 0);
    raw->context = zmq_ctx_new();
    assert_non_null(raw->context);
    raw->dealer = s_dealer(raw->context, endpoint);
}

void
vb_test_raw_close(vb_test_raw_t *raw)
{
    zmq_close(raw->dealer);
    zmq_ctx_term(raw->context);
    raw->dealer = raw->context = NULL;
}

static void
s_send(void *dealer, const uint8_t *data, size_t length, int flags)
{
    assert_true(zmq_send(dealer, data, length, flags) >= 0);
}

void
vb_test_send_garbage(vb_test_raw_t *raw, const vb_test_garbage_t *garbage)
{
    uint8_t buffer[S_FRAME_MAX];
    for (int i = 0; i < garbage->random_frames; i++) {
        size_t length = randombytes_uniform(1025);
        randombytes_buf(buffer, length);
        s_send(raw->dealer, buffer, length, 0);
    }
    for (int i = 0; i < garbage->multipart_messages; i++) {
        int parts = 2 + (int)randombytes_uniform(4);
        for (int p = 0; p < parts; p++) {
            size_t length = randombytes_uniform(64);
            randombytes_buf(buffer, length);
            s_send(raw->dealer, buffer, length, p + 1 < parts ? ZMQ_SNDMORE : 0);
        }
    }
    /* the real envelope: the body is its last field, so no cut leaves a complete request */
    uint8_t body[1024];
    assert_true(protobuf_c_message_get_packed_size(garbage->request) <= sizeof body);
    size_t body_length = protobuf_c_message_pack(garbage->request, body);
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)garbage->method;
    envelope.request_id = (char *)"garbage-1";
    envelope.caller = (Verbund__Rpc__V1__Caller *)garbage->caller;
    if (garbage->idempotency_key)
        envelope.idempotency_key = (char *)garbage->idempotency_key;
    envelope.body.data = body;
    envelope.body.len = body_length;
    assert_true(verbund__rpc__v1__envelope__get_packed_size(&envelope) <= sizeof buffer);
    size_t packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    for (size_t cut = 0; cut < packed_length; cut++)
        s_send(raw->dealer, buffer, cut, 0);
    for (int i = 0; i < garbage->bit_flips; i++) {
        uint8_t copy[S_FRAME_MAX];
        memcpy(copy, buffer, packed_length);
        copy[randombytes_uniform((uint32_t)packed_length)] ^=
            (uint8_t)(1 + randombytes_uniform(255));
        s_send(raw->dealer, copy, packed_length, 0);
    }
    /* a well-formed envelope with a garbage body, then an unknown method */
    uint8_t junk[64];
    randombytes_buf(junk, sizeof junk);
    junk[0] = 0xff; /* field 31, wire type 7: never valid protobuf */
    envelope.body.data = junk;
    envelope.body.len = sizeof junk;
    envelope.idempotency_key = (char *)"";
    packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    s_send(raw->dealer, buffer, packed_length, 0);
    envelope.method = (char *)garbage->unknown_method;
    envelope.body.len = 0;
    packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    s_send(raw->dealer, buffer, packed_length, 0);
}

void *
vb_test_send_oversized(vb_test_raw_t *raw, const char *endpoint, int frames)
{
    void *big = s_dealer(raw->context, endpoint);
    size_t huge_length = 5u * 1024 * 1024;
    uint8_t *huge = malloc(huge_length);
    assert_non_null(huge);
    memset(huge, 'A', huge_length);
    for (int i = 0; i < frames; i++)
        s_send(big, huge, huge_length, 0);
    free(huge);
    return big;
}

int
vb_test_drain_error_replies(vb_test_raw_t *raw, int wait_ms, bool allow_created)
{
    int replies = 0;
    int64_t until = vb_test_now_ms() + wait_ms;
    while (vb_test_now_ms() < until) {
        zmq_pollitem_t item = {raw->dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 50) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, raw->dealer, ZMQ_DONTWAIT) >= 0) {
            Verbund__Rpc__V1__Reply *reply =
                vb_rpc_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg));
            assert_non_null(reply);
            assert_int_not_equal(reply->status, VERBUND__RPC__V1__STATUS__STATUS_OK);
            if (!allow_created)
                assert_int_not_equal(reply->status, VERBUND__RPC__V1__STATUS__STATUS_CREATED);
            vb_rpc_reply_free(reply);
            replies++;
        }
        zmq_msg_close(&msg);
    }
    return replies;
}
