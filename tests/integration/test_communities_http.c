/* test_communities_http.c - the communities routes through the gateway's HTTP API with real
 * tokens: a member proposes, a member cannot approve (403 before the service), staff approve,
 * decline needs a reason (problem+json with the field), a non-member cannot read a private
 * community (404), join/duplicate join/leave/approve a pending member/role change with If-Match,
 * results, list filters in the query, JSON of the wrong type and unknown fields (400), a
 * repeated Idempotency-Key, and no token (401).
 * Does not: test every rule again (test_communities_rpc.c does over RPC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "vb_test_db.h"
#include "vb_test_http.h"
#include "vb_test_node.h"

#define PROBLEM_TYPE "https://verbund.example/problems/"

static const char *s_admin;
static char *s_alice, *s_bob, *s_carol;          /* member tokens */
static char *s_alice_id, *s_bob_id, *s_carol_id; /* their person ids */
static char s_tag[32];

#define assert_http(got, want)                                                                     \
    do {                                                                                           \
        long got_ = (got);                                                                         \
        if (got_ != (want))                                                                        \
            fail_msg("%s: HTTP %ld, expected %d; body: %s", #got, got_, (want),                    \
                     vb_test_http_body());                                                         \
    } while (0)

/* The last answer is an RFC 9457 problem of this status naming field (may be NULL). */
static void
s_assert_problem(const json_t *json, long status, const char *field)
{
    vb_test_assert_problem_json(json);
    assert_int_equal(json_integer_value(json_object_get(json, "status")), status);
    if (field && !vb_test_json_has_error(json, field))
        fail_msg("no error for %s in %s", field, vb_test_http_body());
}

static char *
s_person_create(const char *name)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\": \"%s\", \"email\": \"%s.%s@example.org\"}", name, name,
             s_tag);
    json_t *reply = NULL;
    assert_http(vb_test_http_call("POST", "/v1/persons", s_admin, body, NULL, &reply), 201);
    char *id = strdup(json_string_value(json_object_get(reply, "id")));
    json_decref(reply);
    return id;
}

static char *
s_token_create(const char *person_id)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"role\": \"member\", \"person_id\": \"%s\", \"label\": \"communities test\"}",
             person_id);
    json_t *reply = NULL;
    assert_http(vb_test_http_call("POST", "/v1/tokens", s_admin, body, NULL, &reply), 201);
    char *token = strdup(json_string_value(json_object_get(reply, "token")));
    json_decref(reply);
    return token;
}

static int
s_setup(void **state)
{
    (void)state;
    s_admin = vb_test_env("VB_TEST_ADMIN_TOKEN");
    if (!s_admin || !vb_test_http_url()) {
        fprintf(stderr, "test_communities_http: no node fixture (VB_TEST_NODE_DIR)\n");
        return -1;
    }
    int64_t deadline = vb_test_now_ms() + 20000;
    long status = 0;
    while (vb_test_now_ms() < deadline) {
        if (vb_test_http("GET", "/livez", NULL, NULL, NULL, &status, NULL) == 0 && status == 200)
            break;
        vb_test_pause_ms(100);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(s_tag, sizeof s_tag, "h%ld%06ld", (long)ts.tv_sec % 100000, (long)(ts.tv_nsec / 1000));
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    free(s_alice);
    free(s_bob);
    free(s_carol);
    free(s_alice_id);
    free(s_bob_id);
    free(s_carol_id);
    return 0;
}

/* Proposes as token; returns the id (caller frees). */
static char *
s_propose(const char *token, const char *extra_fields)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\": \"Peer-Circle %s\", \"purpose\": \"Peer-Calls\", \"kind\": "
             "\"peer_circle\", \"topics\": [\"fs.peer_learning\"], \"tags\": [\"P2P\"], "
             "\"region\": \"DE-NW\"%s}",
             s_tag, extra_fields ? extra_fields : "");
    json_t *reply = NULL;
    assert_http(vb_test_http_call("POST", "/v1/communities", token, body, NULL, &reply), 201);
    const char *id = json_string_value(json_object_get(reply, "id"));
    assert_non_null(id);
    char location[128];
    snprintf(location, sizeof location, "/v1/communities/%s", id);
    assert_non_null(vb_test_http_header("Location"));
    assert_string_equal(vb_test_http_header("Location"), location);
    assert_string_equal(json_string_value(json_object_get(reply, "status")), "proposed");
    char *copy = strdup(id);
    json_decref(reply);
    return copy;
}

/* "/v1/communities/<id><rest>", or with a person: "/v1/communities/<id>/members/<person><rest>"
 * (static buffer: one path per call). */
static char *
s_path(const char *id, const char *person, const char *rest)
{
    static char path[256];
    if (person)
        snprintf(path, sizeof path, "/v1/communities/%s/members/%s%s", id, person, rest);
    else
        snprintf(path, sizeof path, "/v1/communities/%s%s", id, rest);
    return path;
}

/* ---- tests ---- */

/* Usage: a member proposes, staff approve, another member reads and joins. */
static void
test_propose_approve_join(void **state)
{
    (void)state;
    s_alice_id = s_person_create("alice");
    s_bob_id = s_person_create("bob");
    s_carol_id = s_person_create("carol");
    s_alice = s_token_create(s_alice_id);
    s_bob = s_token_create(s_bob_id);
    s_carol = s_token_create(s_carol_id);

    char *id = s_propose(s_alice, NULL);
    json_t *json = NULL;
    /* a member cannot approve: the gateway stops it (staff route) */
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/approve"), s_bob, NULL, NULL, &json),
                403);
    s_assert_problem(json, 403, NULL);
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, ""), s_bob, NULL, NULL, &json), 404);
    json_decref(json);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/approve"), s_admin, NULL, NULL, &json),
                200);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    assert_int_equal(json_integer_value(json_object_get(json, "member_count")), 1);
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, ""), s_bob, NULL, NULL, &json), 200);
    assert_string_equal(json_string_value(json_object_get(json, "kind")), "peer_circle");
    assert_string_equal(vb_test_http_header("ETag"), "\"2\"");
    json_decref(json);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/members"), s_bob, NULL, NULL, &json),
                201);
    assert_string_equal(json_string_value(json_object_get(json, "person_id")), s_bob_id);
    assert_string_equal(json_string_value(json_object_get(json, "role")), "member");
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    json_decref(json);
    /* twice is a conflict */
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/members"), s_bob, "{}", NULL, &json),
                409);
    s_assert_problem(json, 409, NULL);
    json_decref(json);
    /* bob cannot remove alice; he can leave */
    assert_http(vb_test_http_call("DELETE", s_path(id, s_alice_id, ""), s_bob, NULL, NULL, &json),
                403);
    json_decref(json);
    assert_http(vb_test_http_call("DELETE", s_path(id, s_bob_id, "?reason=keine%20Zeit"), s_bob,
                                  NULL, NULL, &json),
                200);
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, "/members"), s_bob, NULL, NULL, &json),
                200);
    assert_int_equal(json_array_size(json_object_get(json, "items")), 1);
    json_decref(json);
    free(id);
}

static void
test_decline_and_bad_input(void **state)
{
    (void)state;
    char *id = s_propose(s_carol, NULL);
    json_t *json = NULL;
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/decline"), s_admin, NULL, NULL, &json),
                422);
    s_assert_problem(json, 422, "reason");
    json_decref(json);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/decline"), s_admin,
                                  "{\"reason\": \"passt zu einer bestehenden Community\"}", NULL,
                                  &json),
                200);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "declined");
    json_decref(json);
    free(id);

    static const struct {
        const char *body;
        int status;
        const char *field;
    } cases[] = {
        {"{\"name\": \"X\", \"kind\": \"choir\"}", 400, "community.kind"},
        {"{\"name\": \"X\", \"kind\": 5}", 400, "community.kind"},
        {"{\"name\": 17, \"kind\": \"community\"}", 400, "community.name"},
        {"{\"name\": \"X\", \"kind\": \"community\", \"capacity\": \"many\"}", 400,
         "community.capacity"},
        {"{\"name\": \"X\", \"kind\": \"community\", \"topics\": \"fs.agility\"}", 400,
         "community.topics"},
        {"{\"name\": \"X\", \"kind\": \"community\", \"colour\": \"red\"}", 400,
         "community.colour"},
        {"{\"name\": \"\", \"kind\": \"community\"}", 422, "community.name"},
        {"{\"name\": \"X\"}", 422, "community.kind"},
        {"{\"name\": \"X\", \"kind\": \"community\", \"topics\": [\"fs.nope\"]}", 422,
         "community.topics[0]"},
        {"[1, 2, 3]", 400, NULL},
        {"{\"name\": ", 400, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            vb_test_http_call("POST", "/v1/communities", s_alice, cases[i].body, NULL, &json),
            cases[i].status);
        const char *content_type = vb_test_http_header("Content-Type");
        if (!content_type || !strstr(content_type, "problem+json"))
            fail_msg("case %zu: not a problem: %s", i, vb_test_http_body());
        if (cases[i].field && !vb_test_json_has_error(json, cases[i].field))
            fail_msg("case %zu: no error for %s in %s", i, cases[i].field, vb_test_http_body());
        json_decref(json);
    }
    /* no body at all */
    assert_http(vb_test_http_call("POST", "/v1/communities", s_alice, NULL, NULL, &json), 400);
    json_decref(json);
    /* no token */
    assert_http(vb_test_http_call("GET", "/v1/communities", NULL, NULL, NULL, &json), 401);
    json_decref(json);
    /* query filters: unknown values and parameters */
    assert_http(vb_test_http_call("GET", "/v1/communities?kind=choir", s_alice, NULL, NULL, &json),
                400);
    json_decref(json);
    assert_http(vb_test_http_call("GET", "/v1/communities?colour=red", s_alice, NULL, NULL, &json),
                400);
    json_decref(json);
    assert_http(vb_test_http_call("GET", "/v1/communities?limit=abc", s_alice, NULL, NULL, &json),
                400);
    json_decref(json);
    assert_http(vb_test_http_call("GET", "/v1/communities/not-a-uuid", s_alice, NULL, NULL, &json),
                400);
    json_decref(json);
}

static void
test_private_pending_roles_results(void **state)
{
    (void)state;
    char *id = s_propose(s_alice, ", \"visibility\": \"private\", \"join_policy\": \"approval\"");
    json_t *json = NULL;
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/approve"), s_admin, "{}", NULL, &json),
                200);
    json_decref(json);
    /* not a member: the private community does not exist for bob */
    assert_http(vb_test_http_call("GET", s_path(id, NULL, ""), s_bob, NULL, NULL, &json), 404);
    s_assert_problem(json, 404, NULL);
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, "/results"), s_bob, NULL, NULL, &json),
                404);
    json_decref(json);
    /* the host invites bob as advisor: active at once */
    char body[128];
    snprintf(body, sizeof body, "{\"person_id\": \"%s\", \"role\": \"advisor\"}", s_bob_id);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/members"), s_alice, body, NULL, &json),
                201);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    json_decref(json);
    /* role change with If-Match: stale version 409, current 200 with a new ETag */
    assert_http(vb_test_http_call("PATCH", s_path(id, s_bob_id, ""), s_alice,
                                  "{\"role\": \"moderator\"}", "If-Match: \"5\"", &json),
                409);
    json_decref(json);
    assert_http(vb_test_http_call("PATCH", s_path(id, s_bob_id, ""), s_alice,
                                  "{\"role\": \"moderator\"}", "If-Match: \"1\"", &json),
                200);
    assert_string_equal(json_string_value(json_object_get(json, "role")), "moderator");
    assert_string_equal(vb_test_http_header("ETag"), "\"2\"");
    json_decref(json);
    /* a private community takes no requests from outside: for carol it does not exist */
    assert_http(vb_test_http_call("GET", s_path(id, NULL, ""), s_carol, NULL, NULL, &json), 404);
    json_decref(json);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/members"), s_carol, NULL, NULL, &json),
                404);
    json_decref(json);
    /* results: members publish; the list shows them to members */
    assert_http(vb_test_http_call(
                    "POST", s_path(id, NULL, "/results"), s_bob,
                    "{\"title\": \"Peer-Call 7\", \"summary\": \"Notizen\", \"links\": "
                    "[{\"url\": \"https://media.example/7.mp4\", \"label\": \"Aufzeichnung\", "
                    "\"kind\": \"recording\"}]}",
                    NULL, &json),
                201);
    assert_string_equal(json_string_value(json_object_get(json, "visibility")), "private");
    assert_string_equal(json_string_value(json_array_get(json_object_get(json, "author_ids"), 0)),
                        s_bob_id);
    json_decref(json);
    assert_http(
        vb_test_http_call("POST", s_path(id, NULL, "/results"), s_bob,
                          "{\"title\": \"X\", \"links\": [{\"url\": \"file:///etc/passwd\"}]}",
                          NULL, &json),
        422);
    s_assert_problem(json, 422, "result.links[0].url");
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, "/results"), s_bob, NULL, NULL, &json),
                200);
    assert_int_equal(json_array_size(json_object_get(json, "items")), 1);
    json_decref(json);
    /* the list filter by kind and topic finds it for bob (member), not for carol */
    assert_http(vb_test_http_call(
                    "GET", "/v1/communities?kind=peer_circle&topic=fs.peer_learning&limit=200",
                    s_carol, NULL, NULL, &json),
                200);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json, "items"), i, item)
    {
        assert_string_not_equal(json_string_value(json_object_get(item, "id")), id);
        assert_string_equal(json_string_value(json_object_get(item, "kind")), "peer_circle");
    }
    json_decref(json);
    /* a host archives */
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/archive"), s_bob, NULL, NULL, &json),
                403);
    json_decref(json);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/archive"), s_alice, NULL, NULL, &json),
                200);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "archived");
    json_decref(json);
    free(id);
}

static void
test_pending_approval_and_idempotency(void **state)
{
    (void)state;
    char *id = s_propose(s_alice, ", \"join_policy\": \"approval\", \"capacity\": 2");
    json_t *json = NULL;
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/approve"), s_admin, NULL, NULL, &json),
                200);
    json_decref(json);
    char key[96];
    snprintf(key, sizeof key, "Idempotency-Key: join-%s", s_tag);
    for (int i = 0; i < 2; i++) {
        assert_http(
            vb_test_http_call("POST", s_path(id, NULL, "/members"), s_carol, NULL, key, &json),
            201);
        assert_string_equal(json_string_value(json_object_get(json, "status")), "pending");
        json_decref(json);
    }
    assert_http(vb_test_http_call("GET", s_path(id, NULL, "/members?status=pending"), s_carol, NULL,
                                  NULL, &json),
                403);
    json_decref(json);
    assert_http(vb_test_http_call("GET", s_path(id, NULL, "/members?status=pending"), s_alice, NULL,
                                  NULL, &json),
                200);
    assert_int_equal(json_array_size(json_object_get(json, "items")), 1);
    json_decref(json);
    assert_http(
        vb_test_http_call("POST", s_path(id, s_carol_id, "/approve"), s_carol, NULL, NULL, &json),
        403);
    json_decref(json);
    assert_http(
        vb_test_http_call("POST", s_path(id, s_carol_id, "/approve"), s_alice, NULL, NULL, &json),
        200);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    json_decref(json);
    /* capacity 2 reached (alice, carol): staff adding bob gets a clear 422 */
    char body[128];
    snprintf(body, sizeof body, "{\"person_id\": \"%s\"}", s_bob_id);
    assert_http(vb_test_http_call("POST", s_path(id, NULL, "/members"), s_admin, body, NULL, &json),
                422);
    s_assert_problem(json, 422, NULL);
    assert_non_null(strstr(json_string_value(json_object_get(json, "detail")), "full"));
    json_decref(json);
    free(id);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_propose_approve_join),
        cmocka_unit_test(test_decline_and_bad_input),
        cmocka_unit_test(test_private_pending_roles_results),
        cmocka_unit_test(test_pending_approval_and_idempotency),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
