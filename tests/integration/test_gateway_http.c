/* test_gateway_http.c - the HTTP API of a running node (gateway + membership + PostgreSQL +
 * Redis from the "node" fixture), through libcurl: bad input, auth, roles, versions, paging,
 * idempotency, health and metrics.
 * Does not: test the RPC layer directly (the membership tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "vb_test_http.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

#define PROBLEM_TYPE "https://verbund.example/problems/"

static const char *s_admin; /* the node's admin token */

/* --- helpers --- */

/* A string unique to this run, for emails, regions and keys. */
static const char *
s_unique(void)
{
    static char text[64];
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(text, sizeof(text), "%ld%06ld%u", (long)ts.tv_sec % 100000, (long)(ts.tv_nsec / 1000),
             ++counter);
    return text;
}

#define assert_status(got, want, json)                                                             \
    do {                                                                                           \
        if ((got) != (want))                                                                       \
            fail_msg("HTTP %ld, expected %d; body: %s", (long)(got), (want), vb_test_http_body()); \
        (void)(json);                                                                              \
    } while (0)

/* Checks an RFC 9457 problem of the last response. */
static void
s_assert_problem(const json_t *json, long status, const char *type_name, const char *instance)
{
    vb_test_assert_problem_json(json);
    char type[128];
    snprintf(type, sizeof(type), PROBLEM_TYPE "%s", type_name);
    assert_string_equal(json_string_value(json_object_get(json, "type")), type);
    assert_non_null(json_string_value(json_object_get(json, "title")));
    assert_int_equal(json_integer_value(json_object_get(json, "status")), status);
    if (instance)
        assert_string_equal(json_string_value(json_object_get(json, "instance")), instance);
}

/* Creates a person (as admin); returns its id (caller frees). */
static char *
s_person_create(const char *name, const char *region)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:[s], s:{s:b}}", "name", name, "email", "", "region",
                             region, "languages", "de", "consents", "visible_in_network", 1);
    char email[128];
    snprintf(email, sizeof(email), "p%s@example.org", s_unique());
    json_object_set_new(body, "email", json_string(email));
    char *text = json_dumps(body, 0);
    json_decref(body);
    json_t *reply = NULL;
    long status = vb_test_http_call("POST", "/v1/persons", s_admin, text, NULL, &reply);
    free(text);
    assert_status(status, 201, reply);
    char *id = strdup(json_string_value(json_object_get(reply, "id")));
    json_decref(reply);
    return id;
}

/* Creates a token (as admin); returns it (caller frees). */
static char *
s_token_create(const char *role, const char *person_id, long ttl_seconds)
{
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:I}", "role", role, "person_id", person_id ? person_id : "",
                  "label", "test_gateway_http", "ttl_seconds", (json_int_t)ttl_seconds);
    char *text = json_dumps(body, 0);
    json_decref(body);
    json_t *reply = NULL;
    long status = vb_test_http_call("POST", "/v1/tokens", s_admin, text, NULL, &reply);
    free(text);
    assert_status(status, 201, reply);
    const char *token = json_string_value(json_object_get(reply, "token"));
    assert_non_null(token);
    char *copy = strdup(token);
    json_decref(reply);
    return copy;
}

static int
s_setup(void **state)
{
    (void)state;
    s_admin = vb_test_env("VB_TEST_ADMIN_TOKEN");
    if (!s_admin || !vb_test_http_url()) {
        fprintf(stderr, "test_gateway_http: no node fixture (VB_TEST_NODE_DIR)\n");
        return -1;
    }
    /* The gateway answers /livez once the fixture is up; wait for /readyz too. */
    int64_t deadline = vb_test_now_ms() + 20000;
    long status = 0;
    while (vb_test_now_ms() < deadline) {
        if (vb_test_http("GET", "/readyz", NULL, NULL, NULL, &status, NULL) == 0 && status == 200)
            return 0;
        vb_test_pause_ms(100);
    }
    fprintf(stderr, "test_gateway_http: /readyz did not become 200: %ld %s\n", status,
            vb_test_http_body());
    return -1;
}

/* --- tests --- */

/* Usage: create a person, read it back by its Location, with its ETag. */
static void
test_create_and_read_person(void **state)
{
    (void)state;
    char body[256];
    snprintf(body, sizeof(body),
             "{\"name\": \"Ada Lovelace\", \"email\": \"ada%s@example.org\","
             " \"region\": \"NRW\", \"skills\": []}",
             s_unique());
    json_t *created = NULL;
    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin, body, NULL, &created), 201,
                  created);
    const char *id = json_string_value(json_object_get(created, "id"));
    assert_non_null(id);
    char location[256];
    snprintf(location, sizeof(location), "/v1/persons/%s", id);
    assert_non_null(vb_test_http_header("Location"));
    assert_string_equal(vb_test_http_header("Location"), location);

    json_t *read = NULL;
    assert_status(vb_test_http_call("GET", location, s_admin, NULL, NULL, &read), 200, read);
    assert_string_equal(json_string_value(json_object_get(read, "name")), "Ada Lovelace");
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%lld\"",
             (long long)json_integer_value(json_object_get(read, "version")));
    assert_non_null(vb_test_http_header("ETag"));
    assert_string_equal(vb_test_http_header("ETag"), etag);
    json_decref(read);
    json_decref(created);
}

static void
test_health_and_metrics(void **state)
{
    (void)state;
    json_t *json = NULL;
    assert_status(vb_test_http_call("GET", "/livez", NULL, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "ok");
    json_decref(json);
    assert_status(vb_test_http_call("GET", "/readyz", NULL, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "ready");
    json_decref(json);
    json = NULL;
    assert_status(vb_test_http_call("POST", "/livez", NULL, "{}", NULL, &json), 405, json);
    json_decref(json);

    assert_status(vb_test_http_call("GET", "/metrics", NULL, NULL, NULL, NULL), 200, NULL);
    assert_non_null(strstr(vb_test_http_header("Content-Type"), "text/plain"));
    const char *text = vb_test_http_body();
    assert_non_null(strstr(text, "# TYPE vb_http_requests_total counter"));
    assert_non_null(
        strstr(text, "vb_http_requests_total{route=\"/livez\",method=\"GET\",status=\"200\"}"));
    assert_non_null(strstr(text, "# TYPE vb_http_request_duration_seconds histogram"));
}

static void
test_unknown_route_and_method(void **state)
{
    (void)state;
    json_t *json = NULL;
    assert_status(vb_test_http_call("GET", "/v1/nothing/here", s_admin, NULL, NULL, &json), 404,
                  json);
    s_assert_problem(json, 404, "not_found", "/v1/nothing/here");
    json_decref(json);
    /* No token needed to learn that a route does not exist. */
    assert_status(vb_test_http_call("GET", "/nope", NULL, NULL, NULL, &json), 404, json);
    json_decref(json);

    assert_status(vb_test_http_call("PUT", "/v1/persons", s_admin, "{}", NULL, &json), 405, json);
    s_assert_problem(json, 405, "method_not_allowed", "/v1/persons");
    assert_non_null(vb_test_http_header("Allow"));
    assert_non_null(strstr(vb_test_http_header("Allow"), "POST"));
    json_decref(json);
}

static void
test_tokens_missing_forged_expired(void **state)
{
    (void)state;
    json_t *json = NULL;
    assert_status(vb_test_http_call("GET", "/v1/taxonomy", NULL, NULL, NULL, &json), 401, json);
    s_assert_problem(json, 401, "unauthenticated", "/v1/taxonomy");
    assert_non_null(vb_test_http_header("WWW-Authenticate"));
    assert_memory_equal(vb_test_http_header("WWW-Authenticate"), "Bearer", 6);
    json_decref(json);

    const char *forged = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_status(vb_test_http_call("GET", "/v1/taxonomy", forged, NULL, NULL, &json), 401, json);
    s_assert_problem(json, 401, "unauthenticated", NULL);
    assert_non_null(strstr(vb_test_http_header("WWW-Authenticate"), "invalid_token"));
    json_decref(json);

    assert_status(
        vb_test_http_call("GET", "/v1/taxonomy", NULL, NULL, "Authorization: Basic YTpi", &json),
        401, json);
    json_decref(json);

    /* A token that expires after one second stops working (the gateway caches a verified
     * token for at most 5 s). */
    char *token = s_token_create("staff", NULL, 1);
    int64_t deadline = vb_test_now_ms() + 20000;
    long status = 0;
    while (vb_test_now_ms() < deadline) {
        status = vb_test_http_call("GET", "/v1/taxonomy", token, NULL, NULL, NULL);
        if (status == 401)
            break;
        assert_int_equal(status, 200);
        vb_test_pause_ms(250);
    }
    assert_int_equal(status, 401);
    free(token);

    /* A staff token may not create tokens. */
    token = s_token_create("staff", NULL, 600);
    assert_status(
        vb_test_http_call("POST", "/v1/tokens", token, "{\"role\": \"admin\"}", NULL, &json), 403,
        json);
    s_assert_problem(json, 403, "forbidden", "/v1/tokens");
    json_decref(json);
    free(token);
}

static void
test_malformed_json(void **state)
{
    (void)state;
    json_t *json = NULL;
    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin,
                                    "{\"name\": \"A\",\n \"email\": ", NULL, &json),
                  400, json);
    s_assert_problem(json, 400, "bad_request", "/v1/persons");
    assert_non_null(strstr(json_string_value(json_object_get(json, "detail")), "not valid JSON"));
    assert_int_equal(json_integer_value(json_object_get(json, "line")), 2);
    json_decref(json);

    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin,
                                    "{\"name\": \"A\", \"name\": \"B\"}", NULL, &json),
                  400, json);
    json_decref(json);
    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin, "[]", NULL, &json), 400, json);
    json_decref(json);
    /* Not UTF-8. */
    assert_status(
        vb_test_http_call("POST", "/v1/persons", s_admin, "{\"name\": \"\xff\"}", NULL, &json), 400,
        json);
    json_decref(json);
}

static void
test_wrong_types_and_unknown_fields(void **state)
{
    (void)state;
    json_t *json = NULL;
    long status = vb_test_http_call(
        "POST", "/v1/persons", s_admin,
        "{\"name\": 5, \"email\": true, \"skills\": [{\"code\": \"fs.x\", \"level\": \"high\"}],"
        " \"consents\": {\"federate\": \"yes\"}, \"version\": 1.5, \"nickname\": \"Ada\"}",
        NULL, &json);
    assert_status(status, 400, json);
    s_assert_problem(json, 400, "bad_request", "/v1/persons");
    assert_has_error(json, "person.name");
    assert_has_error(json, "person.email");
    assert_has_error(json, "person.skills[0].level");
    assert_has_error(json, "person.consents.federate");
    assert_has_error(json, "person.version");
    assert_has_error(json, "person.nickname");
    assert_int_equal(json_array_size(json_object_get(json, "errors")), 6);
    json_decref(json);

    /* int32 out of range in a query parameter; unknown query parameter. */
    assert_status(vb_test_http_call("GET", "/v1/persons?limit=4294967296&sort=name", s_admin, NULL,
                                    NULL, &json),
                  400, json);
    assert_has_error(json, "limit");
    assert_has_error(json, "sort");
    json_decref(json);
}

static void
test_missing_required_fields(void **state)
{
    (void)state;
    json_t *json = NULL;
    long status =
        vb_test_http_call("POST", "/v1/persons", s_admin, "{\"region\": \"NRW\"}", NULL, &json);
    if (status != 400 && status != 422)
        fail_msg("HTTP %ld for a person without name and email: %s", status, vb_test_http_body());
    assert_has_error(json, "person.name");
    assert_has_error(json, "person.email");
    json_decref(json);

    /* No body at all. */
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin, NULL, NULL, &json), 400,
                  json);
    assert_has_error(json, "organization");
    json_decref(json);
}

static void
test_body_limits_and_media_type(void **state)
{
    (void)state;
    size_t size = 2 * 1024 * 1024;
    char *big = malloc(size + 1);
    assert_non_null(big);
    memset(big, ' ', size);
    memcpy(big, "{\"name\": \"", 10);
    memset(big + 10, 'a', size - 20);
    memcpy(big + size - 10, "\"}        ", 10);
    big[size] = '\0';
    long status = 0;
    json_t *json = NULL;
    assert_int_equal(
        vb_test_http_n("POST", "/v1/persons", s_admin, big, size, NULL, &status, &json), 0);
    free(big);
    assert_status(status, 413, json);
    s_assert_problem(json, 413, "payload_too_large", "/v1/persons");
    json_decref(json);

    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin, "name=Ada",
                                    "Content-Type: text/plain", &json),
                  415, json);
    s_assert_problem(json, 415, "unsupported_media_type", "/v1/persons");
    json_decref(json);

    /* The gateway still works after both. */
    assert_status(vb_test_http_call("GET", "/livez", NULL, NULL, NULL, NULL), 200, NULL);
}

static void
test_strings_stored_verbatim(void **state)
{
    (void)state;
    const char *name = "Robert'); DROP TABLE persons;-- \x01\x1f\t\n \"quoted\" \\ Zoë ✓ %s";
    const char *region = "x' OR '1'='1";
    json_t *body = json_pack("{s:s, s:s, s:s}", "name", name, "email", "", "region", region);
    char email[128];
    snprintf(email, sizeof(email), "bobby%s@example.org", s_unique());
    json_object_set_new(body, "email", json_string(email));
    char *text = json_dumps(body, 0);
    json_decref(body);

    json_t *created = NULL;
    assert_status(vb_test_http_call("POST", "/v1/persons", s_admin, text, NULL, &created), 201,
                  created);
    free(text);
    assert_string_equal(json_string_value(json_object_get(created, "name")), name);
    assert_string_equal(json_string_value(json_object_get(created, "region")), region);

    char path[256];
    snprintf(path, sizeof(path), "/v1/persons/%s",
             json_string_value(json_object_get(created, "id")));
    json_t *read = NULL;
    assert_status(vb_test_http_call("GET", path, s_admin, NULL, NULL, &read), 200, read);
    assert_string_equal(json_string_value(json_object_get(read, "name")), name);
    assert_string_equal(json_string_value(json_object_get(read, "region")), region);
    json_decref(read);
    json_decref(created);
}

static void
test_member_reads_only_itself(void **state)
{
    (void)state;
    char *alice = s_person_create("Alice Member", "NRW");
    char *bob = s_person_create("Bob Other", "NRW");
    char *token = s_token_create("member", alice, 600);
    char path[256];
    json_t *json = NULL;

    snprintf(path, sizeof(path), "/v1/persons/%s", alice);
    assert_status(vb_test_http_call("GET", path, token, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "id")), alice);
    json_decref(json);
    snprintf(path, sizeof(path), "/v1/persons/%s/export", alice);
    assert_status(vb_test_http_call("GET", path, token, NULL, NULL, &json), 200, json);
    assert_non_null(json_object_get(json, "person"));
    json_decref(json);

    snprintf(path, sizeof(path), "/v1/persons/%s", bob);
    assert_status(vb_test_http_call("GET", path, token, NULL, NULL, &json), 403, json);
    s_assert_problem(json, 403, "forbidden", path);
    json_decref(json);
    snprintf(path, sizeof(path), "/v1/persons/%s/export", bob);
    assert_status(vb_test_http_call("GET", path, token, NULL, NULL, &json), 403, json);
    json_decref(json);
    snprintf(path, sizeof(path), "/v1/persons/%s", bob);
    assert_status(vb_test_http_call("PATCH", path, token, "{\"region\": \"Berlin\"}", NULL, &json),
                  403, json);
    json_decref(json);
    /* Members cannot create persons or list them. */
    assert_status(vb_test_http_call("POST", "/v1/persons", token, "{\"name\": \"X\"}", NULL, &json),
                  403, json);
    json_decref(json);
    assert_status(vb_test_http_call("GET", "/v1/persons", token, NULL, NULL, &json), 403, json);
    json_decref(json);
    free(token);
    free(bob);
    free(alice);
}

static void
test_patch_with_stale_version(void **state)
{
    (void)state;
    char *id = s_person_create("Version Tester", "NRW");
    char path[256];
    snprintf(path, sizeof(path), "/v1/persons/%s", id);
    json_t *json = NULL;
    assert_status(vb_test_http_call("GET", path, s_admin, NULL, NULL, &json), 200, json);
    long long version = json_integer_value(json_object_get(json, "version"));
    json_decref(json);
    char if_match[64];
    snprintf(if_match, sizeof(if_match), "If-Match: \"%lld\"", version);

    assert_status(
        vb_test_http_call("PATCH", path, s_admin, "{\"region\": \"Ruhr\"}", if_match, &json), 200,
        json);
    assert_string_equal(json_string_value(json_object_get(json, "region")), "Ruhr");
    assert_string_equal(json_string_value(json_object_get(json, "name")), "Version Tester");
    long long changed = json_integer_value(json_object_get(json, "version"));
    assert_true(changed > version);
    json_decref(json);

    /* The same (now stale) version again: 409, nothing changes. */
    assert_status(
        vb_test_http_call("PATCH", path, s_admin, "{\"region\": \"Berlin\"}", if_match, &json), 409,
        json);
    s_assert_problem(json, 409, "conflict", path);
    json_decref(json);
    assert_status(vb_test_http_call("GET", path, s_admin, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "region")), "Ruhr");
    assert_int_equal(json_integer_value(json_object_get(json, "version")), changed);
    json_decref(json);

    assert_status(vb_test_http_call("PATCH", path, s_admin, "{\"region\": \"Berlin\"}",
                                    "If-Match: soon", &json),
                  400, json);
    assert_has_error(json, "If-Match");
    json_decref(json);
    free(id);
}

static void
test_list_filter_and_paging(void **state)
{
    (void)state;
    char region[64];
    snprintf(region, sizeof(region), "Region%s", s_unique());
    char word[64];
    snprintf(word, sizeof(word), "Needle%s", s_unique());
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        char name[128];
        if (i == 3)
            snprintf(name, sizeof(name), "Person %s", word);
        else
            snprintf(name, sizeof(name), "Person %d", i);
        ids[i] = s_person_create(name, region);
    }

    /* Page through the region two at a time. */
    char seen[5] = {0};
    int total = 0, pages = 0;
    char cursor[512] = "";
    do {
        char path[1024];
        snprintf(path, sizeof(path), "/v1/persons?region=%s&limit=2%s%s", region,
                 cursor[0] ? "&cursor=" : "", cursor);
        json_t *json = NULL;
        assert_status(vb_test_http_call("GET", path, s_admin, NULL, NULL, &json), 200, json);
        json_t *items = json_object_get(json, "items");
        assert_true(json_array_size(items) <= 2);
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            const char *id = json_string_value(json_object_get(item, "id"));
            assert_string_equal(json_string_value(json_object_get(item, "region")), region);
            int found = -1;
            for (int k = 0; k < 5; k++)
                if (strcmp(ids[k], id) == 0)
                    found = k;
            assert_true(found >= 0);
            assert_false(seen[found]); /* no item twice */
            seen[found] = 1;
            total++;
        }
        const char *next = json_string_value(json_object_get(json, "next_cursor"));
        assert_non_null(next);
        /* Cursors are opaque: escape nothing we did not get (they are URL-safe). */
        snprintf(cursor, sizeof(cursor), "%s", next);
        json_decref(json);
        pages++;
        assert_true(pages <= 5);
    } while (cursor[0]);
    assert_int_equal(total, 5);
    assert_true(pages >= 3);

    char path[256];
    snprintf(path, sizeof(path), "/v1/persons?text=%s", word);
    json_t *json = NULL;
    assert_status(vb_test_http_call("GET", path, s_admin, NULL, NULL, &json), 200, json);
    assert_int_equal(json_array_size(json_object_get(json, "items")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(json, "items"), 0), "id")),
        ids[3]);
    json_decref(json);

    assert_status(vb_test_http_call("GET", "/v1/persons?limit=abc", s_admin, NULL, NULL, &json),
                  400, json);
    assert_has_error(json, "limit");
    json_decref(json);
    assert_status(
        vb_test_http_call("GET", "/v1/persons?cursor=not-a-cursor", s_admin, NULL, NULL, &json),
        400, json);
    json_decref(json);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
}

static void
test_idempotency_key(void **state)
{
    (void)state;
    char key[128];
    snprintf(key, sizeof(key), "Idempotency-Key: org-%s", s_unique());
    const char *body = "{\"name\": \"Weiterbildungsverbund Ruhr\", \"kind\": \"association\","
                       " \"region\": \"NRW\"}";
    json_t *first = NULL, *again = NULL, *other = NULL;
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin, body, key, &first), 201,
                  first);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "association");
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin, body, key, &again), 201,
                  again);
    assert_true(json_equal(first, again));
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin,
                                    "{\"name\": \"Another\", \"kind\": \"company\"}", key, &other),
                  422, other);
    s_assert_problem(other, 422, "unprocessable", "/v1/organizations");
    json_decref(first);
    json_decref(again);
    json_decref(other);

    /* A key that is not printable is refused before any RPC. */
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin, body,
                                    "Idempotency-Key: a b", &other),
                  400, other);
    assert_has_error(other, "Idempotency-Key");
    json_decref(other);

    /* An overlong key (the gateway takes 1..128 characters) is refused and creates nothing. */
    char long_key[256] = "Idempotency-Key: ";
    memset(long_key + strlen(long_key), 'k', 200);
    char unique[64], unique_name[96], long_body[256], filter[160];
    snprintf(unique, sizeof(unique), "%s", s_unique());
    snprintf(unique_name, sizeof(unique_name), "Overlong Key %s", unique);
    snprintf(long_body, sizeof(long_body), "{\"name\": \"%s\", \"kind\": \"company\"}",
             unique_name);
    assert_status(
        vb_test_http_call("POST", "/v1/organizations", s_admin, long_body, long_key, &other), 400,
        other);
    assert_has_error(other, "Idempotency-Key");
    json_decref(other);
    snprintf(filter, sizeof(filter), "/v1/organizations?text=%s", unique);
    assert_status(vb_test_http_call("GET", filter, s_admin, NULL, NULL, &other), 200, other);
    assert_int_equal(json_array_size(json_object_get(other, "items")), 0);
    json_decref(other);

    /* Enum names are checked by the gateway. */
    assert_status(vb_test_http_call("POST", "/v1/organizations", s_admin,
                                    "{\"name\": \"X\", \"kind\": \"castle\"}", NULL, &other),
                  400, other);
    assert_has_error(other, "organization.kind");
    json_decref(other);
}

static void
test_membership_lifecycle(void **state)
{
    (void)state;
    char *person = s_person_create("Supporting Member", "NRW");
    char body[512];
    snprintf(body, sizeof(body),
             "{\"holder_person_id\": \"%s\", \"type\": \"supporting\","
             " \"yearly_contribution\": {\"cents\": 12000, \"currency\": \"EUR\"}}",
             person);
    json_t *json = NULL;
    assert_status(vb_test_http_call("POST", "/v1/memberships", s_admin, body, NULL, &json), 201,
                  json);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "applied");
    char path[256];
    snprintf(path, sizeof(path), "/v1/memberships/%s/approve",
             json_string_value(json_object_get(json, "id")));
    json_decref(json);

    assert_status(vb_test_http_call("POST", path, s_admin, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    json_decref(json);
    /* Approving an active membership is an illegal transition. */
    long status = vb_test_http_call("POST", path, s_admin, "{\"reason\": \"again\"}", NULL, &json);
    if (status != 409 && status != 422)
        fail_msg("second approve: HTTP %ld %s", status, vb_test_http_body());
    json_decref(json);

    /* A member may not approve (gateway role check). */
    char *token = s_token_create("member", person, 600);
    assert_status(vb_test_http_call("POST", path, token, NULL, NULL, &json), 403, json);
    json_decref(json);
    free(token);

    /* Below the node minimum (6000 cents by default). */
    snprintf(body, sizeof(body),
             "{\"holder_person_id\": \"%s\", \"type\": \"supporting\","
             " \"yearly_contribution\": {\"cents\": 1, \"currency\": \"EUR\"}}",
             person);
    assert_status(vb_test_http_call("POST", "/v1/memberships", s_admin, body, NULL, &json), 422,
                  json);
    assert_has_error(json, "membership.yearly_contribution.cents");
    json_decref(json);
    free(person);
}

static void
test_taxonomy_erase_and_ids(void **state)
{
    (void)state;
    json_t *json = NULL;
    assert_status(
        vb_test_http_call("GET", "/v1/taxonomy", s_admin, NULL, "X-Request-Id: test-req-42", &json),
        200, json);
    assert_true(json_array_size(json_object_get(json, "items")) > 0);
    assert_string_equal(vb_test_http_header("X-Request-Id"), "test-req-42");
    json_decref(json);

    char *id = s_person_create("To Be Erased", "NRW");
    char path[256];
    snprintf(path, sizeof(path), "/v1/persons/%s?reason=asked", id);
    assert_status(vb_test_http_call("DELETE", path, s_admin, NULL, NULL, &json), 200, json);
    assert_string_equal(json_string_value(json_object_get(json, "id")), id);
    assert_true(strlen(json_string_value(json_object_get(json, "erased_at"))) > 0);
    json_decref(json);
    free(id);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_read_person),
        cmocka_unit_test(test_health_and_metrics),
        cmocka_unit_test(test_unknown_route_and_method),
        cmocka_unit_test(test_tokens_missing_forged_expired),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_wrong_types_and_unknown_fields),
        cmocka_unit_test(test_missing_required_fields),
        cmocka_unit_test(test_body_limits_and_media_type),
        cmocka_unit_test(test_strings_stored_verbatim),
        cmocka_unit_test(test_member_reads_only_itself),
        cmocka_unit_test(test_patch_with_stale_version),
        cmocka_unit_test(test_list_filter_and_paging),
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_membership_lifecycle),
        cmocka_unit_test(test_taxonomy_erase_and_ids),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
