/* test_stream.c - the stream service against the node fixture: events written by membership
 * RPCs appear in stream.Read in order with gapless sequences and on the PUB socket; stream.Head;
 * topic filtering with scanned_through; caller rules; erasure scrubs the log; malformed replay
 * frames; SIGKILL of the stream service during writes loses nothing; retention answers
 * SNAPSHOT_REQUIRED (last: it deletes the oldest events).
 * Does not: test CURVE (test_stream_curve.c) or the HTTP feed (the gateway's tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <czmq.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_node.h"
#include "vb_test_rpc.h"

typedef Verbund__Rpc__V1__Caller caller_t;
typedef Verbund__Stream__V1__ReadReply read_reply_t;

#define S_WAIT_MS 20000

static vb_rpc_client_t *s_membership;
static vb_rpc_client_t *s_stream;
static vb_db_t *s_db;
static char s_tag[16];

static caller_t s_admin = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"test-admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"",
                           0, NULL};

/* ---- helpers ---- */

static vb_rpc_client_t *
s_client_new(const char *key)
{
    const char *endpoint = vb_test_env(key);
    if (!endpoint) {
        print_error("%s unknown: run under the node fixture\n", key);
        return NULL;
    }
    vb_rpc_client_options_t options = {.endpoint = endpoint, .attempt_timeout_ms = 3000};
    return vb_rpc_client_new(&options);
}

static int
s_setup(void **state)
{
    (void)state;
    s_membership = s_client_new("VERBUND_MEMBERSHIP_ENDPOINT");
    s_stream = s_client_new("VERBUND_STREAM_REPLAY_ENDPOINT");
    const char *url = vb_test_env("VERBUND_DATABASE_URL");
    if (!s_membership || !s_stream || !url)
        return -1;
    vb_db_options_t options = {.conninfo = url, .schema = "stream"};
    char err[256];
    s_db = vb_db_new(&options, err, sizeof err);
    if (!s_db) {
        print_error("database: %s\n", err);
        return -1;
    }
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    snprintf(s_tag, sizeof s_tag, "s%.4s%.4s", id + 24, id + 28);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_test_rpc_close();
    vb_rpc_client_destroy(&s_membership);
    vb_rpc_client_destroy(&s_stream);
    vb_db_destroy(&s_db);
    return 0;
}

static vb_status_t
s_call(vb_rpc_client_t *client, const char *method, const void *request, const caller_t *caller,
       bool write, const ProtobufCMessageDescriptor *type, void *out)
{
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = caller, .write = write};
    return vb_test_rpc_call_owned(client, method, request, &options, type, out);
}

/* Creates a person; returns its id (malloc'd). */
static char *
s_person_create(const char *name, const char *email)
{
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = (char *)name;
    person.email = (char *)email;
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = &person;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call(s_membership, "membership.PersonCreate", &request, &s_admin, true,
                         &verbund__membership__v1__person_reply__descriptor, &reply));
    assert_non_null(reply);
    char *id = strdup(reply->person->id);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return id;
}

static uint64_t
s_head(uint64_t *oldest)
{
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Stream__V1__HeadReply *reply = NULL;
    assert_status(VB_STATUS_OK, s_call(s_stream, "stream.Head", &request, NULL, false,
                                       &verbund__stream__v1__head_reply__descriptor, &reply));
    assert_non_null(reply);
    uint64_t newest = reply->newest_sequence;
    if (oldest)
        *oldest = reply->oldest_sequence;
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return newest;
}

/* Polls stream.Head until newest >= target (fails after S_WAIT_MS). */
static void
s_wait_newest(uint64_t target)
{
    int64_t deadline = vb_clock_monotonic_us() + (int64_t)S_WAIT_MS * 1000;
    for (;;) {
        if (s_head(NULL) >= target)
            return;
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("the log did not reach sequence %llu", (unsigned long long)target);
        zclock_sleep(20); /* a poll interval, not a wait for an outcome */
    }
}

static vb_status_t
s_read(uint64_t after, uint32_t limit, const char *const *prefixes, size_t count,
       const caller_t *caller, read_reply_t **reply)
{
    Verbund__Stream__V1__ReadRequest request = VERBUND__STREAM__V1__READ_REQUEST__INIT;
    request.after = after;
    request.limit = limit;
    request.topic_prefixes = (char **)prefixes;
    request.n_topic_prefixes = count;
    return s_call(s_stream, "stream.Read", &request, caller, false,
                  &verbund__stream__v1__read_reply__descriptor, reply);
}

static const char *
s_attr(const Io__Cloudevents__V1__CloudEvent *event, const char *name)
{
    const char *value = vb_cloudevent_attribute(event, name);
    return value ? value : "";
}

/* ---- tests ---- */

/* Usage: membership writes, the stream numbers them, stream.Read returns them in order. */
static void
test_events_in_order_gapless(void **state)
{
    (void)state;
    const char *pub = vb_test_env("VERBUND_STREAM_PUB_ENDPOINT");
    assert_non_null(pub);
    zsock_t *sub = zsock_new_sub(pub, "verbund.membership.person.created.");
    assert_non_null(sub);
    zsock_set_subscribe(sub, VB_STREAM_HEARTBEAT_TOPIC);
    zsock_set_rcvtimeo(sub, 3000);
    /* a heartbeat proves the subscription is in place before the writes */
    for (;;) {
        char *topic = NULL;
        zframe_t *body = NULL;
        assert_int_equal(zsock_recv(sub, "sf", &topic, &body), 0);
        bool heartbeat = streq(topic, VB_STREAM_HEARTBEAT_TOPIC);
        zstr_free(&topic);
        zframe_destroy(&body);
        if (heartbeat)
            break;
    }

    uint64_t start = s_head(NULL);
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        char name[64], email[96];
        snprintf(name, sizeof name, "Order %s %d", s_tag, i);
        snprintf(email, sizeof email, "order-%s-%d@example.org", s_tag, i);
        ids[i] = s_person_create(name, email);
    }
    s_wait_newest(start + 5);
    read_reply_t *reply = NULL;
    assert_status(VB_STATUS_OK, s_read(start, 0, NULL, 0, NULL, &reply));
    assert_non_null(reply);
    assert_true(reply->n_events >= 5);
    int found = 0;
    for (size_t i = 0; i < reply->n_events; i++) {
        const Io__Cloudevents__V1__CloudEvent *event = reply->events[i];
        assert_int_equal(vb_cloudevent_sequence(event), start + 1 + i);
        assert_int_equal(strlen(s_attr(event, "sequence")), VB_CLOUDEVENT_SEQUENCE_WIDTH);
        assert_string_equal(event->spec_version, "1.0");
        assert_string_equal(event->source, "//verbund/test/membership");
        assert_true(vb_uuid_valid(event->id));
        if (found < 5 && strcmp(s_attr(event, "subject"), ids[found]) == 0) {
            assert_string_equal(event->type, "verbund.membership.person.created.v1");
            assert_string_equal(s_attr(event, "dataschema"), "verbund.membership.v1.PersonEvent");
            Verbund__Membership__V1__PersonEvent *payload =
                verbund__membership__v1__person_event__unpack(NULL, event->binary_data.len,
                                                              event->binary_data.data);
            assert_non_null(payload);
            assert_string_equal(payload->person->id, ids[found]);
            verbund__membership__v1__person_event__free_unpacked(payload, NULL);
            found++;
        }
    }
    assert_int_equal(found, 5); /* all five, in the order they were written */
    assert_true(reply->scanned_through >= start + 5);
    assert_int_equal(reply->scanned_through, reply->newest_sequence);
    protobuf_c_message_free_unpacked(&reply->base, NULL);

    /* the same events live on the PUB socket, each with its sequence */
    int live = 0;
    while (live < 5) {
        char *topic = NULL;
        zframe_t *body = NULL;
        if (zsock_recv(sub, "sf", &topic, &body) != 0)
            fail_msg("only %d of 5 events arrived on the PUB socket", live);
        if (streq(topic, "verbund.membership.person.created.v1")) {
            Io__Cloudevents__V1__CloudEvent *event = io__cloudevents__v1__cloud_event__unpack(
                NULL, zframe_size(body), zframe_data(body));
            assert_non_null(event);
            if (strcmp(s_attr(event, "subject"), ids[live]) == 0) {
                assert_int_equal(vb_cloudevent_sequence(event), start + 1 + (uint64_t)live);
                live++;
            }
            io__cloudevents__v1__cloud_event__free_unpacked(event, NULL);
        } else {
            assert_string_equal(topic, VB_STREAM_HEARTBEAT_TOPIC);
        }
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    zsock_destroy(&sub);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
}

static void
test_head_and_topic_filter(void **state)
{
    (void)state;
    uint64_t oldest = 0;
    uint64_t start = s_head(&oldest);
    assert_true(oldest >= 1 && oldest <= start);
    char name[64], email[96];
    snprintf(name, sizeof name, "Filter %s", s_tag);
    snprintf(email, sizeof email, "filter-%s@example.org", s_tag);
    char *id = s_person_create(name, email);
    /* an update: a second topic */
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = (char *)"Filter Renamed";
    char *mask[] = {(char *)"name"};
    Verbund__Membership__V1__PersonUpdateRequest update =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    update.id = id;
    update.expected_version = 1;
    update.person = &person;
    update.update_mask = mask;
    update.n_update_mask = 1;
    assert_status(VB_STATUS_OK, s_call(s_membership, "membership.PersonUpdate", &update, &s_admin,
                                       true, NULL, NULL));
    s_wait_newest(start + 2);

    const char *updated[] = {"verbund.membership.person.updated."};
    read_reply_t *reply = NULL;
    assert_status(VB_STATUS_OK, s_read(start, 0, updated, 1, NULL, &reply));
    assert_int_equal(reply->n_events, 1);
    assert_string_equal(reply->events[0]->type, "verbund.membership.person.updated.v1");
    assert_int_equal(vb_cloudevent_sequence(reply->events[0]), start + 2);
    assert_int_equal(reply->scanned_through, reply->newest_sequence);
    protobuf_c_message_free_unpacked(&reply->base, NULL);

    /* a full page: scanned_through is the last event, not the newest */
    assert_status(VB_STATUS_OK, s_read(start, 1, NULL, 0, NULL, &reply));
    assert_int_equal(reply->n_events, 1);
    assert_int_equal(reply->scanned_through, start + 1);
    protobuf_c_message_free_unpacked(&reply->base, NULL);

    /* a filter matching nothing after start still moves the reader past the scanned range */
    const char *none[] = {"verbund.nothing."};
    assert_status(VB_STATUS_OK, s_read(start, 0, none, 1, NULL, &reply));
    assert_int_equal(reply->n_events, 0);
    assert_true(reply->scanned_through >= start + 2);
    protobuf_c_message_free_unpacked(&reply->base, NULL);

    /* callers: a member without prefixes sees nothing; prefixes limit what is returned */
    caller_t member = s_admin;
    member.role = VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
    member.person_id = id;
    assert_status(VB_STATUS_FORBIDDEN, s_read(start, 0, NULL, 0, &member, NULL));
    char *limited_prefixes[] = {(char *)"verbund.membership.person.updated."};
    caller_t limited = s_admin;
    limited.role = VERBUND__RPC__V1__ROLE__ROLE_STAFF;
    limited.topic_prefixes = limited_prefixes;
    limited.n_topic_prefixes = 1;
    assert_status(VB_STATUS_OK, s_read(start, 0, NULL, 0, &limited, &reply));
    assert_int_equal(reply->n_events, 1);
    assert_string_equal(reply->events[0]->type, "verbund.membership.person.updated.v1");
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    const char *created[] = {"verbund.membership.person.created."};
    assert_status(VB_STATUS_FORBIDDEN, s_read(start, 0, created, 1, &limited, NULL));

    /* bad requests */
    assert_status(VB_STATUS_BAD_REQUEST, s_read(0, 5001, NULL, 0, NULL, NULL));
    const char *bad[] = {"Verbund'; --"};
    assert_status(VB_STATUS_BAD_REQUEST, s_read(0, 0, bad, 1, NULL, NULL));
    free(id);
}

/* The position just before the oldest retained event: "from the start" for tests that share
 * the fixture with others that age the start of the log away (retention tests). */
static uint64_t
s_log_start(void)
{
    uint64_t oldest = 0;
    (void)s_head(&oldest);
    return oldest > 0 ? oldest - 1 : 0;
}

/* Reads the whole log from after; calls fn per event. */
static void
s_read_all(uint64_t after, void (*fn)(void *arg, const Io__Cloudevents__V1__CloudEvent *event),
           void *arg)
{
    for (;;) {
        read_reply_t *reply = NULL;
        assert_status(VB_STATUS_OK, s_read(after, 5000, NULL, 0, NULL, &reply));
        for (size_t i = 0; i < reply->n_events; i++)
            fn(arg, reply->events[i]);
        bool done = reply->scanned_through >= reply->newest_sequence;
        after = reply->scanned_through;
        protobuf_c_message_free_unpacked(&reply->base, NULL);
        if (done)
            return;
    }
}

typedef struct {
    const char *needles[2];
    int hits;
    int events;
} s_search_t;

static void
s_search(void *arg, const Io__Cloudevents__V1__CloudEvent *event)
{
    s_search_t *search = arg;
    search->events++;
    for (int n = 0; n < 2; n++)
        if (memmem(event->binary_data.data, event->binary_data.len, search->needles[n],
                   strlen(search->needles[n])))
            search->hits++;
}

static void
test_erasure_scrubs_the_log(void **state)
{
    (void)state;
    char name[64], email[96];
    snprintf(name, sizeof name, "Erasable %s", s_tag);
    snprintf(email, sizeof email, "erasable-%s@example.org", s_tag);
    uint64_t start = s_head(NULL);
    char *id = s_person_create(name, email);
    s_wait_newest(start + 1);
    s_search_t before = {{name, email}, 0, 0};
    s_read_all(s_log_start(), s_search, &before);
    assert_true(before.hits > 0); /* the search finds the data while it is there */

    Verbund__Membership__V1__PersonEraseRequest erase =
        VERBUND__MEMBERSHIP__V1__PERSON_ERASE_REQUEST__INIT;
    erase.id = id;
    erase.reason = (char *)"test";
    vb_status_t status = s_call(s_membership, "membership.PersonErase", &erase, &s_admin, true,
                                NULL, NULL);
    assert_true(status == VB_STATUS_OK || status == VB_STATUS_CREATED);
    s_wait_newest(start + 2);
    s_search_t after = {{name, email}, 0, 0};
    s_read_all(s_log_start(), s_search, &after);
    assert_true(after.events > 0);
    assert_int_equal(after.hits, 0);
    free(id);
}

/* A raw DEALER on the replay socket. */
static Verbund__Rpc__V1__Reply *
s_raw(zsock_t *dealer, zmsg_t **request)
{
    assert_int_equal(zmsg_send(request, dealer), 0);
    zmsg_t *answer = zmsg_recv(dealer);
    assert_non_null(answer);
    zframe_t *frame = zmsg_last(answer);
    Verbund__Rpc__V1__Reply *reply =
        vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
    zmsg_destroy(&answer);
    assert_non_null(reply);
    return reply;
}

static void
test_malformed_replay_requests(void **state)
{
    (void)state;
    zsock_t *dealer = zsock_new_dealer(vb_test_env("VERBUND_STREAM_REPLAY_ENDPOINT"));
    assert_non_null(dealer);
    zsock_set_rcvtimeo(dealer, 5000);

    zmsg_t *request = zmsg_new();
    zmsg_addmem(request, "\xff\xff\xff garbage", 12);
    Verbund__Rpc__V1__Reply *reply = s_raw(dealer, &request);
    assert_int_equal(reply->status, VB_STATUS_BAD_REQUEST);
    vb_rpc_reply_free(reply);

    request = zmsg_new();
    zmsg_addstr(request, "one");
    zmsg_addstr(request, "two");
    reply = s_raw(dealer, &request);
    assert_int_equal(reply->status, VB_STATUS_BAD_REQUEST);
    vb_rpc_reply_free(reply);

    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)"stream.Read";
    envelope.body.data = (uint8_t *)"\x08\xff\xff\xff";
    envelope.body.len = 4; /* a truncated varint */
    uint8_t packed[256];
    size_t size = verbund__rpc__v1__envelope__pack(&envelope, packed);
    request = zmsg_new();
    zmsg_addmem(request, packed, size);
    reply = s_raw(dealer, &request);
    assert_int_equal(reply->status, VB_STATUS_BAD_REQUEST);
    vb_rpc_reply_free(reply);

    envelope.method = (char *)"stream.Write";
    envelope.body.len = 0;
    size = verbund__rpc__v1__envelope__pack(&envelope, packed);
    request = zmsg_new();
    zmsg_addmem(request, packed, size);
    reply = s_raw(dealer, &request);
    assert_int_equal(reply->status, VB_STATUS_UNKNOWN_METHOD);
    vb_rpc_reply_free(reply);
    zsock_destroy(&dealer);

    (void)s_head(NULL); /* still answering */
}

/* Every created person's event is in the log exactly once, and the log is gapless. */
typedef struct {
    char **ids;
    int count;
    int *seen;
    uint64_t previous;
    bool gap;
} s_census_t;

static void
s_census(void *arg, const Io__Cloudevents__V1__CloudEvent *event)
{
    s_census_t *census = arg;
    uint64_t sequence = vb_cloudevent_sequence(event);
    if (census->previous && sequence != census->previous + 1)
        census->gap = true;
    census->previous = sequence;
    if (strcmp(event->type, "verbund.membership.person.created.v1") != 0)
        return;
    const char *subject = s_attr(event, "subject");
    for (int i = 0; i < census->count; i++)
        if (strcmp(census->ids[i], subject) == 0)
            census->seen[i]++;
}

static void
test_sigkill_during_writes_loses_nothing(void **state)
{
    (void)state;
    enum { rounds = 4, per_round = 60 };
    char *ids[rounds * per_round];
    int seen[rounds * per_round];
    memset(seen, 0, sizeof seen);
    uint64_t start = s_head(NULL);
    int count = 0;
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < per_round; i++) {
            char name[64], email[96];
            snprintf(name, sizeof name, "Kill %s %d", s_tag, count);
            snprintf(email, sizeof email, "kill-%s-%d@example.org", s_tag, count);
            ids[count++] = s_person_create(name, email);
            if (i == per_round / 2 && round % 2 == 0)
                assert_int_equal(vb_test_node_cmd("kill-service", "stream"), 0);
            if (i == per_round / 2 && round % 2 == 1)
                assert_int_equal(vb_test_node_cmd("restart-service", "stream"), 0);
        }
    }
    s_wait_newest(start + (uint64_t)count);
    s_census_t census = {ids, count, seen, 0, false};
    s_read_all(start, s_census, &census);
    assert_false(census.gap);
    for (int i = 0; i < count; i++) {
        if (seen[i] != 1)
            fail_msg("person %d (%s) has %d events in the log", i, ids[i], seen[i]);
        free(ids[i]);
    }
}

static void
test_retention_snapshot_required(void **state)
{
    (void)state;
    /* Relative to whatever is retained now: other tests of the fixture may have aged the
     * start of the log already. */
    uint64_t oldest = 0;
    uint64_t newest = s_head(&oldest);
    uint64_t base = oldest > 0 ? oldest : 1;
    assert_true(newest >= base + 4);
    char last_aged[24];
    snprintf(last_aged, sizeof last_aged, "%llu", (unsigned long long)(base + 2));
    const char *params[] = {last_aged};
    assert_int_equal(vb_db_exec(s_db,
                                "UPDATE stream.log SET time = now() - interval '40 days'"
                                " WHERE sequence <= $1::bigint",
                                params, 1, NULL, NULL, NULL),
                     VB_STATUS_OK);
    int64_t deadline = vb_clock_monotonic_us() + (int64_t)S_WAIT_MS * 1000;
    while (oldest <= base + 2) {
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("retention did not delete the old events (oldest %llu)",
                     (unsigned long long)oldest);
        zclock_sleep(50);
        (void)s_head(&oldest);
    }
    assert_int_equal(oldest, base + 3);
    assert_status(VB_STATUS_SNAPSHOT_REQUIRED, s_read(0, 0, NULL, 0, NULL, NULL));
    assert_non_null(vb_test_rpc_last());
    assert_non_null(strstr(vb_test_rpc_last()->message, "snapshot"));
    assert_status(VB_STATUS_SNAPSHOT_REQUIRED, s_read(base + 1, 0, NULL, 0, NULL, NULL));
    read_reply_t *reply = NULL;
    assert_status(VB_STATUS_OK, s_read(base + 2, 10, NULL, 0, NULL, &reply));
    assert_true(reply->n_events > 0);
    assert_int_equal(vb_cloudevent_sequence(reply->events[0]), base + 3);
    assert_int_equal(reply->oldest_sequence, base + 3);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    assert_int_equal(s_head(NULL) >= newest, true); /* numbering kept */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_in_order_gapless),
        cmocka_unit_test(test_head_and_topic_filter),
        cmocka_unit_test(test_erasure_scrubs_the_log),
        cmocka_unit_test(test_malformed_replay_requests),
        cmocka_unit_test(test_sigkill_during_writes_loses_nothing),
        cmocka_unit_test(test_retention_snapshot_required),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
