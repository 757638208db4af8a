/* test_events_rpc.c - the events service over ZeroMQ as the gateway and matchmaking use it:
 * events and series (occurrences keep 17:00 local time across the end of daylight-saving time),
 * 200 concurrent registrations for 50 seats and concurrent cancellations with waitlist
 * promotion, bad input refused without a change, idempotent repeats, who may act on whose
 * registration, check-ins and closing, knowledge-café tables and assignments, booths and agenda,
 * the outbox events of every change, and garbage frames on the socket.
 * Talks only through vb_rpc_client, raw ZeroMQ and protobuf; reads events.outbox / stream.log
 * with SQL to see emitted events. Does not: start the node (the ctest "node" fixture does) or
 * test HTTP (test_events_http.c). */
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
#include <sodium.h>
#include <zmq.h>

#include "verbund/events/v1/events.pb-c.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_db.h"
#include "vb_test_faults.h"
#include "vb_test_node.h"
#include "vb_test_rpc.h"

typedef Verbund__Rpc__V1__Caller caller_t;
typedef Verbund__Rpc__V1__Reply reply_t;
typedef Verbund__Events__V1__Event event_t;
typedef Verbund__Events__V1__Registration registration_t;

#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define CONFIRMED VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CONFIRMED
#define WAITLISTED VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_WAITLISTED
#define CANCELLED VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CANCELLED

static const char *s_endpoint;
static vb_rpc_client_t *s_client;
static vb_db_t *s_db;

static caller_t s_staff = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"test-staff",
                           VERBUND__RPC__V1__ROLE__ROLE_STAFF,
                           (char *)"",
                           0,
                           NULL};
static caller_t s_service = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                             (char *)"test-matchmaking",
                             VERBUND__RPC__V1__ROLE__ROLE_SERVICE,
                             (char *)"",
                             0,
                             NULL};

/* ---- helpers ---- */

static int
s_setup(void **state)
{
    (void)state;
    s_endpoint = vb_test_env("VERBUND_EVENTS_ENDPOINT");
    if (!s_endpoint || sodium_init() < 0) {
        print_error("VERBUND_EVENTS_ENDPOINT unknown: run under the node fixture\n");
        return -1;
    }
    s_client = vb_test_rpc_open("VERBUND_EVENTS_ENDPOINT", 5000, 15000);
    s_db = vb_test_db_open("events");
    return s_client && s_db ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_test_rpc_close();
    vb_db_destroy(&s_db);
    return 0;
}

/* A uuid string kept until the test ends. */
static char *
s_uuid(void)
{
    static char ids[4096][VB_UUID_STRING_SIZE];
    static size_t next;
    char *id = ids[next++ % 4096];
    vb_uuid7(id);
    return id;
}

/* A member caller acting as person_id (static storage, one per slot). */
static caller_t *
s_member(const char *person_id)
{
    static caller_t callers[8];
    static char ids[8][VB_UUID_STRING_SIZE];
    static int next;
    int slot = next++ % 8;
    verbund__rpc__v1__caller__init(&callers[slot]);
    snprintf(ids[slot], sizeof ids[slot], "%s", person_id);
    callers[slot].id = ids[slot];
    callers[slot].role = ROLE_MEMBER;
    callers[slot].person_id = ids[slot];
    return &callers[slot];
}

/* A valid webinar far in the future (registration open until it starts); the caller changes
 * fields before creating. Static storage: one event message at a time. */
static event_t *
s_event_template(const char *title, int32_t capacity)
{
    static event_t event;
    static Verbund__Events__V1__Venue venue;
    static char *topics[1] = {(char *)"fs.collaboration"};
    verbund__events__v1__event__init(&event);
    verbund__events__v1__venue__init(&venue);
    venue.name = (char *)"Digital Campus Zollverein";
    venue.address = (char *)"Essen";
    event.title = (char *)title;
    event.description = (char *)"test event";
    event.kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_WEBINAR;
    event.organiser_person_id = s_uuid();
    event.start_local = (char *)"2030-03-05T10:00:00";
    event.end_local = (char *)"2030-03-05T12:00:00";
    event.time_zone = (char *)"Europe/Berlin";
    event.venue = &venue;
    event.online_url = (char *)"https://meet.example.org/verbund-test";
    event.capacity = capacity;
    event.language = (char *)"de";
    event.topics = topics;
    event.n_topics = 1;
    return &event;
}

static event_t *
s_create_event(const event_t *event)
{
    Verbund__Events__V1__EventCreateRequest request =
        VERBUND__EVENTS__V1__EVENT_CREATE_REQUEST__INIT;
    request.event = (event_t *)event;
    Verbund__Events__V1__EventReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("events.EventCreate", &request, &s_staff, true,
                                   &verbund__events__v1__event_reply__descriptor, &reply));
    assert_true(vb_uuid_valid(reply->event->id));
    return reply->event;
}

static vb_status_t
s_register(const char *event_id, const char *person_id, const char *occurrence_id,
           const caller_t *caller, registration_t **out)
{
    Verbund__Events__V1__RegistrationCreateRequest request =
        VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
    request.event_id = (char *)event_id;
    request.person_id = (char *)person_id;
    request.occurrence_id = (char *)(occurrence_id ? occurrence_id : "");
    Verbund__Events__V1__RegistrationReply *reply = NULL;
    vb_status_t status =
        vb_test_rpc_call("events.RegistrationCreate", &request, caller, true,
                         &verbund__events__v1__registration_reply__descriptor, &reply);
    if (out)
        *out = reply ? reply->registration : NULL;
    return status;
}

/* Every registration of the event with status ("" = all), through RegistrationList pages. */
static size_t
s_registrations(const char *event_id, const char *status, const caller_t *caller,
                registration_t **items, size_t max)
{
    size_t count = 0;
    char cursor[64] = "";
    for (;;) {
        Verbund__Events__V1__RegistrationListRequest request =
            VERBUND__EVENTS__V1__REGISTRATION_LIST_REQUEST__INIT;
        request.event_id = (char *)event_id;
        request.status = (char *)status;
        request.cursor = cursor;
        request.limit = 200;
        Verbund__Events__V1__RegistrationListReply *reply = NULL;
        assert_status(VB_STATUS_OK,
                      vb_test_rpc_call("events.RegistrationList", &request, caller, false,
                                       &verbund__events__v1__registration_list_reply__descriptor,
                                       &reply));
        for (size_t i = 0; i < reply->n_items && count < max; i++)
            items[count++] = reply->items[i];
        if (!reply->next_cursor[0])
            break;
        snprintf(cursor, sizeof cursor, "%s", reply->next_cursor);
    }
    return count;
}

static event_t *
s_get_event(const char *id, const caller_t *caller)
{
    Verbund__Events__V1__EventGetRequest request = VERBUND__EVENTS__V1__EVENT_GET_REQUEST__INIT;
    request.id = (char *)id;
    Verbund__Events__V1__EventReply *reply = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.EventGet", &request, caller, false,
                                   &verbund__events__v1__event_reply__descriptor, &reply));
    return reply->event;
}

/* Events with this subject and type, in events.outbox or already relayed into stream.log. */
static int64_t
s_emitted(const char *subject, const char *type)
{
    const char *params[] = {subject, type};
    int64_t count = 0;
    vb_status_t status =
        vb_db_exec(s_db,
                   "SELECT id FROM events.outbox WHERE subject = $1 AND type = $2"
                   " UNION SELECT id FROM stream.log WHERE subject = $1 AND type = $2",
                   params, 2, NULL, NULL, &count);
    if (status != VB_STATUS_OK)
        fail_msg("reading events: %s (%s)", vb_db_error(s_db), vb_db_sqlstate(s_db));
    return count;
}

/* ---- events ---- */

static void
test_create_and_get_an_event(void **state)
{
    (void)state;
    event_t *created = s_create_event(s_event_template("Live-Webinar Future Skills", 30));
    assert_string_equal(created->start_at, "2030-03-05T09:00:00Z"); /* CET: UTC+1 */
    assert_string_equal(created->end_at, "2030-03-05T11:00:00Z");
    assert_int_equal(created->version, 1);
    assert_int_equal(created->status, VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_SCHEDULED);
    assert_true(created->free);
    event_t *read = s_get_event(created->id, &s_staff);
    assert_string_equal(read->title, "Live-Webinar Future Skills");
    assert_string_equal(read->start_local, "2030-03-05T10:00:00");
    assert_string_equal(read->online_url, "https://meet.example.org/verbund-test");
    /* a member who is not registered does not see the online URL */
    read = s_get_event(created->id, s_member(s_uuid()));
    assert_string_equal(read->online_url, "");
    assert_int_equal(s_emitted(created->id, "verbund.events.event.created.v1"), 1);
}

/* One bad event per row: it is refused with a field error, and nothing is created. */
typedef struct {
    const char *name;
    void (*spoil)(event_t *event);
    vb_status_t status;
    const char *field;
} s_bad_event_t;

static void
s_end_before_start(event_t *e)
{
    e->end_local = (char *)"2030-03-05T09:00:00";
}
static void
s_capacity_zero(event_t *e)
{
    e->capacity = 0;
}
static void
s_capacity_negative(event_t *e)
{
    e->capacity = -5;
}
static void
s_unknown_zone(event_t *e)
{
    e->time_zone = (char *)"Europe/Atlantis";
}
static void
s_unknown_topic(event_t *e)
{
    static char *t[] = {(char *)"fs.telepathy"};
    e->topics = t;
}
static void
s_bad_rrule(event_t *e)
{
    e->rrule = (char *)"FREQ=FORTNIGHTLY;BYDAY=XX";
}
static void
s_no_title(event_t *e)
{
    e->title = (char *)"";
}
static void
s_no_kind(event_t *e)
{
    e->kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_UNSPECIFIED;
}
static void
s_bad_local(event_t *e)
{
    e->start_local = (char *)"2030-02-30T10:00:00";
}
static void
s_zoned_local(event_t *e)
{
    e->start_local = (char *)"2030-03-05T10:00:00Z";
}
static void
s_bad_url(event_t *e)
{
    e->online_url = (char *)"javascript:alert(1)";
}
static void
s_window_reversed(event_t *e)
{
    e->registration_opens_at = (char *)"2030-02-01T00:00:00Z";
    e->registration_closes_at = (char *)"2030-01-01T00:00:00Z";
}
static void
s_title_line_break(event_t *e)
{
    e->title = (char *)"Title\r\nX-INJECTED:1";
}
static void
s_negative_price(event_t *e)
{
    static Verbund__Common__V1__Money money = VERBUND__COMMON__V1__MONEY__INIT;
    money.cents = -100;
    money.currency = (char *)"EUR";
    e->price_member = &money;
}

static void
test_bad_events_are_refused_and_change_nothing(void **state)
{
    (void)state;
    static const s_bad_event_t rows[] = {
        {"end before start", s_end_before_start, VB_STATUS_UNPROCESSABLE, "event.end_local"},
        {"capacity 0", s_capacity_zero, VB_STATUS_UNPROCESSABLE, "event.capacity"},
        {"negative capacity", s_capacity_negative, VB_STATUS_UNPROCESSABLE, "event.capacity"},
        {"unknown time zone", s_unknown_zone, VB_STATUS_UNPROCESSABLE, "event.time_zone"},
        {"unknown topic", s_unknown_topic, VB_STATUS_UNPROCESSABLE, "event.topics[0]"},
        {"invalid rrule", s_bad_rrule, VB_STATUS_UNPROCESSABLE, "event.rrule"},
        {"no title", s_no_title, VB_STATUS_UNPROCESSABLE, "event.title"},
        {"no kind", s_no_kind, VB_STATUS_UNPROCESSABLE, "event.kind"},
        {"30 February", s_bad_local, VB_STATUS_UNPROCESSABLE, "event.start_local"},
        {"zone in local time", s_zoned_local, VB_STATUS_UNPROCESSABLE, "event.start_local"},
        {"script URL", s_bad_url, VB_STATUS_UNPROCESSABLE, "event.online_url"},
        {"window reversed", s_window_reversed, VB_STATUS_UNPROCESSABLE,
         "event.registration_closes_at"},
        {"line break in title", s_title_line_break, VB_STATUS_UNPROCESSABLE, "event.title"},
        {"negative price", s_negative_price, VB_STATUS_UNPROCESSABLE, "event.price_member.cents"},
    };
    char *community = s_uuid();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        event_t *event = s_event_template("Bad event", 10);
        event->community_id = community;
        rows[i].spoil(event);
        Verbund__Events__V1__EventCreateRequest request =
            VERBUND__EVENTS__V1__EVENT_CREATE_REQUEST__INIT;
        request.event = event;
        vb_status_t status =
            vb_test_rpc_call("events.EventCreate", &request, &s_staff, true, NULL, NULL);
        if (status != rows[i].status)
            fail_msg("%s: expected %s, got %s (%s)", rows[i].name, vb_status_name(rows[i].status),
                     vb_status_name(status), vb_test_rpc_last() ? vb_test_rpc_last()->message : "");
        if (!vb_test_rpc_has_field_error(rows[i].field))
            fail_msg("%s: expected a field error at %s; message: %s", rows[i].name, rows[i].field,
                     vb_test_rpc_last() ? vb_test_rpc_last()->message : "");
    }
    /* a member may not create events at all */
    event_t *event = s_event_template("Member event", 10);
    event->community_id = community;
    Verbund__Events__V1__EventCreateRequest request =
        VERBUND__EVENTS__V1__EVENT_CREATE_REQUEST__INIT;
    request.event = event;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("events.EventCreate", &request,
                                   s_member(event->organiser_person_id), true, NULL, NULL));
    Verbund__Events__V1__EventListRequest list = VERBUND__EVENTS__V1__EVENT_LIST_REQUEST__INIT;
    list.community_id = community;
    Verbund__Events__V1__EventListReply *listed = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.EventList", &list, &s_staff, false,
                                   &verbund__events__v1__event_list_reply__descriptor, &listed));
    assert_int_equal(listed->n_items, 0);
}

/* ---- registrations under concurrency ---- */

#define S_SEATS 50
#define S_PERSONS 200
#define S_CANCELS 20

typedef struct {
    char person[VB_UUID_STRING_SIZE];
    char registration[VB_UUID_STRING_SIZE];
    int status;
    int position;
} s_seat_t;

static int
s_find_registration(s_seat_t *seats, size_t count, const char *registration_id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(seats[i].registration, registration_id) == 0)
            return (int)i;
    return -1;
}

/* Reads every registration into seats (by registration id) and checks the invariants: at most
 * S_SEATS confirmed, waitlist positions exactly 1..waiting. Returns the confirmed count. */
static int
s_check_seats(const char *event_id, s_seat_t *seats, size_t count, int *waiting)
{
    registration_t *items[S_PERSONS + 8];
    size_t n = s_registrations(event_id, "", &s_staff, items, S_PERSONS + 8);
    assert_int_equal(n, count);
    int confirmed = 0;
    bool seen[S_PERSONS + 1] = {false};
    *waiting = 0;
    for (size_t i = 0; i < n; i++) {
        int at = s_find_registration(seats, count, items[i]->id);
        assert_true(at >= 0);
        seats[at].status = items[i]->status;
        seats[at].position = items[i]->waitlist_position;
        if (items[i]->status == CONFIRMED)
            confirmed++;
        if (items[i]->status == WAITLISTED) {
            (*waiting)++;
            assert_true(items[i]->waitlist_position >= 1 &&
                        items[i]->waitlist_position <= S_PERSONS);
            assert_false(seen[items[i]->waitlist_position]);
            seen[items[i]->waitlist_position] = true;
        } else {
            assert_int_equal(items[i]->waitlist_position, 0);
        }
    }
    for (int p = 1; p <= *waiting; p++)
        assert_true(seen[p]);
    assert_true(confirmed <= S_SEATS);
    return confirmed;
}

static void
test_concurrent_registrations_never_overbook(void **state)
{
    (void)state;
    event_t *event = s_create_event(s_event_template("Summit: 50 seats", S_SEATS));
    static s_seat_t seats[S_PERSONS];
    memset(seats, 0, sizeof seats);
    vb_rpc_call_options_t options = {.deadline_ms = 30000, .caller = &s_staff, .write = true};
    uint64_t tickets[S_PERSONS];
    Verbund__Events__V1__RegistrationCreateRequest request =
        VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
    request.event_id = event->id;
    /* all 200 in flight at once: the service sees them in batches, in any order */
    for (int i = 0; i < S_PERSONS; i++) {
        vb_uuid7(seats[i].person);
        request.person_id = seats[i].person;
        assert_int_equal(vb_rpc_client_send(s_client, "events.RegistrationCreate", &request.base,
                                            &options, &tickets[i]),
                         0);
    }
    int confirmed = 0, waitlisted = 0;
    for (int done = 0; done < S_PERSONS; done++) {
        uint64_t ticket;
        vb_status_t status;
        reply_t *reply = NULL;
        assert_int_equal(vb_rpc_client_receive(s_client, 30000, &ticket, &status, &reply), 1);
        if (status != VB_STATUS_CREATED)
            fail_msg("registration: %s %s", vb_status_name(status), reply ? reply->message : "");
        Verbund__Events__V1__RegistrationReply *body = (void *)vb_rpc_reply_unpack(
            reply, &verbund__events__v1__registration_reply__descriptor);
        assert_non_null(body);
        int at = -1;
        for (int i = 0; i < S_PERSONS && at < 0; i++)
            if (tickets[i] == ticket)
                at = i;
        assert_true(at >= 0);
        assert_string_equal(body->registration->person_id, seats[at].person);
        snprintf(seats[at].registration, sizeof seats[at].registration, "%s",
                 body->registration->id);
        if (body->registration->status == CONFIRMED)
            confirmed++;
        else if (body->registration->status == WAITLISTED)
            waitlisted++;
        protobuf_c_message_free_unpacked(&body->base, NULL);
        vb_rpc_reply_free(reply);
    }
    assert_int_equal(confirmed, S_SEATS);
    assert_int_equal(waitlisted, S_PERSONS - S_SEATS);
    int waiting = 0;
    assert_int_equal(s_check_seats(event->id, seats, S_PERSONS, &waiting), S_SEATS);
    assert_int_equal(waiting, S_PERSONS - S_SEATS);
    event_t *read = s_get_event(event->id, &s_staff);
    assert_int_equal(read->confirmed_count, S_SEATS);
    assert_int_equal(read->waitlisted_count, S_PERSONS - S_SEATS);

    /* the waitlist order before the cancellations: order[p - 1] is at position p */
    int order[S_PERSONS];
    for (int i = 0; i < S_PERSONS; i++)
        if (seats[i].status == WAITLISTED)
            order[seats[i].position - 1] = i;

    /* 20 random distinct cancellations, all in flight together */
    bool cancelled[S_PERSONS] = {false};
    int cancelled_confirmed = 0;
    Verbund__Events__V1__RegistrationCancelRequest cancel =
        VERBUND__EVENTS__V1__REGISTRATION_CANCEL_REQUEST__INIT;
    cancel.event_id = event->id;
    for (int n = 0; n < S_CANCELS;) {
        int i = (int)randombytes_uniform(S_PERSONS);
        if (cancelled[i])
            continue;
        cancelled[i] = true;
        if (seats[i].status == CONFIRMED)
            cancelled_confirmed++;
        cancel.id = seats[i].registration;
        uint64_t ticket;
        assert_int_equal(vb_rpc_client_send(s_client, "events.RegistrationCancel", &cancel.base,
                                            &options, &ticket),
                         0);
        n++;
    }
    int promoted_total = 0;
    for (int done = 0; done < S_CANCELS; done++) {
        uint64_t ticket;
        vb_status_t status;
        reply_t *reply = NULL;
        assert_int_equal(vb_rpc_client_receive(s_client, 30000, &ticket, &status, &reply), 1);
        if (status != VB_STATUS_OK)
            fail_msg("cancel: %s %s", vb_status_name(status), reply ? reply->message : "");
        Verbund__Events__V1__RegistrationCancelReply *body = (void *)vb_rpc_reply_unpack(
            reply, &verbund__events__v1__registration_cancel_reply__descriptor);
        assert_non_null(body);
        assert_int_equal(body->registration->status, CANCELLED);
        promoted_total += (int)body->n_promoted;
        protobuf_c_message_free_unpacked(&body->base, NULL);
        vb_rpc_reply_free(reply);
    }
    /* every freed seat went to the waitlist. A waitlisted registration may have been promoted
     * by an earlier cancellation of the same burst before its own cancellation freed its seat
     * again, so there can be more promotions than confirmed registrations cancelled, but never
     * more than cancellations */
    assert_true(promoted_total >= cancelled_confirmed);
    assert_true(promoted_total <= S_CANCELS);
    assert_int_equal(s_check_seats(event->id, seats, S_PERSONS, &waiting), S_SEATS);
    /* walking the old waitlist without the cancelled: first the promoted (as many as confirmed
     * seats were cancelled, since confirmed is back at S_SEATS), then the rest in order */
    int expected_promotions = cancelled_confirmed;
    int next_position = 1;
    for (int p = 0; p < S_PERSONS - S_SEATS; p++) {
        int i = order[p];
        if (cancelled[i]) {
            assert_int_equal(seats[i].status, CANCELLED);
            continue;
        }
        if (expected_promotions > 0) {
            assert_int_equal(seats[i].status, CONFIRMED); /* promoted in waitlist order */
            expected_promotions--;
        } else {
            assert_int_equal(seats[i].status, WAITLISTED);
            assert_int_equal(seats[i].position, next_position++); /* order kept, no gaps */
        }
    }
    assert_int_equal(waiting, next_position - 1);
    /* the promotions were announced */
    int announced = 0;
    for (int i = 0; i < S_PERSONS; i++)
        if (!cancelled[i] && seats[i].status == CONFIRMED)
            announced +=
                (int)s_emitted(seats[i].registration, "verbund.events.registration.promoted.v1");
    assert_int_equal(announced, cancelled_confirmed);
}

/* ---- registration rules ---- */

static void
test_registration_rules_refuse_without_change(void **state)
{
    (void)state;
    char *alice = s_uuid(), *bob = s_uuid();
    event_t *event = s_create_event(s_event_template("Dialogveranstaltung", 5));
    registration_t *registration = NULL;
    /* a member registers itself, not somebody else */
    assert_status(VB_STATUS_CREATED,
                  s_register(event->id, alice, NULL, s_member(alice), &registration));
    assert_int_equal(registration->status, CONFIRMED);
    assert_int_equal(s_emitted(registration->id, "verbund.events.registration.confirmed.v1"), 1);
    assert_status(VB_STATUS_FORBIDDEN, s_register(event->id, bob, NULL, s_member(alice), NULL));
    /* a person cannot register twice */
    assert_status(VB_STATUS_CONFLICT, s_register(event->id, alice, NULL, &s_staff, NULL));
    assert_field_error("person_id");
    /* bob may not cancel alice's registration */
    Verbund__Events__V1__RegistrationCancelRequest cancel =
        VERBUND__EVENTS__V1__REGISTRATION_CANCEL_REQUEST__INIT;
    cancel.event_id = event->id;
    cancel.id = registration->id;
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("events.RegistrationCancel", &cancel,
                                                        s_member(bob), true, NULL, NULL));
    /* nor list the event's registrations */
    Verbund__Events__V1__RegistrationListRequest list =
        VERBUND__EVENTS__V1__REGISTRATION_LIST_REQUEST__INIT;
    list.event_id = event->id;
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("events.RegistrationList", &list,
                                                        s_member(bob), false, NULL, NULL));
    /* ids that are not UUIDs: 400 */
    assert_status(VB_STATUS_BAD_REQUEST,
                  s_register(event->id, "' OR 1=1; --", NULL, &s_staff, NULL));
    assert_field_error("person_id");
    assert_status(VB_STATUS_NOT_FOUND, s_register(s_uuid(), alice, NULL, &s_staff, NULL));
    /* an occurrence that is not the event's */
    assert_status(VB_STATUS_UNPROCESSABLE, s_register(event->id, bob, s_uuid(), &s_staff, NULL));
    registration_t *items[8];
    assert_int_equal(s_registrations(event->id, "", &s_staff, items, 8), 1);

    /* registration window in the future */
    event_t *later = s_event_template("Summit 2030", 5);
    later->registration_opens_at = (char *)"2029-12-01T00:00:00+01:00";
    event_t *created = s_create_event(later);
    assert_string_equal(created->registration_opens_at, "2029-11-30T23:00:00Z");
    assert_status(VB_STATUS_UNPROCESSABLE, s_register(created->id, alice, NULL, &s_staff, NULL));
    assert_int_equal(s_registrations(created->id, "", &s_staff, items, 8), 0);
    /* registration window already closed */
    event_t *closed = s_event_template("Closed", 5);
    closed->registration_closes_at = (char *)"2020-01-01T00:00:00Z";
    closed->registration_opens_at = (char *)"2019-12-01T00:00:00Z";
    created = s_create_event(closed);
    assert_status(VB_STATUS_UNPROCESSABLE, s_register(created->id, alice, NULL, &s_staff, NULL));
    assert_int_equal(s_registrations(created->id, "", &s_staff, items, 8), 0);

    /* a cancelled event takes no registrations; cancelling twice is one cancellation */
    Verbund__Events__V1__EventCancelRequest cancel_event =
        VERBUND__EVENTS__V1__EVENT_CANCEL_REQUEST__INIT;
    cancel_event.id = event->id;
    cancel_event.reason = (char *)"speaker ill";
    Verbund__Events__V1__EventReply *cancelled = NULL;
    /* a member who is not the organiser may not cancel it */
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("events.EventCancel", &cancel_event,
                                                        s_member(alice), true, NULL, NULL));
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.EventCancel", &cancel_event,
                                   s_member(event->organiser_person_id), true,
                                   &verbund__events__v1__event_reply__descriptor, &cancelled));
    assert_int_equal(cancelled->event->status,
                     VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_CANCELLED);
    assert_int_equal(cancelled->event->version, 2);
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.EventCancel", &cancel_event, &s_staff, true,
                                   &verbund__events__v1__event_reply__descriptor, &cancelled));
    assert_int_equal(cancelled->event->version, 2);
    assert_int_equal(s_emitted(event->id, "verbund.events.event.cancelled.v1"), 1);
    assert_status(VB_STATUS_UNPROCESSABLE, s_register(event->id, bob, NULL, &s_staff, NULL));
    assert_int_equal(s_registrations(event->id, "", &s_staff, items, 8), 1);
    /* alice cancels her own registration */
    assert_status(VB_STATUS_OK, vb_test_rpc_call("events.RegistrationCancel", &cancel,
                                                 s_member(alice), true, NULL, NULL));
}

static void
test_idempotent_registration(void **state)
{
    (void)state;
    char *person = s_uuid(), *other = s_uuid();
    event_t *event = s_create_event(s_event_template("Peer call", 3));
    char key[64];
    snprintf(key, sizeof key, "register-%s", person);
    Verbund__Events__V1__RegistrationCreateRequest request =
        VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
    request.event_id = event->id;
    request.person_id = person;
    Verbund__Events__V1__RegistrationReply *first = NULL, *again = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call_key("events.RegistrationCreate", &request, &s_staff, key, true,
                                       &verbund__events__v1__registration_reply__descriptor,
                                       &first));
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call_key("events.RegistrationCreate", &request, &s_staff, key, true,
                                       &verbund__events__v1__registration_reply__descriptor,
                                       &again));
    assert_string_equal(first->registration->id, again->registration->id);
    request.person_id = other; /* the same key with another body */
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call_key("events.RegistrationCreate", &request, &s_staff, key, true,
                                       NULL, NULL));
    registration_t *items[8];
    assert_int_equal(s_registrations(event->id, "", &s_staff, items, 8), 1);
}

/* ---- series ---- */

static void
test_series_keeps_local_time_and_occurrences_move_and_cancel(void **state)
{
    (void)state;
    /* weekly at 17:00 Europe/Berlin across the end of daylight-saving time (27 October 2030) */
    event_t *template = s_event_template("Workshopreihe Future Campus", 2);
    template->kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_WORKSHOP;
    template->start_local = (char *)"2030-10-15T17:00:00";
    template->end_local = (char *)"2030-10-15T19:00:00";
    template->rrule = (char *)"FREQ=WEEKLY;COUNT=4";
    event_t *event = s_create_event(template);
    assert_int_equal(event->occurrence_count, 4);
    Verbund__Events__V1__OccurrenceListRequest list =
        VERBUND__EVENTS__V1__OCCURRENCE_LIST_REQUEST__INIT;
    list.event_id = event->id;
    Verbund__Events__V1__OccurrenceListReply *occurrences = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.OccurrenceList", &list, s_member(s_uuid()), false,
                                   &verbund__events__v1__occurrence_list_reply__descriptor,
                                   &occurrences));
    assert_int_equal(occurrences->n_items, 4);
    static const char *const utc[] = {"2030-10-15T15:00:00Z", "2030-10-22T15:00:00Z",
                                      "2030-10-29T16:00:00Z", "2030-11-05T16:00:00Z"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(occurrences->items[i]->start_local + 10, "T17:00:00");
        assert_string_equal(occurrences->items[i]->end_local + 10, "T19:00:00");
        assert_string_equal(occurrences->items[i]->start_at, utc[i]);
    }
    const char *second = occurrences->items[1]->id;
    const char *third = occurrences->items[2]->id;
    /* one occurrence, or the whole series */
    char *ann = s_uuid(), *ben = s_uuid(), *cem = s_uuid();
    registration_t *registration = NULL;
    assert_status(VB_STATUS_CREATED, s_register(event->id, ann, second, &s_staff, &registration));
    assert_string_equal(registration->occurrence_id, second);
    assert_status(VB_STATUS_CREATED, s_register(event->id, ben, NULL, &s_staff, &registration));
    assert_int_equal(registration->status, CONFIRMED);
    /* the second occurrence is full now (ann + ben's series seat): a series registration waits */
    assert_status(VB_STATUS_CREATED, s_register(event->id, cem, NULL, &s_staff, &registration));
    assert_int_equal(registration->status, WAITLISTED);
    assert_int_equal(registration->waitlist_position, 1);
    /* ben, registered for the series, cannot also register for one occurrence */
    assert_status(VB_STATUS_CONFLICT, s_register(event->id, ben, third, &s_staff, NULL));

    /* move the second occurrence by an hour; staff only (or the organiser) */
    Verbund__Events__V1__OccurrenceMoveRequest move =
        VERBUND__EVENTS__V1__OCCURRENCE_MOVE_REQUEST__INIT;
    move.event_id = event->id;
    move.id = (char *)second;
    move.start_local = (char *)"2030-10-22T18:00:00";
    move.end_local = (char *)"2030-10-22T17:00:00";
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("events.OccurrenceMove", &move,
                                                        s_member(ann), true, NULL, NULL));
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call("events.OccurrenceMove", &move, &s_staff, true, NULL, NULL));
    assert_field_error("end_local");
    move.end_local = (char *)"2030-10-22T20:00:00";
    Verbund__Events__V1__OccurrenceReply *moved = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.OccurrenceMove", &move,
                                   s_member(event->organiser_person_id), true,
                                   &verbund__events__v1__occurrence_reply__descriptor, &moved));
    assert_true(moved->occurrence->moved);
    assert_string_equal(moved->occurrence->start_at, "2030-10-22T16:00:00Z");
    assert_int_equal(moved->occurrence->version, 2);
    assert_int_equal(s_emitted(second, "verbund.events.occurrence.moved.v1"), 1);
    /* cancel the third: nobody can register for it any more */
    Verbund__Events__V1__OccurrenceCancelRequest cancel =
        VERBUND__EVENTS__V1__OCCURRENCE_CANCEL_REQUEST__INIT;
    cancel.event_id = event->id;
    cancel.id = (char *)third;
    cancel.reason = (char *)"room not available";
    Verbund__Events__V1__OccurrenceReply *cancelled = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.OccurrenceCancel", &cancel, &s_staff, true,
                                   &verbund__events__v1__occurrence_reply__descriptor, &cancelled));
    assert_int_equal(cancelled->occurrence->status,
                     VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_CANCELLED);
    assert_status(VB_STATUS_UNPROCESSABLE, s_register(event->id, s_uuid(), third, &s_staff, NULL));
    assert_int_equal(s_emitted(third, "verbund.events.occurrence.cancelled.v1"), 1);
    /* a series cannot change its rule or times as a whole */
    Verbund__Events__V1__EventUpdateRequest update =
        VERBUND__EVENTS__V1__EVENT_UPDATE_REQUEST__INIT;
    char *mask[] = {(char *)"start_local"};
    update.id = event->id;
    update.event = event;
    update.update_mask = mask;
    update.n_update_mask = 1;
    assert_status(VB_STATUS_BAD_REQUEST,
                  vb_test_rpc_call("events.EventUpdate", &update, &s_staff, true, NULL, NULL));
    assert_field_error("update_mask[0]");
}

static void
test_capacity_change_promotes_and_cannot_drop_below_confirmed(void **state)
{
    (void)state;
    event_t *event = s_create_event(s_event_template("Knowledge cafe", 1));
    char *first = s_uuid(), *second = s_uuid();
    registration_t *registration = NULL;
    assert_status(VB_STATUS_CREATED, s_register(event->id, first, NULL, &s_staff, NULL));
    assert_status(VB_STATUS_CREATED, s_register(event->id, second, NULL, &s_staff, &registration));
    assert_int_equal(registration->status, WAITLISTED);
    Verbund__Events__V1__EventUpdateRequest update =
        VERBUND__EVENTS__V1__EVENT_UPDATE_REQUEST__INIT;
    event_t change = *event;
    char *mask[] = {(char *)"capacity"};
    update.id = event->id;
    update.event = &change;
    update.update_mask = mask;
    update.n_update_mask = 1;
    update.expected_version = 1;
    change.capacity = 0;
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call("events.EventUpdate", &update, &s_staff, true, NULL, NULL));
    change.capacity = 2;
    update.expected_version = 7;
    assert_status(VB_STATUS_CONFLICT,
                  vb_test_rpc_call("events.EventUpdate", &update, &s_staff, true, NULL, NULL));
    update.expected_version = 1;
    Verbund__Events__V1__EventReply *updated = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.EventUpdate", &update, &s_staff, true,
                                   &verbund__events__v1__event_reply__descriptor, &updated));
    assert_int_equal(updated->event->version, 2);
    assert_int_equal(updated->event->confirmed_count, 2);
    assert_int_equal(s_emitted(registration->id, "verbund.events.registration.promoted.v1"), 1);
    assert_int_equal(s_emitted(event->id, "verbund.events.event.updated.v1"), 1);
}

/* ---- check-ins ---- */

static void
test_checkins_by_registration_or_person(void **state)
{
    (void)state;
    event_t *event = s_create_event(s_event_template("Netzwerktreffen", 10));
    char *person = s_uuid(), *absent = s_uuid(), *waiting = s_uuid();
    registration_t *registration = NULL;
    assert_status(VB_STATUS_CREATED, s_register(event->id, person, NULL, &s_staff, &registration));
    assert_status(VB_STATUS_CREATED, s_register(event->id, absent, NULL, &s_staff, NULL));
    Verbund__Events__V1__CheckinCreateRequest checkin =
        VERBUND__EVENTS__V1__CHECKIN_CREATE_REQUEST__INIT;
    checkin.event_id = event->id;
    checkin.person_id = person;
    /* the person itself may not check in: staff or the organiser record it */
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("events.CheckinCreate", &checkin,
                                                        s_member(person), true, NULL, NULL));
    Verbund__Events__V1__RegistrationReply *recorded = NULL;
    assert_status(
        VB_STATUS_CREATED,
        vb_test_rpc_call("events.CheckinCreate", &checkin, s_member(event->organiser_person_id),
                         true, &verbund__events__v1__registration_reply__descriptor, &recorded));
    assert_true(recorded->registration->checked_in_at[0]);
    assert_false(recorded->registration->no_show);
    assert_int_equal(s_emitted(registration->id, "verbund.events.checkin.recorded.v1"), 1);
    checkin.person_id = absent;
    checkin.no_show = true;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("events.CheckinCreate", &checkin, &s_staff, true,
                                   &verbund__events__v1__registration_reply__descriptor,
                                   &recorded));
    assert_true(recorded->registration->no_show);
    assert_string_equal(recorded->registration->checked_in_at, "");
    checkin.person_id = waiting; /* not registered */
    checkin.no_show = false;
    assert_status(VB_STATUS_NOT_FOUND,
                  vb_test_rpc_call("events.CheckinCreate", &checkin, &s_staff, true, NULL, NULL));
    checkin.person_id = (char *)"";
    assert_status(VB_STATUS_BAD_REQUEST,
                  vb_test_rpc_call("events.CheckinCreate", &checkin, &s_staff, true, NULL, NULL));
    /* closing waits until the event took place */
    Verbund__Events__V1__EventCloseRequest close = VERBUND__EVENTS__V1__EVENT_CLOSE_REQUEST__INIT;
    close.id = event->id;
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call("events.EventClose", &close, &s_staff, true, NULL, NULL));
}

/* ---- knowledge café, booths, agenda ---- */

static Verbund__Events__V1__TableAssignment *
s_seat(int32_t round, const char *table, const char *person)
{
    static Verbund__Events__V1__TableAssignment items[64];
    static int next;
    Verbund__Events__V1__TableAssignment *a = &items[next++ % 64];
    verbund__events__v1__table_assignment__init(a);
    a->round = round;
    a->table_id = (char *)table;
    a->person_id = (char *)person;
    return a;
}

static vb_status_t
s_assign(const char *event_id, Verbund__Events__V1__TableAssignment **items, size_t count,
         bool replace, const caller_t *caller)
{
    Verbund__Events__V1__TableAssignmentPutRequest request =
        VERBUND__EVENTS__V1__TABLE_ASSIGNMENT_PUT_REQUEST__INIT;
    request.event_id = (char *)event_id;
    request.assignments = items;
    request.n_assignments = count;
    request.replace = replace;
    return vb_test_rpc_call("events.TableAssignmentPut", &request, caller, true, NULL, NULL);
}

static size_t
s_assignment_count(const char *event_id)
{
    Verbund__Events__V1__TableAssignmentListRequest request =
        VERBUND__EVENTS__V1__TABLE_ASSIGNMENT_LIST_REQUEST__INIT;
    request.event_id = (char *)event_id;
    Verbund__Events__V1__TableAssignmentListReply *reply = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.TableAssignmentList", &request, &s_service, false,
                                   &verbund__events__v1__table_assignment_list_reply__descriptor,
                                   &reply));
    return reply->n_items;
}

static void
test_knowledge_cafe_tables_and_assignments(void **state)
{
    (void)state;
    event_t *template = s_event_template("Knowledge-Café Weiterbildungsverbünde", 20);
    template->kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_KNOWLEDGE_CAFE;
    template->rounds = 2;
    event_t *event = s_create_event(template);
    const char *tables[2];
    static const char *const topics[] = {"Digitalisierung im Handwerk", "Fachkräftesicherung"};
    for (int t = 0; t < 2; t++) {
        Verbund__Events__V1__Table table = VERBUND__EVENTS__V1__TABLE__INIT;
        table.topic = (char *)topics[t];
        table.moderator_person_id = s_uuid();
        table.capacity = 2;
        Verbund__Events__V1__TableCreateRequest request =
            VERBUND__EVENTS__V1__TABLE_CREATE_REQUEST__INIT;
        request.event_id = event->id;
        request.table = &table;
        Verbund__Events__V1__TableReply *reply = NULL;
        assert_status(VB_STATUS_CREATED,
                      vb_test_rpc_call("events.TableCreate", &request, &s_staff, true,
                                       &verbund__events__v1__table_reply__descriptor, &reply));
        tables[t] = reply->table->id;
        table.capacity = 0;
        assert_status(VB_STATUS_UNPROCESSABLE,
                      vb_test_rpc_call("events.TableCreate", &request, &s_staff, true, NULL, NULL));
        assert_field_error("table.capacity");
    }
    /* matchmaking reads the tables and registrations with its SERVICE role */
    Verbund__Events__V1__TableListRequest list = VERBUND__EVENTS__V1__TABLE_LIST_REQUEST__INIT;
    list.event_id = event->id;
    Verbund__Events__V1__TableListReply *listed = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.TableList", &list, &s_service, false,
                                   &verbund__events__v1__table_list_reply__descriptor, &listed));
    assert_int_equal(listed->n_items, 2);
    char *persons[3] = {s_uuid(), s_uuid(), s_uuid()};
    for (int p = 0; p < 3; p++) {
        Verbund__Events__V1__RegistrationCreateRequest request =
            VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
        char *preferences[2] = {(char *)tables[p % 2], (char *)tables[(p + 1) % 2]};
        request.event_id = event->id;
        request.person_id = persons[p];
        request.table_preferences = preferences;
        request.n_table_preferences = 2;
        assert_status(VB_STATUS_CREATED, vb_test_rpc_call("events.RegistrationCreate", &request,
                                                          s_member(persons[p]), true, NULL, NULL));
    }
    registration_t *items[8];
    assert_int_equal(s_registrations(event->id, "confirmed", &s_service, items, 8), 3);
    assert_int_equal(items[0]->n_table_preferences, 2);
    /* unknown table in a preference */
    Verbund__Events__V1__RegistrationCreateRequest wrong =
        VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
    char *unknown[1] = {s_uuid()};
    wrong.event_id = event->id;
    wrong.person_id = s_uuid();
    wrong.table_preferences = unknown;
    wrong.n_table_preferences = 1;
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("events.RegistrationCreate", &wrong,
                                                            &s_staff, true, NULL, NULL));

    Verbund__Events__V1__TableAssignment *good[] = {
        s_seat(1, tables[0], persons[0]),
        s_seat(1, tables[0], persons[1]),
        s_seat(1, tables[1], persons[2]),
        s_seat(2, tables[1], persons[0]),
    };
    assert_status(VB_STATUS_OK, s_assign(event->id, good, 4, true, &s_service));
    assert_int_equal(s_assignment_count(event->id), 4);
    assert_int_equal(s_emitted(event->id, "verbund.events.table_assignments.updated.v1"), 1);
    /* a full table, a person twice in a round, an unknown table, a round beyond the rounds */
    Verbund__Events__V1__TableAssignment *full[] = {s_seat(1, tables[0], persons[2])};
    assert_status(VB_STATUS_UNPROCESSABLE, s_assign(event->id, full, 1, false, &s_staff));
    Verbund__Events__V1__TableAssignment *twice[] = {s_seat(2, tables[0], persons[1]),
                                                     s_seat(2, tables[1], persons[1])};
    assert_status(VB_STATUS_UNPROCESSABLE, s_assign(event->id, twice, 2, true, &s_staff));
    assert_field_error("assignments[1].person_id");
    Verbund__Events__V1__TableAssignment *stranger[] = {s_seat(1, s_uuid(), persons[0])};
    assert_status(VB_STATUS_UNPROCESSABLE, s_assign(event->id, stranger, 1, true, &s_staff));
    assert_field_error("assignments[0].table_id");
    Verbund__Events__V1__TableAssignment *late[] = {s_seat(3, tables[0], persons[0])};
    assert_status(VB_STATUS_UNPROCESSABLE, s_assign(event->id, late, 1, true, &s_staff));
    assert_field_error("assignments[0].round");
    /* a member who is not the organiser may not assign */
    assert_status(VB_STATUS_FORBIDDEN, s_assign(event->id, good, 1, false, s_member(persons[0])));
    assert_int_equal(s_assignment_count(event->id), 4);
    /* moving a person in round 1 replaces its seat there (replace = false merges) */
    Verbund__Events__V1__TableAssignment *swap[] = {s_seat(1, tables[1], persons[1])};
    assert_status(VB_STATUS_OK, s_assign(event->id, swap, 1, false, &s_staff));
    assert_int_equal(s_assignment_count(event->id), 4);

    /* a booth and a pitch on the agenda */
    Verbund__Events__V1__Booth booth = VERBUND__EVENTS__V1__BOOTH__INIT;
    booth.project_name = (char *)"Weiterbildungsverbund Emscher-Lippe";
    booth.description = (char *)"Wir stellen uns vor";
    booth.pitch_start_local = (char *)"2030-03-05T10:30:00";
    booth.pitch_end_local = (char *)"2030-03-05T10:35:00";
    Verbund__Events__V1__BoothCreateRequest booth_request =
        VERBUND__EVENTS__V1__BOOTH_CREATE_REQUEST__INIT;
    booth_request.event_id = event->id;
    booth_request.booth = &booth;
    Verbund__Events__V1__BoothReply *booth_reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("events.BoothCreate", &booth_request, &s_staff, true,
                                   &verbund__events__v1__booth_reply__descriptor, &booth_reply));
    assert_string_equal(booth_reply->booth->pitch_start_at, "2030-03-05T09:30:00Z");
    booth.project_name = (char *)"";
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("events.BoothCreate", &booth_request,
                                                            &s_staff, true, NULL, NULL));
    Verbund__Events__V1__AgendaItem item = VERBUND__EVENTS__V1__AGENDA_ITEM__INIT;
    char *speakers[1] = {s_uuid()};
    item.kind = VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_PITCH;
    item.title = (char *)"Pitch: Weiterbildungsverbund Emscher-Lippe";
    item.start_local = (char *)"2030-03-05T10:30:00";
    item.end_local = (char *)"2030-03-05T10:35:00";
    item.speaker_person_ids = speakers;
    item.n_speaker_person_ids = 1;
    Verbund__Events__V1__AgendaItemCreateRequest agenda_request =
        VERBUND__EVENTS__V1__AGENDA_ITEM_CREATE_REQUEST__INIT;
    agenda_request.event_id = event->id;
    agenda_request.item = &item;
    assert_status(VB_STATUS_CREATED, vb_test_rpc_call("events.AgendaItemCreate", &agenda_request,
                                                      &s_staff, true, NULL, NULL));
    item.kind = VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_UNSPECIFIED;
    assert_status(
        VB_STATUS_UNPROCESSABLE,
        vb_test_rpc_call("events.AgendaItemCreate", &agenda_request, &s_staff, true, NULL, NULL));
    Verbund__Events__V1__AgendaListRequest agenda = VERBUND__EVENTS__V1__AGENDA_LIST_REQUEST__INIT;
    agenda.event_id = event->id;
    Verbund__Events__V1__AgendaListReply *agenda_reply = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("events.AgendaList", &agenda, s_member(persons[0]), false,
                                   &verbund__events__v1__agenda_list_reply__descriptor,
                                   &agenda_reply));
    assert_int_equal(agenda_reply->n_items, 1);
    assert_int_equal(agenda_reply->items[0]->n_speaker_person_ids, 1);
}

/* ---- garbage on the socket ---- */

static void
test_garbage_frames_keep_the_service_answering(void **state)
{
    (void)state;
    /* a RegistrationCreate envelope to truncate at every length */
    Verbund__Events__V1__RegistrationCreateRequest request =
        VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT;
    request.event_id = s_uuid();
    request.person_id = s_uuid();
    vb_test_raw_t raw;
    vb_test_raw_open(&raw, s_endpoint);
    vb_test_garbage_t garbage = {.random_frames = 500,
                                 .method = "events.RegistrationCreate",
                                 .request = &request.base,
                                 .caller = &s_staff,
                                 .unknown_method = "events.DropAllTables"};
    vb_test_send_garbage(&raw, &garbage);
    /* every reply decodes and none is a success */
    assert_true(vb_test_drain_error_replies(&raw, 1500, false) >= 2);
    vb_test_raw_close(&raw);
    /* the service still does real work */
    event_t *event = s_create_event(s_event_template("After the garbage", 1));
    assert_status(VB_STATUS_CREATED, s_register(event->id, s_uuid(), NULL, &s_staff, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_create_and_get_an_event, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_bad_events_are_refused_and_change_nothing,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_concurrent_registrations_never_overbook,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_registration_rules_refuse_without_change,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_idempotent_registration, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_series_keeps_local_time_and_occurrences_move_and_cancel,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_capacity_change_promotes_and_cannot_drop_below_confirmed,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_checkins_by_registration_or_person, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_knowledge_cafe_tables_and_assignments,
                                  vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_garbage_frames_keep_the_service_answering,
                                  vb_test_rpc_free_kept),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
