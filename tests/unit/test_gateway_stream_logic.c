/* test_gateway_stream_logic.c - unit tests of the pure parts of the gateway's event stream
 * endpoints: after / limit / timeout / topic and Last-Event-ID parsing, a token's topic rules,
 * the CloudEvents JSON batch, Server-Sent Events text and the resume position.
 * Does not: start the gateway (tests/integration/test_gateway_stream.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway_routes.h"
#include "gateway_stream.h"
#include "vb/arena.h"
#include "vb/cloudevent.h"

#define ROLE_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define ROLE_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

static bool
s_has_error(const vb_json_errors_t *errors, const char *field)
{
    for (int i = 0; i < errors->count && i < VB_JSON_MAX_ERRORS; i++)
        if (strcmp(errors->items[i].field, field) == 0)
            return true;
    return false;
}

/* Parses a query given as {key, value, key, value, ..., NULL}. */
static int
s_parse(const char *const *pairs, const char *last_event_id, bool sse,
        gateway_stream_params_t *params, vb_json_errors_t *errors)
{
    gateway_query_t query[40] = {{0}};
    size_t count = 0;
    for (size_t i = 0; pairs && pairs[i] && count < 40; i += 2) {
        query[count].key = pairs[i];
        query[count].value = pairs[i + 1];
        count++;
    }
    memset(errors, 0, sizeof(*errors));
    return gateway_stream_params_parse(query, count, last_event_id, sse, params, errors);
}

static void
test_params_valid(void **state)
{
    (void)state;
    gateway_stream_params_t params;
    vb_json_errors_t errors;
    assert_int_equal(s_parse(NULL, NULL, false, &params, &errors), 0);
    assert_true(params.after == 0 && params.limit == 0 && params.timeout_s == 0);
    assert_int_equal(params.topic_count, 0);
    assert_true(params.from_oldest); /* no position named: start at the oldest retained */
    const char *const zero[] = {"after", "0", NULL};
    assert_int_equal(s_parse(zero, NULL, false, &params, &errors), 0);
    assert_false(params.from_oldest); /* an explicit 0 may get 410 */
    assert_int_equal(s_parse(NULL, "3", true, &params, &errors), 0);
    assert_false(params.from_oldest);
    assert_true(params.after == 3);

    const char *const all[] = {"after",   "18446744073709551615",
                               "limit",   "5000",
                               "timeout", "30",
                               "topic",   "verbund.membership.person.",
                               "topic",   "verbund.membership.organization.",
                               NULL};
    assert_int_equal(s_parse(all, NULL, false, &params, &errors), 0);
    assert_true(params.after == UINT64_MAX);
    assert_int_equal(params.limit, 5000);
    assert_int_equal(params.timeout_s, 30);
    assert_int_equal(params.topic_count, 2);
    assert_string_equal(params.topics[1], "verbund.membership.organization.");

    /* SSE: Last-Event-ID wins over after. */
    const char *const after[] = {"after", "7", NULL};
    assert_int_equal(s_parse(after, "42", true, &params, &errors), 0);
    assert_true(params.after == 42);
    assert_int_equal(s_parse(after, NULL, true, &params, &errors), 0);
    assert_true(params.after == 7);
    /* The batch endpoint ignores Last-Event-ID. */
    assert_int_equal(s_parse(after, "42", false, &params, &errors), 0);
    assert_true(params.after == 7);
}

static void
test_params_invalid(void **state)
{
    (void)state;
    gateway_stream_params_t params;
    vb_json_errors_t errors;
    static const struct {
        const char *key;
        const char *value;
    } bad[] = {
        {"after", "-1"},   {"after", "abc"},       {"after", ""},
        {"after", " 5"},   {"after", "1e3"},       {"after", "18446744073709551616"},
        {"limit", "5001"}, {"limit", "-3"},        {"limit", "ten"},
        {"timeout", "31"}, {"timeout", "1.5"},     {"topic", ""},
        {"topic", "a b"},  {"topic", "verbund/x"}, {"cursor", "x"},
    };
    for (size_t i = 0; i < VB_ARRAY_SIZE(bad); i++) {
        const char *const pairs[] = {bad[i].key, bad[i].value, NULL};
        if (s_parse(pairs, NULL, false, &params, &errors) != -1)
            fail_msg("%s=%s was accepted", bad[i].key, bad[i].value);
        assert_true(s_has_error(&errors, bad[i].key));
    }
    /* Every wrong parameter is reported, not only the first. */
    const char *const two[] = {"after", "x", "limit", "y", NULL};
    assert_int_equal(s_parse(two, NULL, false, &params, &errors), -1);
    assert_true(s_has_error(&errors, "after") && s_has_error(&errors, "limit"));
    /* Repeated single parameters. */
    const char *const twice[] = {"after", "1", "after", "2", NULL};
    assert_int_equal(s_parse(twice, NULL, false, &params, &errors), -1);
    /* SSE has no timeout; a bad Last-Event-ID is an error. */
    const char *const timeout[] = {"timeout", "5", NULL};
    assert_int_equal(s_parse(timeout, NULL, true, &params, &errors), -1);
    assert_int_equal(s_parse(NULL, "last", true, &params, &errors), -1);
    assert_true(s_has_error(&errors, "Last-Event-ID"));
    /* Too many topics. */
    const char *many[2 * (GATEWAY_STREAM_MAX_TOPICS + 1) + 1];
    for (int i = 0; i < GATEWAY_STREAM_MAX_TOPICS + 1; i++) {
        many[2 * i] = "topic";
        many[2 * i + 1] = "verbund.";
    }
    many[2 * (GATEWAY_STREAM_MAX_TOPICS + 1)] = NULL;
    assert_int_equal(s_parse(many, NULL, false, &params, &errors), -1);
    char long_topic[GATEWAY_STREAM_TOPIC_MAX_LENGTH + 2];
    memset(long_topic, 'a', sizeof(long_topic) - 1);
    long_topic[sizeof(long_topic) - 1] = '\0';
    assert_false(gateway_stream_topic_valid(long_topic));
    long_topic[GATEWAY_STREAM_TOPIC_MAX_LENGTH] = '\0';
    assert_true(gateway_stream_topic_valid(long_topic));
}

static void
test_topics_allowed(void **state)
{
    (void)state;
    const char *detail = NULL;
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;

    /* A member without prefixes may not read the stream at all. */
    caller.role = ROLE_MEMBER;
    assert_int_equal(gateway_stream_topics_allowed(&caller, NULL, 0, &detail), VB_STATUS_FORBIDDEN);
    assert_non_null(detail);

    /* Admin and service tokens without prefixes may ask for anything. */
    const char *any[] = {"verbund.", "verbund.membership.person.created.v1"};
    caller.role = ROLE_ADMIN;
    assert_int_equal(gateway_stream_topics_allowed(&caller, any, 2, &detail), VB_STATUS_OK);
    caller.role = ROLE_SERVICE;
    assert_int_equal(gateway_stream_topics_allowed(&caller, NULL, 0, &detail), VB_STATUS_OK);

    /* With prefixes: only topics inside them (equal or narrower). */
    char *prefixes[] = {"verbund.membership.person.", "verbund.membership.organization."};
    caller.topic_prefixes = prefixes;
    caller.n_topic_prefixes = 2;
    for (int role = ROLE_ADMIN; role <= ROLE_SERVICE; role++) {
        caller.role = role;
        assert_int_equal(gateway_stream_topics_allowed(&caller, NULL, 0, &detail), VB_STATUS_OK);
        const char *inside[] = {"verbund.membership.person.", "verbund.membership.person.erased",
                                "verbund.membership.organization.created.v1"};
        assert_int_equal(gateway_stream_topics_allowed(&caller, inside, 3, &detail), VB_STATUS_OK);
        const char *broader[] = {"verbund.membership.person.", "verbund.membership."};
        assert_int_equal(gateway_stream_topics_allowed(&caller, broader, 2, &detail),
                         VB_STATUS_FORBIDDEN);
        const char *other[] = {"verbund.membership.membership.approved.v1"};
        assert_int_equal(gateway_stream_topics_allowed(&caller, other, 1, &detail),
                         VB_STATUS_FORBIDDEN);
        const char *near_miss[] = {"verbund.membership.person"}; /* lacks the final dot */
        assert_int_equal(gateway_stream_topics_allowed(&caller, near_miss, 1, &detail),
                         VB_STATUS_FORBIDDEN);
    }
}

/* A CloudEvent as the stream service sends it. */
static vb_cloudevent_t *
s_event(vb_arena_t *arena, uint64_t sequence, const char *type, const char *subject)
{
    static const uint8_t payload[] = {0x0a, 0x03, 'a', 'b', 'c'};
    vb_cloudevent_fields_t fields = {
        .id = "018f2c1e-0000-7000-8000-000000000001",
        .source = "//verbund/local/membership",
        .type = type,
        .subject = subject,
        .time_unix_us = 1700000000123456,
        .sequence = sequence,
        .dataschema = "verbund.test.Unknown",
        .data = payload,
        .data_length = sizeof(payload),
    };
    return vb_cloudevent_build(arena, &fields);
}

static void
test_batch_and_sse(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    assert_non_null(arena);
    Verbund__Stream__V1__ReadReply reply = VERBUND__STREAM__V1__READ_REPLY__INIT;
    vb_cloudevent_t *events[2] = {
        s_event(arena, 41, "verbund.membership.person.created.v1", "p-1"),
        s_event(arena, 44, "verbund.membership.person.updated.v1", "p-1"),
    };

    /* Empty: an empty array. */
    json_t *batch = gateway_stream_batch_json(&reply);
    assert_non_null(batch);
    assert_true(json_is_array(batch));
    assert_int_equal(json_array_size(batch), 0);
    json_decref(batch);

    reply.events = events;
    reply.n_events = 2;
    batch = gateway_stream_batch_json(&reply);
    assert_int_equal(json_array_size(batch), 2);
    json_t *first = json_array_get(batch, 0);
    assert_string_equal(json_string_value(json_object_get(first, "specversion")), "1.0");
    assert_string_equal(json_string_value(json_object_get(first, "type")),
                        "verbund.membership.person.created.v1");
    assert_string_equal(json_string_value(json_object_get(first, "sequence")),
                        "00000000000000000041");
    assert_string_equal(json_string_value(json_object_get(json_array_get(batch, 1), "subject")),
                        "p-1");
    json_decref(batch);

    /* SSE: id = sequence, event = type, one data line with the JSON, blank line. */
    size_t length = 0;
    char *text = gateway_stream_sse_event(events[1], &length);
    assert_non_null(text);
    assert_int_equal(length, strlen(text));
    static const char head[] = "id: 44\nevent: verbund.membership.person.updated.v1\ndata: {";
    assert_memory_equal(text, head, strlen(head));
    assert_string_equal(text + length - 2, "\n\n");
    const char *data = strstr(text, "data: ") + 6;
    assert_ptr_equal(strchr(data, '\n'), text + length - 2); /* one data line */
    json_error_t error;
    json_t *parsed = json_loadb(data, (size_t)(text + length - 2 - data), 0, &error);
    assert_non_null(parsed);
    assert_string_equal(json_string_value(json_object_get(parsed, "sequence")),
                        "00000000000000000044");
    json_decref(parsed);
    free(text);

    /* Resume position: the larger of scanned_through and the last event, never backwards. */
    reply.scanned_through = 50;
    assert_true(gateway_stream_next_after(10, &reply) == 50);
    reply.scanned_through = 0;
    assert_true(gateway_stream_next_after(10, &reply) == 44);
    assert_true(gateway_stream_next_after(60, &reply) == 60);
    reply.n_events = 0;
    assert_true(gateway_stream_next_after(7, &reply) == 7);
    vb_arena_destroy(&arena);
}

/* The stream routes are in the table and need a token of at least member. */
static void
test_routes(void **state)
{
    (void)state;
    gateway_params_t params;
    bool known = false;
    const gateway_route_t *batch =
        gateway_route_match("GET", "/v1/stream", &params, &known, NULL, 0);
    const gateway_route_t *sse =
        gateway_route_match("GET", "/v1/stream/sse", &params, &known, NULL, 0);
    assert_non_null(batch);
    assert_non_null(sse);
    assert_true(batch->flags & GATEWAY_ROUTE_STREAM);
    assert_false(batch->flags & GATEWAY_ROUTE_SSE);
    assert_true((sse->flags & (GATEWAY_ROUTE_STREAM | GATEWAY_ROUTE_SSE)) ==
                (GATEWAY_ROUTE_STREAM | GATEWAY_ROUTE_SSE));
    assert_string_equal(batch->rpc_method, "stream.Read");
    char allow[32];
    assert_null(gateway_route_match("POST", "/v1/stream", &params, &known, allow, sizeof(allow)));
    assert_true(known);
    assert_string_equal(allow, "GET");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_valid),   cmocka_unit_test(test_params_invalid),
        cmocka_unit_test(test_topics_allowed), cmocka_unit_test(test_batch_and_sse),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
