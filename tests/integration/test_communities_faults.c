/* test_communities_faults.c - the communities service under malformed input on its socket:
 * random, truncated and multi-part frames, a well-formed envelope with a garbage
 * body, an unknown method and an oversized frame, sent straight to its ROUTER socket with a
 * raw DEALER. Every answer is an error reply (never OK), and the service keeps answering
 * rpc.Ping and real calls, and still writes.
 * Does not: test business rules (test_communities_rpc.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "verbund/communities/v1/communities.pb-c.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

static const char *s_endpoint;
static char s_person[VB_UUID_STRING_SIZE];
static Verbund__Rpc__V1__Caller s_member;
static Verbund__Rpc__V1__Caller s_staff;

static int
s_setup(void **state)
{
    (void)state;
    s_endpoint = vb_test_env("VERBUND_COMMUNITIES_ENDPOINT");
    if (!s_endpoint || sodium_init() < 0)
        return -1;
    vb_uuid7(s_person);
    verbund__rpc__v1__caller__init(&s_member);
    s_member.id = s_person;
    s_member.role = VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
    s_member.person_id = s_person;
    verbund__rpc__v1__caller__init(&s_staff);
    s_staff.id = (char *)"faults-staff";
    s_staff.role = VERBUND__RPC__V1__ROLE__ROLE_STAFF;
    return 0;
}

/* rpc.Ping, a read and a write all answer as they should. */
static void
s_assert_alive(vb_rpc_client_t *client)
{
    vb_rpc_call_options_t options = {.deadline_ms = 10000};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_call(client, "rpc.Ping", NULL, &options, &reply), VB_STATUS_OK);
    verbund__rpc__v1__reply__free_unpacked(reply, NULL);
    reply = NULL;
    Verbund__Communities__V1__CommunityListRequest list =
        VERBUND__COMMUNITIES__V1__COMMUNITY_LIST_REQUEST__INIT;
    list.limit = 1;
    options.caller = &s_staff;
    assert_int_equal(
        vb_rpc_client_call(client, "communities.CommunityList", &list.base, &options, &reply),
        VB_STATUS_OK);
    verbund__rpc__v1__reply__free_unpacked(reply, NULL);
}

/* Reads replies that arrived on the raw socket; every one must decode as a non-OK Reply. */
static int
s_drain(void *dealer, int wait_ms)
{
    int replies = 0;
    int64_t until = vb_test_now_ms() + wait_ms;
    while (vb_test_now_ms() < until) {
        zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 50) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, dealer, ZMQ_DONTWAIT) >= 0) {
            Verbund__Rpc__V1__Reply *reply =
                verbund__rpc__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            assert_non_null(reply);
            assert_int_not_equal(reply->status, VERBUND__RPC__V1__STATUS__STATUS_OK);
            assert_int_not_equal(reply->status, VERBUND__RPC__V1__STATUS__STATUS_CREATED);
            verbund__rpc__v1__reply__free_unpacked(reply, NULL);
            replies++;
        }
        zmq_msg_close(&msg);
    }
    return replies;
}

static void
test_garbage_frames_keep_the_service_answering(void **state)
{
    (void)state;
    vb_rpc_client_options_t client_options = {.endpoint = s_endpoint, .attempt_timeout_ms = 2000};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    assert_non_null(client);
    void *context = zmq_ctx_new();
    void *dealer = zmq_socket(context, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(dealer, s_endpoint), 0);

    /* 1. random single frames of 0..1024 bytes */
    uint8_t buffer[4096];
    for (int i = 0; i < 1000; i++) {
        size_t length = randombytes_uniform(1025);
        randombytes_buf(buffer, length);
        assert_true(zmq_send(dealer, buffer, length, 0) >= 0);
    }
    /* 2. random multi-part messages */
    for (int i = 0; i < 100; i++) {
        int parts = 2 + (int)randombytes_uniform(4);
        for (int p = 0; p < parts; p++) {
            size_t length = randombytes_uniform(64);
            randombytes_buf(buffer, length);
            assert_true(zmq_send(dealer, buffer, length, p + 1 < parts ? ZMQ_SNDMORE : 0) >= 0);
        }
    }
    /* 3. a real CommunityPropose envelope truncated at every length (the body is the last
     * field, so no cut leaves a complete request) */
    char purpose[64];
    snprintf(purpose, sizeof purpose, "garbage %s", s_person);
    Verbund__Communities__V1__Community community = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
    community.name = (char *)"Truncated Circle";
    community.purpose = purpose;
    community.kind = VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_PEER_CIRCLE;
    Verbund__Communities__V1__CommunityProposeRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    request.community = &community;
    uint8_t body[512];
    size_t body_length = verbund__communities__v1__community_propose_request__pack(&request, body);
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)"communities.CommunityPropose";
    envelope.request_id = (char *)"garbage-1";
    envelope.caller = &s_member;
    envelope.idempotency_key = (char *)"garbage-key";
    envelope.body.data = body;
    envelope.body.len = body_length;
    size_t packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    /* the whole envelope minus at least its last byte: never a complete request */
    for (size_t cut = 0; cut + 1 < packed_length; cut++)
        assert_true(zmq_send(dealer, buffer, cut, 0) >= 0);
    /* 4. a well-formed envelope with a garbage body, and an unknown method */
    uint8_t junk[64];
    randombytes_buf(junk, sizeof junk);
    junk[0] = 0xff; /* field 31, wire type 7: never valid protobuf */
    envelope.body.data = junk;
    envelope.body.len = sizeof junk;
    envelope.idempotency_key = (char *)"";
    packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    assert_true(zmq_send(dealer, buffer, packed_length, 0) >= 0);
    envelope.method = (char *)"communities.DropAllTables";
    envelope.body.len = 0;
    packed_length = verbund__rpc__v1__envelope__pack(&envelope, buffer);
    assert_true(zmq_send(dealer, buffer, packed_length, 0) >= 0);

    s_assert_alive(client);
    int replies = s_drain(dealer, 500);
    /* at least the garbage body and the unknown method were answered, both with errors */
    assert_true(replies >= 2);

    /* 5. oversized: a frame above ZMQ_MAXMSGSIZE (4 MiB) makes libzmq drop that connection */
    void *big = zmq_socket(context, ZMQ_DEALER);
    zmq_setsockopt(big, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(big, s_endpoint), 0);
    size_t huge_length = 5u * 1024 * 1024;
    uint8_t *huge = malloc(huge_length);
    assert_non_null(huge);
    memset(huge, 'A', huge_length);
    assert_true(zmq_send(big, huge, huge_length, 0) >= 0);
    free(huge);
    s_assert_alive(client);
    zmq_close(big);

    /* the service still writes: a real proposal succeeds */
    community.purpose = (char *)"after the garbage";
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_member, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(
        vb_rpc_client_call(client, "communities.CommunityPropose", &request.base, &options, &reply),
        VB_STATUS_CREATED);
    verbund__rpc__v1__reply__free_unpacked(reply, NULL);
    zmq_close(dealer);
    zmq_ctx_term(context);
    vb_rpc_client_destroy(&client);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_frames_keep_the_service_answering),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
