/* vb_test_stream.c - stream.Head against the node fixture's stream service. */
#include "vb_test_stream.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/rpc_client.h"
#include "vb_test_node.h"

uint64_t
vb_test_stream_start(void)
{
    const char *endpoint = vb_test_env("VERBUND_STREAM_REPLAY_ENDPOINT");
    assert_non_null(endpoint);
    vb_rpc_client_options_t options = {.endpoint = endpoint, .attempt_timeout_ms = 2000};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = "test";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_ADMIN;
    vb_rpc_call_options_t call = {.caller = &caller};
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_call(client, "stream.Head", &request.base, &call, &reply),
                     VB_STATUS_OK);
    Verbund__Stream__V1__HeadReply *head = (Verbund__Stream__V1__HeadReply *)vb_rpc_reply_unpack(
        reply, &verbund__stream__v1__head_reply__descriptor);
    assert_non_null(head);
    uint64_t oldest = head->oldest_sequence;
    protobuf_c_message_free_unpacked(&head->base, NULL);
    vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
    return oldest > 0 ? oldest - 1 : 0;
}
