/* vb_test_rpc.c - see vb_test_rpc.h. */
#include "vb_test_rpc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb_test_node.h"

static vb_rpc_client_t *s_client;
static int s_deadline_ms;
static Verbund__Rpc__V1__Reply *s_last;
static ProtobufCMessage **s_kept;
static size_t s_kept_count, s_kept_capacity;

vb_rpc_client_t *
vb_test_rpc_open(const char *env_key, int attempt_timeout_ms, int deadline_ms)
{
    const char *endpoint = vb_test_env(env_key);
    if (!endpoint) {
        print_error("%s unknown: run under the node fixture\n", env_key);
        return NULL;
    }
    vb_rpc_client_options_t options = {.endpoint = endpoint,
                                       .attempt_timeout_ms = attempt_timeout_ms};
    s_client = vb_rpc_client_new(&options);
    s_deadline_ms = deadline_ms;
    return s_client;
}

static void
s_free_last(void)
{
    if (s_last)
        vb_rpc_reply_free(s_last);
    s_last = NULL;
}

void
vb_test_rpc_close(void)
{
    s_free_last();
    vb_test_rpc_free_kept(NULL);
    free(s_kept);
    s_kept = NULL;
    s_kept_capacity = 0;
    vb_rpc_client_destroy(&s_client);
}

vb_status_t
vb_test_rpc_call_owned(vb_rpc_client_t *client, const char *method, const void *request,
                       const vb_rpc_call_options_t *options, const ProtobufCMessageDescriptor *type,
                       void *out)
{
    s_free_last();
    vb_status_t status = vb_rpc_client_call(client, method, request, options, &s_last);
    if (out)
        *(void **)out = NULL;
    if (s_last && type && out && (status == VB_STATUS_OK || status == VB_STATUS_CREATED)) {
        *(void **)out = vb_rpc_reply_unpack(s_last, type);
        assert_non_null(*(void **)out);
    }
    return status;
}

vb_status_t
vb_test_rpc_call_key(const char *method, const void *request, const vb_test_caller_t *caller,
                     const char *key, bool write, const ProtobufCMessageDescriptor *type, void *out)
{
    vb_rpc_call_options_t options = {
        .deadline_ms = s_deadline_ms, .caller = caller, .idempotency_key = key, .write = write};
    vb_status_t status = vb_test_rpc_call_owned(s_client, method, request, &options, type, out);
    if (out && *(void **)out)
        vb_test_rpc_keep(*(ProtobufCMessage **)out);
    return status;
}

vb_status_t
vb_test_rpc_call(const char *method, const void *request, const vb_test_caller_t *caller,
                 bool write, const ProtobufCMessageDescriptor *type, void *out)
{
    return vb_test_rpc_call_key(method, request, caller, NULL, write, type, out);
}

void *
vb_test_rpc_keep(ProtobufCMessage *message)
{
    if (s_kept_count == s_kept_capacity) {
        size_t capacity = s_kept_capacity ? 2 * s_kept_capacity : 256;
        ProtobufCMessage **kept = realloc(s_kept, capacity * sizeof *kept);
        assert_non_null(kept);
        s_kept = kept;
        s_kept_capacity = capacity;
    }
    s_kept[s_kept_count++] = message;
    return message;
}

int
vb_test_rpc_free_kept(void **state)
{
    (void)state;
    for (size_t i = 0; i < s_kept_count; i++)
        protobuf_c_message_free_unpacked(s_kept[i], NULL);
    s_kept_count = 0;
    return 0;
}

const Verbund__Rpc__V1__Reply *
vb_test_rpc_last(void)
{
    return s_last;
}

const char *
vb_test_rpc_message(void)
{
    return s_last ? s_last->message : "no reply";
}

bool
vb_test_rpc_has_field_error(const char *field)
{
    for (size_t i = 0; s_last && i < s_last->n_field_errors; i++)
        if (strcmp(s_last->field_errors[i]->field, field) == 0)
            return true;
    return false;
}
