/* test_handler.c - unit tests of vb/handler.h and vb/cursor.h on calls built in memory (an
 * envelope, an arena; no socket): cursor round trips and refusal of garbage and tampered
 * cursors, page size rules, the next page's cursor, the authorisation policies for every role,
 * id and reason checks, validation errors as field errors, store failures as replies.
 * Does not: run a server or touch PostgreSQL (vb_handler_emit needs an outbox; the services'
 * integration tests cover it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/cursor.h"
#include "vb/handler.h"
#include "vb/ids.h"

/* A call as the RPC layer would hand it to a handler, from a caller with role and person. */
typedef struct {
    Verbund__Rpc__V1__Caller caller;
    Verbund__Rpc__V1__Envelope envelope;
    vb_rpc_call_t call;
} s_fake_t;

static void
s_fake_init(s_fake_t *fake, Verbund__Rpc__V1__Role role, const char *person_id)
{
    memset(fake, 0, sizeof *fake);
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    fake->caller = caller;
    fake->envelope = envelope;
    fake->caller.id = (char *)"test";
    fake->caller.role = role;
    fake->caller.person_id = (char *)(person_id ? person_id : "");
    fake->envelope.caller = role == VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED ? NULL : &fake->caller;
    fake->call.envelope = &fake->envelope;
    fake->call.arena = vb_arena_new();
    assert_non_null(fake->call.arena);
}

static void
s_fake_destroy(s_fake_t *fake)
{
    vb_arena_destroy(&fake->call.arena);
}

/* Asserts the call failed with status and (when field is set) has a field error there. */
static void
s_assert_failed(const vb_rpc_call_t *call, vb_status_t status, const char *field)
{
    if (call->status != status)
        fail_msg("status %s, expected %s (%s)", vb_status_name(call->status),
                 vb_status_name(status), call->message ? call->message : "no message");
    if (!field)
        return;
    for (size_t i = 0; i < call->field_error_count; i++)
        if (strcmp(call->field_errors[i]->field, field) == 0)
            return;
    fail_msg("expected a field error at %s", field);
}

/* Usage: a list handler checks limit and cursor, fetches limit + 1 rows after the cursor's id,
 * and answers with the next page's cursor, which decodes to the last id of the page. */
static void
test_handler_usage_example(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, VERBUND__RPC__V1__ROLE__ROLE_MEMBER, NULL);
    int limit = 0;
    const char *after = NULL;
    assert_int_equal(vb_handler_authorize(&fake.call, VB_HANDLER_AUTHENTICATED, NULL),
                     VB_STATUS_OK);
    assert_int_equal(vb_handler_limit(&fake.call, 2, &limit), 0);
    assert_int_equal(vb_handler_cursor(&fake.call, "", &after), 0);
    assert_null(after); /* the first page */

    char ids[3][VB_UUID_STRING_SIZE];
    for (int i = 0; i < 3; i++)
        vb_uuid7(ids[i]);
    size_t count = 3; /* limit + 1 rows came back: there is another page */
    char *next = vb_handler_next_cursor(&fake.call, &count, limit, ids[1]);
    assert_int_equal(count, 2);
    assert_true(next[0]);
    assert_int_equal(vb_handler_cursor(&fake.call, next, &after), 0);
    assert_string_equal(after, ids[1]);

    count = 1; /* the last page */
    assert_string_equal(vb_handler_next_cursor(&fake.call, &count, limit, NULL), "");
    assert_int_equal(count, 1);
    s_fake_destroy(&fake);
}

static void
test_cursor_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        char id[VB_UUID_STRING_SIZE], back[VB_UUID_STRING_SIZE], cursor[VB_CURSOR_SIZE];
        vb_uuid7(id);
        assert_int_equal(vb_cursor_encode(id, cursor), 0);
        assert_int_equal(strlen(cursor), VB_CURSOR_SIZE - 1);
        assert_null(strpbrk(cursor, "+/=")); /* URL-safe: goes into a query string as is */
        assert_int_equal(vb_cursor_decode(cursor, back), 0);
        assert_string_equal(back, id);
    }
    char cursor[VB_CURSOR_SIZE], back[VB_UUID_STRING_SIZE];
    /* upper case decodes to the canonical lower-case form; any UUID version pages */
    assert_int_equal(vb_cursor_encode("0190A0B1-C2D3-7E4F-8A5B-6C7D8E9FA0B1", cursor), 0);
    assert_int_equal(vb_cursor_decode(cursor, back), 0);
    assert_string_equal(back, "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9fa0b1");
    assert_int_equal(vb_cursor_encode("2f1e5a9c-3b6d-4c1e-9a7b-5d4c3b2a1f0e", cursor), 0);
    assert_int_equal(vb_cursor_decode(cursor, back), 0);
    assert_string_equal(back, "2f1e5a9c-3b6d-4c1e-9a7b-5d4c3b2a1f0e");
    /* not UUIDs */
    assert_int_equal(vb_cursor_encode("nope", cursor), -1);
    assert_int_equal(vb_cursor_encode(NULL, cursor), -1);
    assert_int_equal(vb_cursor_encode("0190a0b1-c2d3-7e4f-8a5b-6c7d8e9fa0b", cursor), -1);
}

static void
test_cursor_refuses_garbage(void **state)
{
    (void)state;
    char back[VB_UUID_STRING_SIZE];
    static const char *const bad[] = {
        "",
        "abc",
        "not-a-cursor",
        "AAAAAAAAAAAAAAAAAAAAAAAA",  /* right length, format byte 0 */
        "AAAAAAAAAAAAAAAAAAAAAAA",   /* one short */
        "AAAAAAAAAAAAAAAAAAAAAAAAA", /* one long */
        "AAAAAAAAAAAAAAAAAAAAAA+/",  /* not base64url */
        "'; DROP TABLE x; --xxxxxx",
        "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9fa0b1", /* a bare id is not a cursor */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (vb_cursor_decode(bad[i], back) == 0)
            fail_msg("cursor '%s' should be refused", bad[i]);
    assert_int_equal(vb_cursor_decode(NULL, back), -1);
}

/* Changing any one character of a cursor makes it one the check byte refuses (or, for the
 * last character's unused bits, the same cursor): nobody pages from a mistyped position. */
static void
test_cursor_refuses_tampering(void **state)
{
    (void)state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char id[VB_UUID_STRING_SIZE], cursor[VB_CURSOR_SIZE], back[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    assert_int_equal(vb_cursor_encode(id, cursor), 0);
    int accepted = 0, tried = 0;
    for (size_t position = 0; position < VB_CURSOR_SIZE - 1; position++) {
        for (size_t a = 0; a < sizeof alphabet - 1; a++) {
            char tampered[VB_CURSOR_SIZE];
            memcpy(tampered, cursor, sizeof tampered);
            if (tampered[position] == alphabet[a])
                continue;
            tampered[position] = alphabet[a];
            tried++;
            if (vb_cursor_decode(tampered, back) == 0) {
                accepted++;
                assert_string_not_equal(back, id);
            }
        }
    }
    /* one check byte: about 1 in 256 changes slips through */
    if (accepted * 64 > tried)
        fail_msg("%d of %d tampered cursors were accepted", accepted, tried);
}

static void
test_limit_rules(void **state)
{
    (void)state;
    static const struct {
        int32_t limit; /* as requested */
        int rc;        /* vb_handler_limit's result */
        int out;       /* the page size when rc is 0 */
    } cases[] = {
        {0, 0, VB_HANDLER_DEFAULT_LIMIT}, /* none given: the default */
        {1, 0, 1},
        {VB_HANDLER_MAX_LIMIT, 0, VB_HANDLER_MAX_LIMIT},
        {VB_HANDLER_MAX_LIMIT + 1, -1, 0},
        {-1, -1, 0},
        {INT32_MIN, -1, 0},
        {INT32_MAX, -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fake_t fake;
        s_fake_init(&fake, VERBUND__RPC__V1__ROLE__ROLE_ADMIN, NULL);
        int out = -7;
        assert_int_equal(vb_handler_limit(&fake.call, cases[i].limit, &out), cases[i].rc);
        if (cases[i].rc == 0) {
            assert_int_equal(out, cases[i].out);
            assert_int_equal(fake.call.field_error_count, 0);
        } else {
            s_assert_failed(&fake.call, VB_STATUS_BAD_REQUEST, "limit");
        }
        s_fake_destroy(&fake);
    }
}

static void
test_cursor_field(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, VERBUND__RPC__V1__ROLE__ROLE_ADMIN, NULL);
    const char *after = "unchanged";
    assert_int_equal(vb_handler_cursor(&fake.call, NULL, &after), 0);
    assert_null(after);
    assert_int_equal(vb_handler_cursor(&fake.call, "not-a-cursor", &after), -1);
    assert_null(after);
    s_assert_failed(&fake.call, VB_STATUS_BAD_REQUEST, "cursor");
    s_fake_destroy(&fake);
}

#define S_NONE VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED
#define S_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define S_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define S_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define S_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE
#define S_ME "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9fa0b1"
#define S_OTHER "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9fa0b2"

/* Every policy against every kind of caller. */
static void
test_authorize_policies(void **state)
{
    (void)state;
    static const struct {
        vb_handler_policy_t policy;
        Verbund__Rpc__V1__Role role;
        const char *acted_on; /* the person acted on (SELF) */
        vb_status_t expected;
    } cases[] = {
        /* anyone: even without a caller */
        {VB_HANDLER_ANYONE, S_NONE, NULL, VB_STATUS_OK},
        {VB_HANDLER_ANYONE, S_MEMBER, NULL, VB_STATUS_OK},
        /* authenticated: any known role */
        {VB_HANDLER_AUTHENTICATED, S_NONE, NULL, VB_STATUS_UNAUTHENTICATED},
        {VB_HANDLER_AUTHENTICATED, (Verbund__Rpc__V1__Role)99, NULL, VB_STATUS_UNAUTHENTICATED},
        {VB_HANDLER_AUTHENTICATED, S_MEMBER, NULL, VB_STATUS_OK},
        {VB_HANDLER_AUTHENTICATED, S_SERVICE, NULL, VB_STATUS_OK},
        /* self: staff roles, or the member on its own person */
        {VB_HANDLER_SELF, S_NONE, S_ME, VB_STATUS_UNAUTHENTICATED},
        {VB_HANDLER_SELF, S_MEMBER, S_ME, VB_STATUS_OK},
        {VB_HANDLER_SELF, S_MEMBER, S_OTHER, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_SELF, S_MEMBER, "", VB_STATUS_FORBIDDEN},
        {VB_HANDLER_SELF, S_MEMBER, NULL, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_SELF, S_STAFF, S_OTHER, VB_STATUS_OK},
        {VB_HANDLER_SELF, S_SERVICE, S_OTHER, VB_STATUS_OK},
        /* staff: admin, staff, service */
        {VB_HANDLER_STAFF, S_NONE, NULL, VB_STATUS_UNAUTHENTICATED},
        {VB_HANDLER_STAFF, S_MEMBER, NULL, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_STAFF, S_STAFF, NULL, VB_STATUS_OK},
        {VB_HANDLER_STAFF, S_ADMIN, NULL, VB_STATUS_OK},
        {VB_HANDLER_STAFF, S_SERVICE, NULL, VB_STATUS_OK},
        /* admin only */
        {VB_HANDLER_ADMIN, S_NONE, NULL, VB_STATUS_UNAUTHENTICATED},
        {VB_HANDLER_ADMIN, S_MEMBER, NULL, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_ADMIN, S_STAFF, NULL, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_ADMIN, S_SERVICE, NULL, VB_STATUS_FORBIDDEN},
        {VB_HANDLER_ADMIN, S_ADMIN, NULL, VB_STATUS_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fake_t fake;
        s_fake_init(&fake, cases[i].role, S_ME);
        vb_status_t status = vb_handler_authorize(&fake.call, cases[i].policy, cases[i].acted_on);
        if (status != cases[i].expected)
            fail_msg("case %zu: %s, expected %s", i, vb_status_name(status),
                     vb_status_name(cases[i].expected));
        if (status != VB_STATUS_OK) {
            assert_int_equal(fake.call.status, status);
            assert_non_null(fake.call.message);
        }
        s_fake_destroy(&fake);
    }
}

static void
test_caller(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, S_NONE, NULL);
    assert_int_equal(vb_handler_role(&fake.call), S_NONE);
    assert_string_equal(vb_handler_caller_person(&fake.call), "");
    assert_false(vb_handler_is_authenticated(&fake.call));
    s_fake_destroy(&fake);
    s_fake_init(&fake, S_MEMBER, S_ME);
    assert_string_equal(vb_handler_caller_person(&fake.call), S_ME);
    assert_true(vb_handler_is_authenticated(&fake.call));
    assert_false(vb_handler_is_staff(&fake.call));
    s_fake_destroy(&fake);
    s_fake_init(&fake, S_SERVICE, NULL);
    assert_true(vb_handler_is_staff(&fake.call));
    s_fake_destroy(&fake);
}

static void
test_check_id_and_reason(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, S_ADMIN, NULL);
    assert_int_equal(vb_handler_check_id(&fake.call, "id", S_ME), VB_STATUS_OK);
    assert_int_equal(vb_handler_check_optional_id(&fake.call, "id", ""), VB_STATUS_OK);
    assert_int_equal(vb_handler_check_optional_id(&fake.call, "id", NULL), VB_STATUS_OK);
    assert_int_equal(vb_handler_check_reason(&fake.call, NULL), VB_STATUS_OK);
    assert_int_equal(vb_handler_check_reason(&fake.call, "Art. 17 GDPR\nper Brief"), VB_STATUS_OK);
    assert_int_equal(vb_handler_check_reason(&fake.call, "Grüße"), VB_STATUS_OK);
    assert_int_equal(fake.call.field_error_count, 0);
    assert_int_equal(vb_handler_check_id(&fake.call, "person_id", "nope"), VB_STATUS_BAD_REQUEST);
    s_assert_failed(&fake.call, VB_STATUS_BAD_REQUEST, "person_id");
    s_fake_destroy(&fake);

    char *long_reason = malloc(VB_HANDLER_REASON_MAX + 2);
    assert_non_null(long_reason);
    memset(long_reason, 'x', VB_HANDLER_REASON_MAX + 1);
    long_reason[VB_HANDLER_REASON_MAX + 1] = '\0';
    const char *bad[] = {"\xff", "bell\a", "\xc0\xaf" /* overlong */, long_reason};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fake_init(&fake, S_ADMIN, NULL);
        assert_int_equal(vb_handler_check_reason(&fake.call, bad[i]), VB_STATUS_UNPROCESSABLE);
        s_assert_failed(&fake.call, VB_STATUS_UNPROCESSABLE, "reason");
        s_fake_destroy(&fake);
    }
    long_reason[VB_HANDLER_REASON_MAX] = '\0';
    s_fake_init(&fake, S_ADMIN, NULL);
    assert_int_equal(vb_handler_check_reason(&fake.call, long_reason), VB_STATUS_OK);
    s_fake_destroy(&fake);
    free(long_reason);
}

static void
test_errors_become_field_errors(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, S_ADMIN, NULL);
    vb_handler_errors_t errors = {0};
    assert_int_equal(
        vb_handler_check_errors(&fake.call, &errors, VB_STATUS_UNPROCESSABLE, "person"),
        VB_STATUS_OK);
    for (int i = 0; i < VB_HANDLER_MAX_FIELD_ERRORS + 3; i++)
        vb_handler_errors_add(&errors, "person.languages", "entry %d is unknown", i);
    assert_int_equal(errors.count, VB_HANDLER_MAX_FIELD_ERRORS + 3);
    assert_int_equal(
        vb_handler_check_errors(&fake.call, &errors, VB_STATUS_UNPROCESSABLE, "person"),
        VB_STATUS_UNPROCESSABLE);
    assert_int_equal(fake.call.field_error_count, VB_HANDLER_MAX_FIELD_ERRORS); /* kept ones */
    assert_string_equal(fake.call.field_errors[1]->message, "entry 1 is unknown");
    assert_string_equal(fake.call.message, "person is not valid (35 field errors)");
    s_fake_destroy(&fake);
}

static void
test_store_failed(void **state)
{
    (void)state;
    static const struct {
        vb_status_t store;   /* what the store returned */
        vb_status_t replied; /* what the caller gets */
        const char *message;
    } cases[] = {
        {VB_STATUS_UNAVAILABLE, VB_STATUS_UNAVAILABLE,
         "database unavailable while reading the person; retry"},
        {VB_STATUS_CONFLICT, VB_STATUS_CONFLICT,
         "refused by the database while reading the person"},
        {VB_STATUS_NOT_FOUND, VB_STATUS_NOT_FOUND, "not found while reading the person"},
        {VB_STATUS_INTERNAL, VB_STATUS_INTERNAL, "internal error while reading the person"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fake_t fake;
        s_fake_init(&fake, S_ADMIN, NULL);
        assert_int_equal(
            vb_handler_store_failed(&fake.call, NULL, cases[i].store, "reading the person"),
            cases[i].replied);
        assert_string_equal(fake.call.message, cases[i].message);
        s_fake_destroy(&fake);
    }
}

static void
test_time_text(void **state)
{
    (void)state;
    s_fake_t fake;
    s_fake_init(&fake, S_ADMIN, NULL);
    char *today = NULL;
    char *text = vb_handler_time(&fake.call, INT64_C(1795680000) * 1000000, &today);
    assert_string_equal(today, "2026-11-26");
    assert_int_equal(strncmp(text, "2026-11-26T", 11), 0);
    assert_true(text[strlen(text) - 1] == 'Z');
    assert_int_equal(strlen(vb_handler_now(&fake.call, NULL)), strlen(text));
    s_fake_destroy(&fake);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handler_usage_example),
        cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_cursor_refuses_garbage),
        cmocka_unit_test(test_cursor_refuses_tampering),
        cmocka_unit_test(test_limit_rules),
        cmocka_unit_test(test_cursor_field),
        cmocka_unit_test(test_authorize_policies),
        cmocka_unit_test(test_caller),
        cmocka_unit_test(test_check_id_and_reason),
        cmocka_unit_test(test_errors_become_field_errors),
        cmocka_unit_test(test_store_failed),
        cmocka_unit_test(test_time_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
