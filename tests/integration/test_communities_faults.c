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
#include "vb_test_faults.h"
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
    vb_rpc_reply_free(reply);
    reply = NULL;
    Verbund__Communities__V1__CommunityListRequest list =
        VERBUND__COMMUNITIES__V1__COMMUNITY_LIST_REQUEST__INIT;
    list.limit = 1;
    options.caller = &s_staff;
    assert_int_equal(
        vb_rpc_client_call(client, "communities.CommunityList", &list.base, &options, &reply),
        VB_STATUS_OK);
    vb_rpc_reply_free(reply);
}

static void
test_garbage_frames_keep_the_service_answering(void **state)
{
    (void)state;
    vb_rpc_client_options_t client_options = {.endpoint = s_endpoint, .attempt_timeout_ms = 2000};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    assert_non_null(client);
    /* a CommunityPropose envelope to truncate (the body is the last field) */
    char purpose[64];
    snprintf(purpose, sizeof purpose, "garbage %s", s_person);
    Verbund__Communities__V1__Community community = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
    community.name = (char *)"Truncated Circle";
    community.purpose = purpose;
    community.kind = VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_PEER_CIRCLE;
    Verbund__Communities__V1__CommunityProposeRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    request.community = &community;
    vb_test_raw_t raw;
    vb_test_raw_open(&raw, s_endpoint);
    vb_test_garbage_t garbage = {.random_frames = 1000,
                                 .multipart_messages = 100,
                                 .method = "communities.CommunityPropose",
                                 .request = &request.base,
                                 .caller = &s_member,
                                 .idempotency_key = "garbage-key",
                                 .unknown_method = "communities.DropAllTables"};
    vb_test_send_garbage(&raw, &garbage);

    s_assert_alive(client);
    /* at least the garbage body and the unknown method were answered, both with errors */
    assert_true(vb_test_drain_error_replies(&raw, 500, false) >= 2);

    void *big = vb_test_send_oversized(&raw, s_endpoint, 1);
    s_assert_alive(client);
    zmq_close(big);

    /* the service still writes: a real proposal succeeds */
    community.purpose = (char *)"after the garbage";
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_member, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(
        vb_rpc_client_call(client, "communities.CommunityPropose", &request.base, &options, &reply),
        VB_STATUS_CREATED);
    vb_rpc_reply_free(reply);
    vb_test_raw_close(&raw);
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
