/* test_erasure_fanout.c - erasing a person (DELETE /v1/persons/{id}) reaches every service
 * that holds data about it, through the node's stream (person.erased), against the node
 * fixture: the community no longer lists the person (nor as proposer or result author), the
 * confirmed registration is cancelled and anonymised and the waitlisted person gets the seat,
 * the calendar token, the need and the rating are gone (the offer's count with it). A second
 * delivery of the same event (the stored position moved back, the service restarted) changes
 * nothing and writes no event; an erasure while a service is down is applied when it is back.
 * Does not: test retention loss (SNAPSHOT_REQUIRED needs a log older than its retention). */
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

#include "vb/db.h"
#include "vb_test_db.h"
#include "vb_test_http.h"
#include "vb_test_node.h"

#define S_DEADLINE_MS 15000
#define S_ERASED_PERSON "00000000-0000-0000-0000-000000000000"

static const char *s_admin;
static vb_db_t *s_db;

/* ---- helpers ---- */

static const char *s_fmt(const char *fmt, ...) VB_PRINTF(1, 2);
static const char *
s_fmt(const char *fmt, ...)
{
    static char texts[6][4096];
    static unsigned next;
    char *text = texts[next++ % 6];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof texts[0], fmt, args);
    va_end(args);
    return text;
}

static const char *
s_unique(void)
{
    static char text[64];
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(text, sizeof text, "%ld%06ld%u", (long)ts.tv_sec % 100000, (long)(ts.tv_nsec / 1000),
             ++counter);
    return text;
}

/* method path as token with body; fails unless the status is want; returns the JSON reply
 * (caller decrefs; may be NULL). */
static json_t *
s_http(const char *method, const char *path, const char *token, const char *body, long want)
{
    json_t *json = NULL;
    long status = vb_test_http_call(method, path, token, body, NULL, &json);
    if (status != want)
        fail_msg("%s %s: HTTP %ld, expected %ld; body: %s", method, path, status, want,
                 vb_test_http_body());
    return json;
}

/* The string field of json (copied; caller frees). */
static char *
s_field(json_t *json, const char *name)
{
    const char *value = json_string_value(json_object_get(json, name));
    if (!value)
        fail_msg("no %s in %s", name, vb_test_http_body());
    return strdup(value);
}

static char *
s_create(const char *path, const char *token, const char *body)
{
    json_t *json = s_http("POST", path, token, body, 201);
    char *id = s_field(json, "id");
    json_decref(json);
    return id;
}

/* s_create, retried while the reply is 422 (the matchmaking read model learns of a new
 * organisation through the stream, within a second). */
static char *
s_create_eventually(const char *path, const char *token, const char *body)
{
    int64_t deadline = vb_test_now_ms() + S_DEADLINE_MS;
    for (;;) {
        json_t *json = NULL;
        long status = vb_test_http_call("POST", path, token, body, NULL, &json);
        if (status == 201) {
            char *id = s_field(json, "id");
            json_decref(json);
            return id;
        }
        json_decref(json);
        if (status != 422 || vb_test_now_ms() > deadline)
            fail_msg("POST %s: HTTP %ld: %s", path, status, vb_test_http_body());
        vb_test_pause_ms(50);
    }
}

static char *
s_person(const char *name)
{
    return s_create("/v1/persons", s_admin,
                    s_fmt("{\"name\": \"%s\", \"email\": \"erase%s@example.org\","
                          " \"region\": \"DE-NW\", \"languages\": [\"de\"]}",
                          name, s_unique()));
}

static char *
s_token(const char *person)
{
    json_t *json = s_http("POST", "/v1/tokens", s_admin,
                          s_fmt("{\"role\": \"member\", \"person_id\": \"%s\", \"label\": "
                                "\"erasure test\"}",
                                person),
                          201);
    char *token = s_field(json, "token");
    json_decref(json);
    return token;
}

static int
s_int_row(void *arg, const vb_db_row_t *row)
{
    *(int64_t *)arg = vb_db_row_int64(row, 0);
    return 0;
}

/* The single integer sql returns (one optional text parameter). */
static int64_t
s_query_int(const char *sql, const char *param)
{
    const char *params[] = {param};
    int64_t value = -1;
    vb_status_t status = vb_db_exec(s_db, sql, params, param ? 1 : 0, s_int_row, &value, NULL);
    if (status != VB_STATUS_OK)
        fail_msg("%s: %s", sql, vb_db_error(s_db));
    return value;
}

/* Events a service wrote (its outbox and what the stream relayed already). */
static int64_t
s_events_of(const char *service)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM %s.outbox)"
             " + (SELECT count(*) FROM stream.log WHERE source LIKE '%%/' || $1)",
             service);
    return s_query_int(sql, service);
}

/* The stored erasure position of a service (0 when none yet). */
static int64_t
s_position(const char *service)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce((SELECT sequence FROM %s.stream_position"
             " WHERE consumer = 'erasure'), 0)",
             service);
    return s_query_int(sql, NULL);
}

/* The sequence of the person.erased event of person in the log (0 while not relayed). */
static int64_t
s_erased_sequence(const char *person)
{
    return s_query_int("SELECT coalesce(max(sequence), 0) FROM stream.log"
                       " WHERE type = 'verbund.membership.person.erased.v1' AND subject = $1",
                       person);
}

/* True when the person is listed as a member of community. */
static bool
s_is_member(const char *community, const char *person)
{
    json_t *json =
        s_http("GET", s_fmt("/v1/communities/%s/members?limit=200", community), s_admin, NULL, 200);
    bool found = false;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json, "items"), i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "person_id")), person) == 0)
            found = true;
    }
    json_decref(json);
    return found;
}

/* The status of registration in event ("" when not listed), with its person into person. */
static void
s_registration(const char *event, const char *registration, char *status, char *person)
{
    json_t *json =
        s_http("GET", s_fmt("/v1/events/%s/registrations?limit=200", event), s_admin, NULL, 200);
    status[0] = person[0] = '\0';
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json, "items"), i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "id")), registration) == 0) {
            snprintf(status, 32, "%s", json_string_value(json_object_get(item, "status")));
            snprintf(person, 40, "%s", json_string_value(json_object_get(item, "person_id")));
        }
    }
    json_decref(json);
}

static void
s_erase(const char *person)
{
    long status = vb_test_http_call("DELETE", s_fmt("/v1/persons/%s?reason=request", person),
                                    s_admin, NULL, NULL, NULL);
    if (status != 200 && status != 204)
        fail_msg("erasing %s: HTTP %ld: %s", person, status, vb_test_http_body());
}

/* Waits until every erasure follower stored a position at or past the person's erasure. */
static int64_t
s_wait_applied(const char *person, const char *const *services, size_t count)
{
    int64_t deadline = vb_test_now_ms() + S_DEADLINE_MS;
    int64_t sequence = 0;
    for (;;) {
        if (!sequence)
            sequence = s_erased_sequence(person);
        bool done = sequence > 0;
        for (size_t i = 0; done && i < count; i++)
            done = s_position(services[i]) >= sequence;
        if (done)
            return sequence;
        if (vb_test_now_ms() > deadline)
            fail_msg("erasure of %s (sequence %lld) not applied within %d ms", person,
                     (long long)sequence, S_DEADLINE_MS);
        vb_test_pause_ms(50);
    }
}

/* ---- the test ---- */

typedef struct {
    char *erased, *waiting, *host, *later;
    char *erased_token;
    char *community, *event, *registration, *waiting_registration, *need, *offer, *provider;
} s_world_t;

static void
s_build(s_world_t *w)
{
    w->erased = s_person("Erika Erased");
    w->waiting = s_person("Walter Waiting");
    w->host = s_person("Hanna Host");
    w->later = s_person("Lars Later");
    w->erased_token = s_token(w->erased);

    /* communities: the erased person proposes (host after approval), the others join; it
     * co-authors a result */
    w->community = s_create(
        "/v1/communities", w->erased_token,
        s_fmt("{\"name\": \"Erasure circle %s\", \"purpose\": \"p\", \"kind\": \"peer_circle\","
              " \"topics\": [\"fs.peer_learning\"], \"region\": \"DE-NW\"}",
              s_unique()));
    json_decref(s_http("POST", s_fmt("/v1/communities/%s/approve", w->community), s_admin, NULL,
                       200));
    const char *joiners[] = {w->host, w->later};
    for (size_t i = 0; i < 2; i++)
        json_decref(s_http("POST", s_fmt("/v1/communities/%s/members", w->community), s_admin,
                           s_fmt("{\"person_id\": \"%s\"}", joiners[i]), 201));
    json_decref(s_http("POST", s_fmt("/v1/communities/%s/results", w->community), s_admin,
                       s_fmt("{\"title\": \"Notes\", \"author_ids\": [\"%s\", \"%s\"]}", w->erased,
                             w->host),
                       201));
    assert_true(s_is_member(w->community, w->erased));

    /* events: one seat, the erased person holds it, another waits; a calendar token */
    w->event = s_create(
        "/v1/events", s_admin,
        s_fmt("{\"title\": \"Erasure webinar\", \"kind\": \"webinar\", \"organiser_person_id\":"
              " \"%s\", \"start_local\": \"2031-06-02T17:00:00\", \"end_local\":"
              " \"2031-06-02T18:00:00\", \"time_zone\": \"Europe/Berlin\", \"capacity\": 1,"
              " \"online_url\": \"https://meet.example.org/e\"}",
              w->host));
    json_t *json = s_http("POST", s_fmt("/v1/events/%s/registrations", w->event), s_admin,
                          s_fmt("{\"person_id\": \"%s\"}", w->erased), 201);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "confirmed");
    w->registration = s_field(json, "id");
    json_decref(json);
    json = s_http("POST", s_fmt("/v1/events/%s/registrations", w->event), s_admin,
                  s_fmt("{\"person_id\": \"%s\"}", w->waiting), 201);
    assert_string_equal(json_string_value(json_object_get(json, "status")), "waitlisted");
    w->waiting_registration = s_field(json, "id");
    json_decref(json);
    json_decref(s_http("POST", s_fmt("/v1/persons/%s/calendar-token", w->erased), s_admin, NULL,
                       201));
    assert_int_equal(
        s_query_int("SELECT count(*) FROM events.calendar_tokens WHERE person_id = $1::uuid",
                    w->erased),
        1);

    /* matchmaking: a need it owns, a rating it gave */
    w->need = s_create("/v1/needs", s_admin,
                       s_fmt("{\"owner_person_id\": \"%s\", \"title\": \"Help\", \"competences\":"
                             " [{\"code\": \"dc.1.1\", \"level\": 2}]}",
                             w->erased));
    w->provider = s_create("/v1/organizations", s_admin,
                           s_fmt("{\"name\": \"Provider %s\", \"kind\": \"company\", \"region\":"
                                 " \"DE-NW\", \"sector\": \"training\"}",
                                 s_unique()));
    w->offer = s_create_eventually("/v1/offers", s_admin,
                        s_fmt("{\"provider_organization_id\": \"%s\", \"title\": \"Course\","
                              " \"competences\": [{\"code\": \"dc.1.1\", \"level\": 2}],"
                              " \"price\": {\"cents\": 100, \"currency\": \"EUR\"},"
                              " \"format\": \"online\"}",
                              w->provider));
    json_decref(s_http("POST", s_fmt("/v1/offers/%s/ratings", w->offer), s_admin,
                       s_fmt("{\"person_id\": \"%s\", \"stars\": 4}", w->erased), 200));
}

static void
s_free(s_world_t *w)
{
    char **all[] = {&w->erased, &w->waiting, &w->host, &w->later, &w->erased_token,
                    &w->community, &w->event, &w->registration, &w->waiting_registration,
                    &w->need, &w->offer, &w->provider};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(*all[i]);
        *all[i] = NULL;
    }
}

/* What the erasure of w->erased must have left. */
static void
s_assert_erased(const s_world_t *w)
{
    assert_false(s_is_member(w->community, w->erased));
    assert_true(s_is_member(w->community, w->host));
    json_t *json = s_http("GET", s_fmt("/v1/communities/%s", w->community), s_admin, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(json, "proposed_by")), "");
    json_decref(json);
    assert_int_equal(s_query_int("SELECT count(*) FROM communities.results"
                                 " WHERE $1 = ANY(author_ids)",
                                 w->erased),
                     0);

    char status[32], person[40];
    s_registration(w->event, w->registration, status, person);
    assert_string_equal(status, "cancelled");
    assert_string_equal(person, S_ERASED_PERSON);
    s_registration(w->event, w->waiting_registration, status, person);
    assert_string_equal(status, "confirmed");
    assert_string_equal(person, w->waiting);
    assert_int_equal(
        s_query_int("SELECT count(*) FROM events.registrations WHERE person_id = $1::uuid",
                    w->erased),
        0);
    assert_int_equal(
        s_query_int("SELECT count(*) FROM events.calendar_tokens WHERE person_id = $1::uuid",
                    w->erased),
        0);

    json_decref(s_http("GET", s_fmt("/v1/needs/%s", w->need), s_admin, NULL, 404));
    json = s_http("GET", s_fmt("/v1/offers/%s", w->offer), s_admin, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(json, "rating_count")), 0);
    json_decref(json);
    assert_int_equal(
        s_query_int("SELECT count(*) FROM matchmaking.ratings WHERE person_id = $1::uuid",
                    w->erased),
        0);
}

static void
test_erasure_reaches_every_service(void **state)
{
    (void)state;
    static const char *const services[] = {"communities", "events", "matchmaking"};
    s_world_t w = {0};
    s_build(&w);

    s_erase(w.erased);
    int64_t sequence = s_wait_applied(w.erased, services, 3);
    s_assert_erased(&w);
    /* the visible changes were announced: the cancellation (anonymised), the promotion, the
     * member leaving, the need and the rating */
    assert_int_equal(s_query_int("SELECT count(*) FROM (SELECT type, subject FROM events.outbox"
                                 " UNION ALL SELECT type, subject FROM stream.log) e"
                                 " WHERE e.type = 'verbund.events.registration.promoted.v1'"
                                 " AND e.subject = $1",
                                 w.waiting_registration),
                     1);

    /* a second delivery: events' stored position goes back before the erasure while the
     * service is down and it starts again, so the stream delivers the event again; nothing changes */
    int64_t events_before = s_events_of("events");
    int64_t versions_before = s_query_int(
        "SELECT sum(version) FROM events.registrations WHERE event_id = $1::uuid", w.event);
    assert_int_equal(vb_test_node_cmd("kill-service", "events"), 0); /* stores nothing more */
    char back[32];
    snprintf(back, sizeof back, "%lld", (long long)(sequence - 1));
    const char *params[] = {back};
    assert_int_equal(vb_db_exec(s_db,
                                "UPDATE events.stream_position SET sequence = $1::bigint"
                                " WHERE consumer = 'erasure'",
                                params, 1, NULL, NULL, NULL),
                     VB_STATUS_OK);
    assert_int_equal(vb_test_node_cmd("restart-service", "events"), 0);
    s_wait_applied(w.erased, services, 3);
    s_assert_erased(&w);
    assert_int_equal(s_events_of("events"), events_before);
    assert_int_equal(s_query_int("SELECT sum(version) FROM events.registrations"
                                 " WHERE event_id = $1::uuid",
                                 w.event),
                     versions_before);

    /* a plain restart resumes after the stored position: nothing again */
    int64_t position = s_position("communities");
    int64_t communities_before = s_events_of("communities");
    assert_int_equal(vb_test_node_cmd("restart-service", "communities"), 0);
    vb_test_pause_ms(500);
    assert_true(s_position("communities") >= position);
    assert_int_equal(s_events_of("communities"), communities_before);

    /* an erasure while communities is down is applied once it is back */
    assert_true(s_is_member(w.community, w.later));
    assert_int_equal(vb_test_node_cmd("kill-service", "communities"), 0);
    s_erase(w.later);
    static const char *const others[] = {"events", "matchmaking"};
    s_wait_applied(w.later, others, 2);
    assert_int_equal(vb_test_node_cmd("restart-service", "communities"), 0);
    s_wait_applied(w.later, services, 3);
    assert_false(s_is_member(w.community, w.later));
    assert_true(s_is_member(w.community, w.host));
    assert_int_equal(s_query_int("SELECT count(*) FROM (SELECT type, subject, data"
                                 " FROM communities.outbox UNION ALL SELECT type, subject, data"
                                 " FROM stream.log) e"
                                 " WHERE e.type = 'verbund.communities.member.left.v1'"
                                 " AND e.subject = $1",
                                 w.community),
                     2);
    s_free(&w);
}

static int
s_setup(void **state)
{
    (void)state;
    s_admin = vb_test_env("VB_TEST_ADMIN_TOKEN");
    if (!s_admin || !vb_test_http_url()) {
        fprintf(stderr, "test_erasure_fanout: no node fixture (VB_TEST_NODE_DIR)\n");
        return -1;
    }
    s_db = vb_test_db_open("erasure_test");
    if (!vb_test_db_has_stream_log(s_db)) {
        fprintf(stderr, "test_erasure_fanout: the node has no stream service\n");
        return -1;
    }
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_db_destroy(&s_db);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erasure_reaches_every_service),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
