/* test_status.c - unit tests of vb/status.h: the HTTP mapping, names and titles of every status.
 * Does not: test the wire enum (the generated code owns it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vb/status.h"
#include "verbund/rpc/v1/rpc.pb-c.h"

/* Usage: a handler returns a status; the gateway answers with its HTTP code and title. */
static void
test_status_usage_example(void **state)
{
    (void) state;
    vb_status_t status = VB_STATUS_CONFLICT;
    assert_false(vb_status_is_success(status));
    assert_int_equal(vb_status_http(status), 409);
    assert_string_equal(vb_status_name(status), "conflict");
    assert_string_equal(vb_status_title(status), "Conflict");
}

static const struct {
    vb_status_t status;
    int http;
    const char *name;
    const char *title;
    int success;
} s_expected[] = {
    {VB_STATUS_OK, 200, "ok", "OK", 1},
    {VB_STATUS_CREATED, 201, "created", "Created", 1},
    {VB_STATUS_BAD_REQUEST, 400, "bad_request", "Bad Request", 0},
    {VB_STATUS_UNAUTHENTICATED, 401, "unauthenticated", "Unauthorized", 0},
    {VB_STATUS_FORBIDDEN, 403, "forbidden", "Forbidden", 0},
    {VB_STATUS_NOT_FOUND, 404, "not_found", "Not Found", 0},
    {VB_STATUS_CONFLICT, 409, "conflict", "Conflict", 0},
    {VB_STATUS_PAYLOAD_TOO_LARGE, 413, "payload_too_large", "Content Too Large", 0},
    {VB_STATUS_UNPROCESSABLE, 422, "unprocessable", "Unprocessable Content", 0},
    {VB_STATUS_INTERNAL, 500, "internal", "Internal Server Error", 0},
    {VB_STATUS_UNAVAILABLE, 503, "unavailable", "Service Unavailable", 0},
    {VB_STATUS_DEADLINE_EXCEEDED, 504, "deadline_exceeded", "Gateway Timeout", 0},
    {VB_STATUS_UNKNOWN_METHOD, 404, "unknown_method", "Not Found", 0},
    {VB_STATUS_SNAPSHOT_REQUIRED, 410, "snapshot_required", "Gone", 0},
};

static void
test_status_table(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof(s_expected) / sizeof(s_expected[0]); i++) {
        vb_status_t status = s_expected[i].status;
        assert_int_equal(vb_status_http(status), s_expected[i].http);
        assert_string_equal(vb_status_name(status), s_expected[i].name);
        assert_string_equal(vb_status_title(status), s_expected[i].title);
        assert_int_equal(vb_status_is_success(status), s_expected[i].success);
    }
}

static void
test_status_out_of_range_is_internal(void **state)
{
    (void) state;
    static const int values[] = {0, -1, 15, 1000};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        vb_status_t status = (vb_status_t) values[i];
        assert_int_equal(vb_status_http(status), 500);
        assert_string_equal(vb_status_name(status), "internal");
        assert_false(vb_status_is_success(status));
    }
}

static void
test_status_names_unique_and_match_wire(void **state)
{
    (void) state;
    size_t count = sizeof(s_expected) / sizeof(s_expected[0]);
    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++)
            assert_string_not_equal(vb_status_name(s_expected[i].status),
                                    vb_status_name(s_expected[j].status));
        /* Each value exists on the wire enum (values equal verbund.rpc.v1.Status). */
        const ProtobufCEnumValue *wire = protobuf_c_enum_descriptor_get_value(
            &verbund__rpc__v1__status__descriptor, (int) s_expected[i].status);
        if (!wire)
            fail_msg("status %d is not a value of verbund.rpc.v1.Status", s_expected[i].status);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_usage_example),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_status_out_of_range_is_internal),
        cmocka_unit_test(test_status_names_unique_and_match_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
