/* test_membership_events.c - the events the membership service writes with each change: every
 * write RPC (person created/updated/erased, organisation created, membership applied and each
 * transition, expert profile updated) leaves exactly its event, a refused call leaves none, and
 * erasure leaves no personal data in any event of the person. Calls go through ZeroMQ; events
 * are read with SQL from membership.outbox and, when the stream service has already relayed
 * them, from stream.log (one snapshot, so an event being moved is not missed).
 * Does not: test the stream service's relay or publishing (its own tests do). */
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

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_db.h"
#include "vb_test_rpc.h"

#define S_MAX_EVENTS 64
#define S_SCRUB_TIMEOUT_MS 15000

typedef Verbund__Rpc__V1__Caller caller_t;
typedef Verbund__Membership__V1__Person person_t;
typedef Verbund__Membership__V1__Membership membership_t;

/* One event of a subject as stored. */
typedef struct {
    char id[40];
    char type[96];
    char dataschema[96];
    uint8_t *data; /* malloc'd packed payload */
    size_t length;
} s_event_t;

typedef struct {
    s_event_t items[S_MAX_EVENTS];
    size_t count;
} s_events_t;

static vb_rpc_client_t *s_client;
static vb_db_t *s_db;
static bool s_has_log; /* stream.log exists (the stream service runs in the fixture) */
static char s_tag[16];

static caller_t s_admin = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"test-admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"", 0,
                           NULL};

/* ---- setup ---- */

static int
s_setup(void **state)
{
    (void)state;
    s_client = vb_test_rpc_open("VERBUND_MEMBERSHIP_ENDPOINT", 3000, 10000);
    s_db = vb_test_db_open("public");
    s_has_log = vb_test_db_has_stream_log(s_db);
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    snprintf(s_tag, sizeof s_tag, "e%.4s%.4s", id + 24, id + 28);
    return s_client ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_test_rpc_close();
    vb_db_destroy(&s_db);
    return 0;
}

/* ---- reading events ---- */

static int
s_hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
s_event_row(void *arg, const vb_db_row_t *row)
{
    s_events_t *events = arg;
    if (events->count == S_MAX_EVENTS)
        fail_msg("more than %d events for one subject", S_MAX_EVENTS);
    s_event_t *event = &events->items[events->count++];
    snprintf(event->id, sizeof event->id, "%s", vb_db_row_text(row, 0));
    snprintf(event->type, sizeof event->type, "%s", vb_db_row_text(row, 1));
    snprintf(event->dataschema, sizeof event->dataschema, "%s", vb_db_row_text(row, 2));
    const char *hex = vb_db_row_text(row, 3);
    size_t length = strlen(hex) / 2;
    event->data = malloc(length ? length : 1);
    assert_non_null(event->data);
    for (size_t i = 0; i < length; i++)
        event->data[i] = (uint8_t)(s_hex_digit(hex[2 * i]) << 4 | s_hex_digit(hex[2 * i + 1]));
    event->length = length;
    return 0;
}

static void
s_events_free(s_events_t *events)
{
    for (size_t i = 0; i < events->count; i++)
        free(events->items[i].data);
    events->count = 0;
}

/* Every event of subject, oldest first (UUIDv7 ids are time ordered), wherever it is now: still
 * in membership.outbox, or relayed into stream.log. One statement, one snapshot, so an event
 * being moved is not missed; one seen in both places counts once. */
static void
s_events(const char *subject, s_events_t *events)
{
    events->count = 0;
    static const char outbox_sql[] = "SELECT id::text, type, dataschema, encode(data, 'hex')"
                                     " FROM membership.outbox WHERE subject = $1 ORDER BY id";
    static const char both_sql[] =
        "SELECT id::text, type, dataschema, encode(data, 'hex') FROM ("
        " SELECT id, type, dataschema, data FROM membership.outbox WHERE subject = $1"
        " UNION ALL"
        " SELECT id, type, dataschema, data FROM stream.log"
        " WHERE subject = $1 AND source LIKE '%/membership') AS e ORDER BY id";
    const char *params[] = {subject};
    vb_status_t status = vb_db_exec(s_db, s_has_log ? both_sql : outbox_sql, params, 1,
                                    s_event_row, events, NULL);
    if (status != VB_STATUS_OK)
        fail_msg("reading events: %s (%s)", vb_db_error(s_db), vb_db_sqlstate(s_db));
    /* a relay that copies before it deletes may show an event in both places for a moment:
     * it is still one event */
    size_t kept = 0;
    for (size_t i = 0; i < events->count; i++) {
        if (kept > 0 && strcmp(events->items[kept - 1].id, events->items[i].id) == 0) {
            free(events->items[i].data);
            continue;
        }
        events->items[kept++] = events->items[i];
    }
    events->count = kept;
}

/* Events anywhere (outbox or log) whose payload contains text. */
static int64_t
s_events_containing(const char *text)
{
    static const char outbox_sql[] =
        "SELECT id FROM membership.outbox WHERE position(convert_to($1, 'UTF8') in data) > 0";
    /* UNION (not ALL): an event seen in both places counts once */
    static const char both_sql[] =
        "SELECT id FROM membership.outbox WHERE position(convert_to($1, 'UTF8') in data) > 0"
        " UNION"
        " SELECT id FROM stream.log WHERE position(convert_to($1, 'UTF8') in data) > 0";
    const char *params[] = {text};
    int64_t count = 0;
    vb_status_t status =
        vb_db_exec(s_db, s_has_log ? both_sql : outbox_sql, params, 1, NULL, NULL, &count);
    if (status != VB_STATUS_OK)
        fail_msg("reading events: %s (%s)", vb_db_error(s_db), vb_db_sqlstate(s_db));
    return count;
}

/* The payload of an event, decoded as its dataschema says (which must be type). Caller frees
 * with protobuf_c_message_free_unpacked. */
static void *
s_payload(const s_event_t *event, const ProtobufCMessageDescriptor *type)
{
    assert_string_equal(event->dataschema, type->name);
    ProtobufCMessage *message =
        protobuf_c_message_unpack(type, NULL, event->length, event->data);
    if (!message)
        fail_msg("event %s (%s) does not decode as %s", event->id, event->type, type->name);
    return message;
}

#define assert_event_type(events, index, expected)                                                \
    do {                                                                                           \
        if ((events)->count <= (size_t)(index))                                                    \
            fail_msg("expected event %d (%s), have %zu", (int)(index), (expected),                 \
                     (events)->count);                                                             \
        assert_string_equal((events)->items[(index)].type, (expected));                            \
    } while (0)

/* ---- calls ---- */

static vb_status_t
s_call(const char *method, const void *request, const ProtobufCMessageDescriptor *type,
       void *out)
{
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_admin, .write = true};
    return vb_test_rpc_call_owned(s_client, method, request, &options, type, out);
}

/* Creates a person with a unique email; the caller frees the reply. */
static Verbund__Membership__V1__PersonReply *
s_create_person(const char *name, char *email, size_t email_size)
{
    static int counter;
    snprintf(email, email_size, "%s.%d@example.org", s_tag, ++counter);
    Verbund__Membership__V1__Consents consents = VERBUND__MEMBERSHIP__V1__CONSENTS__INIT;
    person_t person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = (char *)name;
    person.email = email;
    person.consents = &consents;
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = &person;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call("membership.PersonCreate", &request,
                         &verbund__membership__v1__person_reply__descriptor, &reply));
    return reply;
}

static vb_status_t
s_update_region(const char *id, int64_t version, const char *region,
                Verbund__Membership__V1__PersonReply **reply)
{
    person_t changes = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    changes.region = (char *)region;
    char *mask[] = {(char *)"region"};
    Verbund__Membership__V1__PersonUpdateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    request.id = (char *)id;
    request.expected_version = version;
    request.person = &changes;
    request.update_mask = mask;
    request.n_update_mask = 1;
    return s_call("membership.PersonUpdate", &request,
                  &verbund__membership__v1__person_reply__descriptor, reply);
}

static void
s_put_profile(const char *person_id, int32_t hours)
{
    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Skill *skills[] = {&skill};
    Verbund__Common__V1__Money rate = VERBUND__COMMON__V1__MONEY__INIT;
    skill.code = (char *)"dc.2.4";
    skill.level = 4;
    rate.cents = 9500;
    rate.currency = (char *)"EUR";
    profile.competences = skills;
    profile.n_competences = 1;
    profile.hourly_rate = &rate;
    profile.hours_per_month = hours;
    Verbund__Membership__V1__ExpertProfilePutRequest put =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_PUT_REQUEST__INIT;
    put.person_id = (char *)person_id;
    put.profile = &profile;
    assert_status(VB_STATUS_OK, s_call("membership.ExpertProfilePut", &put, NULL, NULL));
}

static vb_status_t
s_transition(const char *id, Verbund__Membership__V1__MembershipAction action)
{
    Verbund__Membership__V1__MembershipTransitionRequest request =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TRANSITION_REQUEST__INIT;
    request.id = (char *)id;
    request.action = action;
    request.reason = (char *)"test";
    return s_call("membership.MembershipTransition", &request, NULL, NULL);
}

/* ---- tests ---- */

/* Usage: a created person is one person.created event carrying the stored person. */
static void
test_person_created_and_updated(void **state)
{
    (void)state;
    char email[64];
    Verbund__Membership__V1__PersonReply *created = s_create_person("Ada Events", email,
                                                                    sizeof email);
    const char *id = created->person->id;
    s_events_t events;
    s_events(id, &events);
    assert_int_equal(events.count, 1);
    assert_event_type(&events, 0, "verbund.membership.person.created.v1");
    assert_true(vb_uuid_valid(events.items[0].id));
    Verbund__Membership__V1__PersonEvent *payload =
        s_payload(&events.items[0], &verbund__membership__v1__person_event__descriptor);
    assert_non_null(payload->person);
    assert_string_equal(payload->person->id, id);
    assert_string_equal(payload->person->name, "Ada Events");
    assert_string_equal(payload->person->email, email);
    assert_int_equal(payload->person->version, 1);
    protobuf_c_message_free_unpacked(&payload->base, NULL);
    s_events_free(&events);

    Verbund__Membership__V1__PersonReply *updated = NULL;
    assert_status(VB_STATUS_OK, s_update_region(id, 1, "Ruhr", &updated));
    s_events(id, &events);
    assert_int_equal(events.count, 2);
    assert_event_type(&events, 1, "verbund.membership.person.updated.v1");
    payload = s_payload(&events.items[1], &verbund__membership__v1__person_event__descriptor);
    assert_string_equal(payload->person->region, "Ruhr");
    assert_int_equal(payload->person->version, updated->person->version);
    protobuf_c_message_free_unpacked(&payload->base, NULL);
    s_events_free(&events);
    protobuf_c_message_free_unpacked(&updated->base, NULL);
    protobuf_c_message_free_unpacked(&created->base, NULL);
}

static void
test_refused_calls_write_no_event(void **state)
{
    (void)state;
    char email[64];
    Verbund__Membership__V1__PersonReply *created = s_create_person("Stale Events", email,
                                                                    sizeof email);
    const char *id = created->person->id;
    /* a stale version */
    assert_status(VB_STATUS_CONFLICT, s_update_region(id, 7, "Nowhere", NULL));
    /* an unknown mask field */
    person_t changes = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    char *mask[] = {(char *)"no_such_field"};
    Verbund__Membership__V1__PersonUpdateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    request.id = (char *)id;
    request.expected_version = 1;
    request.person = &changes;
    request.update_mask = mask;
    request.n_update_mask = 1;
    assert_status(VB_STATUS_BAD_REQUEST, s_call("membership.PersonUpdate", &request, NULL, NULL));
    s_events_t events;
    s_events(id, &events);
    assert_int_equal(events.count, 1); /* person.created only */
    s_events_free(&events);

    /* a duplicate email is refused by the database after the handler ran: no second event */
    assert_int_equal(s_events_containing(email), 1);
    Verbund__Membership__V1__Consents consents = VERBUND__MEMBERSHIP__V1__CONSENTS__INIT;
    person_t duplicate = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    duplicate.name = (char *)"Duplicate";
    duplicate.email = email;
    duplicate.consents = &consents;
    Verbund__Membership__V1__PersonCreateRequest create =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    create.person = &duplicate;
    assert_status(VB_STATUS_CONFLICT, s_call("membership.PersonCreate", &create, NULL, NULL));
    assert_int_equal(s_events_containing(email), 1);
    protobuf_c_message_free_unpacked(&created->base, NULL);
}

static void
test_organization_created(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "Events Academy %s", s_tag);
    Verbund__Membership__V1__Organization organization =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
    organization.name = name;
    organization.kind = VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_NONPROFIT;
    Verbund__Membership__V1__OrganizationCreateRequest request =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_CREATE_REQUEST__INIT;
    request.organization = &organization;
    Verbund__Membership__V1__OrganizationReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call("membership.OrganizationCreate", &request,
                         &verbund__membership__v1__organization_reply__descriptor, &reply));
    s_events_t events;
    s_events(reply->organization->id, &events);
    assert_int_equal(events.count, 1);
    assert_event_type(&events, 0, "verbund.membership.organization.created.v1");
    Verbund__Membership__V1__OrganizationEvent *payload =
        s_payload(&events.items[0], &verbund__membership__v1__organization_event__descriptor);
    assert_string_equal(payload->organization->name, name);
    assert_int_equal(payload->organization->kind,
                     VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_NONPROFIT);
    protobuf_c_message_free_unpacked(&payload->base, NULL);
    s_events_free(&events);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
}

/* Applies for a community membership of person; returns its id (static buffer per slot). */
static const char *
s_apply(const char *person_id, int slot)
{
    static char ids[4][VB_UUID_STRING_SIZE];
    membership_t membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership.holder_person_id = (char *)person_id;
    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_COMMUNITY;
    Verbund__Membership__V1__MembershipCreateRequest request =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_CREATE_REQUEST__INIT;
    request.membership = &membership;
    Verbund__Membership__V1__MembershipReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call("membership.MembershipCreate", &request,
                         &verbund__membership__v1__membership_reply__descriptor, &reply));
    snprintf(ids[slot], sizeof ids[slot], "%s", reply->membership->id);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return ids[slot];
}

static void
test_membership_lifecycle_events(void **state)
{
    (void)state;
    char email[64];
    Verbund__Membership__V1__PersonReply *person = s_create_person("Lifecycle Events", email,
                                                                   sizeof email);
    const char *first = s_apply(person->person->id, 0);
    assert_status(VB_STATUS_OK,
                  s_transition(first, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE));
    assert_status(VB_STATUS_OK,
                  s_transition(first, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_SUSPEND));
    assert_status(VB_STATUS_OK,
                  s_transition(first, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME));
    assert_status(VB_STATUS_OK,
                  s_transition(first, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_TERMINATE));
    /* a refused transition (terminated is final) writes nothing */
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_transition(first, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME));

    static const struct {
        const char *type;
        Verbund__Membership__V1__MembershipStatus status;
    } expected[] = {
        {"verbund.membership.membership.applied.v1",
         VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_APPLIED},
        {"verbund.membership.membership.approved.v1",
         VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_ACTIVE},
        {"verbund.membership.membership.suspended.v1",
         VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_SUSPENDED},
        {"verbund.membership.membership.resumed.v1",
         VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_ACTIVE},
        {"verbund.membership.membership.terminated.v1",
         VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_TERMINATED},
    };
    s_events_t events;
    s_events(first, &events);
    assert_int_equal(events.count, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < events.count; i++) {
        assert_event_type(&events, i, expected[i].type);
        Verbund__Membership__V1__MembershipEvent *payload =
            s_payload(&events.items[i], &verbund__membership__v1__membership_event__descriptor);
        assert_string_equal(payload->membership->id, first);
        assert_int_equal(payload->membership->status, expected[i].status);
        assert_int_equal(payload->membership->version, (int64_t)i + 1);
        protobuf_c_message_free_unpacked(&payload->base, NULL);
    }
    s_events_free(&events);

    const char *second = s_apply(person->person->id, 1);
    assert_status(VB_STATUS_OK,
                  s_transition(second, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE));
    assert_status(VB_STATUS_OK,
                  s_transition(second, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_LAPSE));
    s_events(second, &events);
    assert_int_equal(events.count, 3);
    assert_event_type(&events, 2, "verbund.membership.membership.lapsed.v1");
    Verbund__Membership__V1__MembershipEvent *lapsed =
        s_payload(&events.items[2], &verbund__membership__v1__membership_event__descriptor);
    assert_int_equal(lapsed->membership->status,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_LAPSED);
    protobuf_c_message_free_unpacked(&lapsed->base, NULL);
    s_events_free(&events);
    protobuf_c_message_free_unpacked(&person->base, NULL);
}

static void
test_expert_profile_updated(void **state)
{
    (void)state;
    char email[64];
    Verbund__Membership__V1__PersonReply *person = s_create_person("Profile Events", email,
                                                                   sizeof email);
    const char *id = person->person->id;
    s_put_profile(id, 12);
    s_put_profile(id, 20);
    s_events_t events;
    s_events(id, &events); /* subject: the person id */
    assert_int_equal(events.count, 3);
    assert_event_type(&events, 1, "verbund.membership.expert_profile.updated.v1");
    assert_event_type(&events, 2, "verbund.membership.expert_profile.updated.v1");
    Verbund__Membership__V1__ExpertProfileEvent *payload =
        s_payload(&events.items[2], &verbund__membership__v1__expert_profile_event__descriptor);
    assert_string_equal(payload->profile->person_id, id);
    assert_int_equal(payload->profile->hours_per_month, 20);
    assert_int_equal(payload->profile->n_competences, 1);
    protobuf_c_message_free_unpacked(&payload->base, NULL);
    s_events_free(&events);
    protobuf_c_message_free_unpacked(&person->base, NULL);
}

static void
test_erasure_leaves_id_only(void **state)
{
    (void)state;
    char email[64], name[64], region[64];
    snprintf(name, sizeof name, "Erasable %s", s_tag);
    snprintf(region, sizeof region, "Secret Region %s", s_tag);
    Verbund__Membership__V1__PersonReply *person = s_create_person(name, email, sizeof email);
    char id[VB_UUID_STRING_SIZE];
    snprintf(id, sizeof id, "%s", person->person->id);
    protobuf_c_message_free_unpacked(&person->base, NULL);
    assert_status(VB_STATUS_OK, s_update_region(id, 1, region, NULL));
    s_put_profile(id, 33);
    assert_true(s_events_containing(email) >= 1);

    Verbund__Membership__V1__PersonEraseRequest erase =
        VERBUND__MEMBERSHIP__V1__PERSON_ERASE_REQUEST__INIT;
    erase.id = id;
    erase.reason = (char *)"GDPR request";
    Verbund__Membership__V1__PersonEraseReply *erased = NULL;
    assert_status(VB_STATUS_OK,
                  s_call("membership.PersonErase", &erase,
                         &verbund__membership__v1__person_erase_reply__descriptor, &erased));

    /* Events still in the outbox are redacted in the erasing transaction; copies the stream
     * service relayed earlier are scrubbed when it relays person.erased: poll for that. */
    int64_t deadline = vb_test_now_ms() + S_SCRUB_TIMEOUT_MS;
    while ((s_events_containing(email) > 0 || s_events_containing(name) > 0 ||
            s_events_containing(region) > 0) &&
           vb_test_now_ms() < deadline) {
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(s_events_containing(email), 0);
    assert_int_equal(s_events_containing(name), 0);
    assert_int_equal(s_events_containing(region), 0);

    s_events_t events;
    s_events(id, &events);
    assert_int_equal(events.count, 4);
    assert_event_type(&events, 0, "verbund.membership.person.created.v1");
    assert_event_type(&events, 1, "verbund.membership.person.updated.v1");
    assert_event_type(&events, 2, "verbund.membership.expert_profile.updated.v1");
    assert_event_type(&events, 3, "verbund.membership.person.erased.v1");
    if (!s_has_log) {
        /* the outbox's redaction: a PersonEvent holding the id only */
        for (size_t i = 0; i < 3; i++) {
            Verbund__Membership__V1__PersonEvent *payload =
                s_payload(&events.items[i], &verbund__membership__v1__person_event__descriptor);
            assert_non_null(payload->person);
            assert_string_equal(payload->person->id, id);
            assert_string_equal(payload->person->name, "");
            assert_string_equal(payload->person->email, "");
            assert_string_equal(payload->person->region, "");
            protobuf_c_message_free_unpacked(&payload->base, NULL);
        }
    }
    Verbund__Membership__V1__PersonErasedEvent *payload =
        s_payload(&events.items[3], &verbund__membership__v1__person_erased_event__descriptor);
    assert_string_equal(payload->id, id);
    assert_string_equal(payload->erased_at, erased->erased_at);
    assert_true(payload->erased_at[0] != '\0');
    protobuf_c_message_free_unpacked(&payload->base, NULL);
    s_events_free(&events);

    /* erasing again is the same erasure: no second event */
    assert_status(VB_STATUS_OK, s_call("membership.PersonErase", &erase, NULL, NULL));
    s_events(id, &events);
    assert_int_equal(events.count, 4);
    s_events_free(&events);
    protobuf_c_message_free_unpacked(&erased->base, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_created_and_updated),
        cmocka_unit_test(test_refused_calls_write_no_event),
        cmocka_unit_test(test_organization_created),
        cmocka_unit_test(test_membership_lifecycle_events),
        cmocka_unit_test(test_expert_profile_updated),
        cmocka_unit_test(test_erasure_leaves_id_only),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
