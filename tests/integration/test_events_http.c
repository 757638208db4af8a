/* test_events_http.c - the events routes through the gateway as people and calendar apps use
 * them: problem+json errors for bad input and foreign registrations, who sees the online URL,
 * private events hidden from anonymous callers, and the iCalendar feeds (one event, a
 * community, the node's public events, the personal token feed) with their content type, stable
 * UIDs, SEQUENCE, STATUS:CANCELLED and no online URL in shared feeds.
 * Does not: parse iCalendar with an independent parser (tests/interop does) or test the RPC
 * rules in depth (test_events_rpc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "vb/ids.h"
#include "vb_test_http.h"
#include "vb_test_node.h"

#define JSON_HEADER "Content-Type: application/json"

static const char *s_admin;
static char s_alice[VB_UUID_STRING_SIZE], s_bob[VB_UUID_STRING_SIZE];
static char *s_alice_token, *s_bob_token;
static char s_community[VB_UUID_STRING_SIZE];

/* Sends a request; returns the parsed body (caller json_decrefs) and asserts the status. */
static json_t *
s_http(const char *method, const char *path, const char *token, const char *body, long expected)
{
    long status = 0;
    json_t *json = NULL;
    assert_int_equal(
        vb_test_http(method, path, token, body, body ? JSON_HEADER : NULL, &status, &json), 0);
    if (status != expected)
        fail_msg("%s %s: expected %ld, got %ld: %s", method, path, expected, status,
                 vb_test_http_body());
    return json;
}

static char *
s_string(json_t *json, const char *key)
{
    const char *value = json_string_value(json_object_get(json, key));
    assert_non_null(value);
    return strdup(value);
}

/* A person in membership and a member token for it. */
static char *
s_member(char id_out[VB_UUID_STRING_SIZE], const char *name)
{
    char body[256], tag[VB_UUID_STRING_SIZE];
    vb_uuid7(tag);
    snprintf(body, sizeof body, "{\"name\": \"%s\", \"email\": \"%s@example.org\"}", name, tag);
    json_t *person = s_http("POST", "/v1/persons", s_admin, body, 201);
    char *id = s_string(person, "id");
    snprintf(id_out, VB_UUID_STRING_SIZE, "%s", id);
    json_decref(person);
    snprintf(body, sizeof body, "{\"role\": \"member\", \"person_id\": \"%s\"}", id);
    free(id);
    json_t *token = s_http("POST", "/v1/tokens", s_admin, body, 201);
    char *secret = s_string(token, "token");
    json_decref(token);
    return secret;
}

static int
s_setup(void **state)
{
    (void)state;
    s_admin = vb_test_env("VB_TEST_ADMIN_TOKEN");
    if (!s_admin || !vb_test_http_url()) {
        print_error("run under the node fixture\n");
        return -1;
    }
    s_alice_token = s_member(s_alice, "Alice Abels");
    s_bob_token = s_member(s_bob, "Bob Brandt");
    vb_uuid7(s_community);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    free(s_alice_token);
    free(s_bob_token);
    return 0;
}

/* Creates an event as admin; returns its id (caller frees). */
static char *
s_create(const char *title, bool public_event, const char *extra)
{
    char body[2048];
    snprintf(body, sizeof body,
             "{\"title\": \"%s\", \"kind\": \"webinar\", \"organiser_person_id\": \"%s\","
             " \"community_id\": \"%s\", \"start_local\": \"2030-06-02T17:00:00\","
             " \"end_local\": \"2030-06-02T18:30:00\", \"time_zone\": \"Europe/Berlin\","
             " \"online_url\": \"https://meet.example.org/secret-room\", \"capacity\": 20,"
             " \"public\": %s%s}",
             title, s_bob, s_community, public_event ? "true" : "false", extra ? extra : "");
    json_t *event = s_http("POST", "/v1/events", s_admin, body, 201);
    char *id = s_string(event, "id");
    const char *location = vb_test_http_header("Location");
    assert_non_null(location);
    assert_non_null(strstr(location, id));
    json_decref(event);
    return id;
}

static void
assert_problem(json_t *problem, const char *field)
{
    vb_test_assert_problem_json(problem);
    assert_non_null(json_object_get(problem, "detail"));
    if (field && !vb_test_json_has_error(problem, field))
        fail_msg("expected a field error at %s: %s", field, vb_test_http_body());
}

static void
test_register_over_http_and_who_sees_the_online_url(void **state)
{
    (void)state;
    char *id = s_create("Live-Webinar: Future Skills im Handwerk", true, NULL);
    char path[256], body[256];
    /* anonymous callers see public events without the online URL */
    snprintf(path, sizeof path, "/v1/events/%s", id);
    json_t *event = s_http("GET", path, NULL, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(event, "online_url")), "");
    assert_string_equal(json_string_value(json_object_get(event, "start_at")),
                        "2030-06-02T15:00:00Z");
    json_decref(event);
    /* alice registers herself; bob may not register her or cancel her registration */
    snprintf(path, sizeof path, "/v1/events/%s/registrations", id);
    snprintf(body, sizeof body, "{\"person_id\": \"%s\"}", s_alice);
    json_t *problem = s_http("POST", path, s_bob_token, body, 403);
    assert_problem(problem, NULL);
    json_decref(problem);
    json_t *registration = s_http("POST", path, s_alice_token, body, 201);
    assert_string_equal(json_string_value(json_object_get(registration, "status")), "confirmed");
    assert_int_equal(json_integer_value(json_object_get(registration, "waitlist_position")), 0);
    char *registration_id = s_string(registration, "id");
    json_decref(registration);
    problem = s_http("POST", path, s_alice_token, body, 409);
    assert_problem(problem, "person_id");
    json_decref(problem);
    /* registered: alice sees the URL, bob does not; bob (the organiser) lists registrations */
    snprintf(path, sizeof path, "/v1/events/%s", id);
    event = s_http("GET", path, s_alice_token, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(event, "online_url")),
                        "https://meet.example.org/secret-room");
    json_decref(event);
    snprintf(path, sizeof path, "/v1/events/%s/registrations?status=confirmed", id);
    json_t *list = s_http("GET", path, s_bob_token, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    json_decref(list);
    problem = s_http("GET", path, s_alice_token, NULL, 403);
    json_decref(problem);
    snprintf(path, sizeof path, "/v1/events/%s/registrations/%s", id, registration_id);
    json_t *cancelled = s_http("DELETE", path, s_alice_token, NULL, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(cancelled, "registration"), "status")),
        "cancelled");
    json_decref(cancelled);
    /* private events do not exist for anonymous callers */
    char *hidden = s_create("Interner Strategie-Workshop", false, NULL);
    snprintf(path, sizeof path, "/v1/events/%s", hidden);
    problem = s_http("GET", path, NULL, NULL, 404);
    assert_problem(problem, NULL);
    json_decref(problem);
    json_decref(s_http("GET", path, s_alice_token, NULL, 200));
    free(hidden);
    free(registration_id);
    free(id);
}

static void
test_bad_input_is_problem_json(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        long status;
        const char *field;
    } rows[] = {
        {"{\"title\": \"x\", \"kind\": \"webinar\", \"organiser_person_id\":"
         " \"01900000-0000-7000-8000-000000000001\", \"start_local\": \"2030-06-02T17:00:00\","
         " \"end_local\": \"2030-06-02T16:00:00\", \"time_zone\": \"Europe/Berlin\","
         " \"online_url\": \"https://x.example\", \"capacity\": 5}",
         422, "event.end_local"},
        {"{\"title\": \"x\", \"kind\": \"webinar\", \"organiser_person_id\":"
         " \"01900000-0000-7000-8000-000000000001\", \"start_local\": \"2030-06-02T17:00:00\","
         " \"end_local\": \"2030-06-02T18:00:00\", \"time_zone\": \"Mars/Olympus\","
         " \"online_url\": \"https://x.example\", \"capacity\": -1}",
         422, "event.capacity"},
        {"{\"title\": \"x\", \"kind\": \"rave\", \"capacity\": 5}", 400, "event.kind"},
        {"{\"title\": 5, \"capacity\": \"many\"}", 400, "event.title"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *problem = s_http("POST", "/v1/events", s_admin, rows[i].body, rows[i].status);
        assert_problem(problem, rows[i].field);
        json_decref(problem);
    }
    /* a member may not create events */
    json_t *problem = s_http("POST", "/v1/events", s_alice_token, rows[0].body, 403);
    json_decref(problem);
}

static bool
s_contains(const char *text, const char *needle)
{
    return strstr(text, needle) != NULL;
}

static void
test_calendar_feeds(void **state)
{
    (void)state;
    char *id = s_create("Kick-off B-WISE", true, NULL);
    char *cancelled = s_create("Abgesagter Dialog", true, NULL);
    char path[256], uid[128], body[256];
    snprintf(path, sizeof path, "/v1/events/%s/cancel", cancelled);
    json_decref(s_http("POST", path, s_admin, "{\"reason\": \"Terminkonflikt\"}", 200));

    /* one event */
    snprintf(path, sizeof path, "/v1/events/%s.ics", id);
    json_t *none = s_http("GET", path, NULL, NULL, 200);
    assert_null(none);
    const char *content_type = vb_test_http_header("Content-Type");
    assert_non_null(content_type);
    assert_non_null(strstr(content_type, "text/calendar"));
    const char *ics = vb_test_http_body();
    snprintf(uid, sizeof uid, "UID:%s@test", id);
    assert_true(s_contains(ics, "BEGIN:VCALENDAR"));
    assert_true(s_contains(ics, uid));
    assert_true(s_contains(ics, "SEQUENCE:1"));
    assert_true(s_contains(ics, "BEGIN:VTIMEZONE"));
    assert_true(s_contains(ics, "TZID=Europe/Berlin:20300602T170000"));
    assert_false(s_contains(ics, "secret-room"));
    s_http("GET", path, s_admin, NULL, 200); /* staff see the URL */
    assert_true(s_contains(vb_test_http_body(), "secret-room"));

    /* the node's public feed: never an online URL; cancelled ones marked */
    s_http("GET", "/v1/calendar.ics", NULL, NULL, 200);
    ics = vb_test_http_body();
    assert_true(s_contains(ics, uid));
    assert_false(s_contains(ics, "secret-room"));
    snprintf(uid, sizeof uid, "UID:%s@test", cancelled);
    const char *at = strstr(ics, uid);
    assert_non_null(at);
    const char *end = strstr(at, "END:VEVENT");
    const char *status = strstr(at, "STATUS:CANCELLED");
    assert_true(status && end && status < end);

    /* the community's feed needs a token, and shows no online URL either */
    snprintf(path, sizeof path, "/v1/communities/%s/calendar.ics", s_community);
    json_decref(s_http("GET", path, NULL, NULL, 401));
    s_http("GET", path, s_alice_token, NULL, 200);
    assert_true(s_contains(vb_test_http_body(), uid));
    assert_false(s_contains(vb_test_http_body(), "secret-room"));

    /* the personal feed: alice's registrations, with the URL, behind an unguessable token */
    snprintf(path, sizeof path, "/v1/events/%s/registrations", id);
    snprintf(body, sizeof body, "{\"person_id\": \"%s\"}", s_alice);
    json_decref(s_http("POST", path, s_alice_token, body, 201));
    snprintf(path, sizeof path, "/v1/persons/%s/calendar-token", s_alice);
    json_decref(s_http("POST", path, s_bob_token, NULL, 403));
    json_t *token = s_http("POST", path, s_alice_token, NULL, 201);
    char *url = s_string(token, "url");
    json_decref(token);
    assert_true(strncmp(url, "/v1/calendar/", 13) == 0 && strlen(url) == 13 + 64 + 4);
    s_http("GET", url, NULL, NULL, 200);
    ics = vb_test_http_body();
    snprintf(uid, sizeof uid, "UID:%s@test", id);
    assert_true(s_contains(ics, uid));
    assert_true(s_contains(ics, "secret-room"));
    /* a new token replaces the old one */
    token = s_http("POST", path, s_alice_token, NULL, 201);
    char *second = s_string(token, "url");
    json_decref(token);
    json_decref(s_http("GET", url, NULL, NULL, 404));
    json_decref(s_http("GET", second, NULL, NULL, 200));
    json_decref(s_http("GET",
                       "/v1/calendar/00000000000000000000000000000000000000000000000000000000000"
                       "00000.ics",
                       NULL, NULL, 404));
    json_decref(s_http("GET", "/v1/calendar/..%2F..%2Fetc%2Fpasswd.ics", NULL, NULL, 404));
    /* an event feed for a malformed id or an unknown event: a problem, not an empty calendar */
    json_t *problem = s_http("GET", "/v1/events/not-a-uuid.ics", NULL, NULL, 400);
    assert_non_null(json_object_get(problem, "errors"));
    json_decref(problem);
    json_decref(s_http("GET", "/v1/events/01a20000-0000-7000-8000-000000000000.ics", NULL, NULL,
                       404));
    free(second);
    free(url);
    free(cancelled);
    free(id);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_over_http_and_who_sees_the_online_url),
        cmocka_unit_test(test_bad_input_is_problem_json),
        cmocka_unit_test(test_calendar_feeds),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
