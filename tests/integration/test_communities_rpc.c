/* test_communities_rpc.c - the communities service through ZeroMQ (RPC) against the node
 * fixture: who may do what (a member proposes, only staff approve or decline, hosts archive,
 * members act only for themselves), visibility of private communities, joins with approval and
 * capacity, roles with versions, documented results, idempotent repeats, bad input that changes
 * nothing, paging for service callers, and the event of every change (read with SQL from
 * communities.outbox and, once relayed, stream.log).
 * Does not: go through HTTP (test_communities_http.c) or send malformed frames
 * (test_communities_faults.c). Callers are forged envelopes: the service trusts the Envelope's
 * caller (the gateway authenticates), so member person ids are fresh UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/communities/v1/communities.pb-c.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_db.h"
#include "vb_test_rpc.h"

typedef Verbund__Rpc__V1__Caller caller_t;
typedef Verbund__Communities__V1__Community community_t;
typedef Verbund__Communities__V1__Member member_t;

#define KIND(x) VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_##x
#define STATUS(x) VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_##x
#define ACTION(x) VERBUND__COMMUNITIES__V1__COMMUNITY_ACTION__COMMUNITY_ACTION_##x
#define ROLE(x) VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_##x
#define MSTATUS(x) VERBUND__COMMUNITIES__V1__MEMBER_STATUS__MEMBER_STATUS_##x
#define VIS(x) VERBUND__COMMUNITIES__V1__VISIBILITY__VISIBILITY_##x
#define JOIN(x) VERBUND__COMMUNITIES__V1__JOIN_POLICY__JOIN_POLICY_##x

static vb_rpc_client_t *s_client;
static vb_db_t *s_db;
static bool s_has_log;
static char s_tag[16];

/* Callers: the office, a service, and members with their own person ids. */
static char s_ids[6][VB_UUID_STRING_SIZE];
static caller_t s_admin, s_staff, s_service, s_alice, s_bob, s_carol;

static void
s_caller(caller_t *caller, const char *id, Verbund__Rpc__V1__Role role, const char *person)
{
    verbund__rpc__v1__caller__init(caller);
    caller->id = (char *)id;
    caller->role = role;
    caller->person_id = (char *)person;
}

static int
s_setup(void **state)
{
    (void)state;
    s_client = vb_test_rpc_open("VERBUND_COMMUNITIES_ENDPOINT", 3000, 10000);
    if (!s_client)
        return -1;
    s_db = vb_test_db_open("public");
    s_has_log = vb_test_db_has_stream_log(s_db);
    for (size_t i = 0; i < 6; i++)
        vb_uuid7(s_ids[i]);
    snprintf(s_tag, sizeof s_tag, "c%.4s%.4s", s_ids[0] + 24, s_ids[0] + 28);
    s_caller(&s_admin, "rpc-admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, "");
    s_caller(&s_staff, "rpc-staff", VERBUND__RPC__V1__ROLE__ROLE_STAFF, "");
    s_caller(&s_service, "rpc-matchmaking", VERBUND__RPC__V1__ROLE__ROLE_SERVICE, "");
    s_caller(&s_alice, s_ids[0], VERBUND__RPC__V1__ROLE__ROLE_MEMBER, s_ids[0]);
    s_caller(&s_bob, s_ids[1], VERBUND__RPC__V1__ROLE__ROLE_MEMBER, s_ids[1]);
    s_caller(&s_carol, s_ids[2], VERBUND__RPC__V1__ROLE__ROLE_MEMBER, s_ids[2]);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_test_rpc_close();
    vb_db_destroy(&s_db);
    return 0;
}

/* ---- calls ---- */

/* Calls method as caller (key may be NULL); on success *out (when given) is the decoded reply
 * of type (caller frees). Returns the status; vb_test_rpc_last() keeps the reply. */
static vb_status_t
s_call_key(const caller_t *caller, const char *method, const void *request, const char *key,
           const ProtobufCMessageDescriptor *type, void *out)
{
    bool write = strstr(method, "List") == NULL && strstr(method, "Get") == NULL;
    vb_rpc_call_options_t options = {
        .deadline_ms = 10000, .caller = caller, .idempotency_key = key, .write = write};
    return vb_test_rpc_call_owned(s_client, method, request, &options, type, out);
}

static vb_status_t
s_call(const caller_t *caller, const char *method, const void *request,
       const ProtobufCMessageDescriptor *type, void *out)
{
    return s_call_key(caller, method, request, NULL, type, out);
}

/* A valid proposal; name gets the run's tag so tests can find their rows. */
static void
s_community(community_t *c, char *name, size_t name_size, const char *label)
{
    static char *topics[] = {(char *)"fs.peer_learning", (char *)"dc.2.4"};
    static char *tags[] = {(char *)"Peer-Calls"};
    verbund__communities__v1__community__init(c);
    snprintf(name, name_size, "%s %s", label, s_tag);
    c->name = name;
    c->purpose = (char *)"Wöchentliche einstündige Peer-Calls";
    c->kind = KIND(PEER_CIRCLE);
    c->topics = topics;
    c->n_topics = 2;
    c->tags = tags;
    c->n_tags = 1;
    c->region = (char *)"DE-NW";
}

/* Proposes c as caller; returns the created community (caller frees) or fails the test. */
static Verbund__Communities__V1__CommunityReply *
s_propose(const caller_t *caller, community_t *c)
{
    Verbund__Communities__V1__CommunityProposeRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    request.community = c;
    Verbund__Communities__V1__CommunityReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call(caller, "communities.CommunityPropose", &request,
                         &verbund__communities__v1__community_reply__descriptor, &reply));
    return reply;
}

static vb_status_t
s_transition(const caller_t *caller, const char *id,
             Verbund__Communities__V1__CommunityAction action, const char *reason,
             int64_t expected_version)
{
    Verbund__Communities__V1__CommunityTransitionRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_TRANSITION_REQUEST__INIT;
    request.id = (char *)id;
    request.action = action;
    request.reason = (char *)reason;
    request.expected_version = expected_version;
    return s_call(caller, "communities.CommunityTransition", &request, NULL, NULL);
}

/* Proposes as alice and approves as staff (alice becomes host); the id goes to out. */
static void
s_active_community(community_t *c, char out[VB_UUID_STRING_SIZE])
{
    Verbund__Communities__V1__CommunityReply *created = s_propose(&s_alice, c);
    snprintf(out, VB_UUID_STRING_SIZE, "%s", created->community->id);
    protobuf_c_message_free_unpacked(&created->base, NULL);
    assert_status(VB_STATUS_OK, s_transition(&s_staff, out, ACTION(APPROVE), "", 0));
}

static vb_status_t
s_get(const caller_t *caller, const char *id, Verbund__Communities__V1__CommunityReply **out)
{
    Verbund__Communities__V1__CommunityGetRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_GET_REQUEST__INIT;
    request.id = (char *)id;
    return s_call(caller, "communities.CommunityGet", &request,
                  &verbund__communities__v1__community_reply__descriptor, out);
}

static vb_status_t
s_join(const caller_t *caller, const char *community_id, const char *person_id,
       Verbund__Communities__V1__MemberRole role, member_t **out)
{
    Verbund__Communities__V1__MemberJoinRequest request =
        VERBUND__COMMUNITIES__V1__MEMBER_JOIN_REQUEST__INIT;
    request.community_id = (char *)community_id;
    request.person_id = (char *)(person_id ? person_id : "");
    request.role = role;
    Verbund__Communities__V1__MemberReply *reply = NULL;
    vb_status_t status = s_call(caller, "communities.MemberJoin", &request,
                                &verbund__communities__v1__member_reply__descriptor, &reply);
    if (out) {
        *out = reply ? reply->member : NULL;
        if (reply)
            reply->member = NULL; /* handed to the caller */
    }
    if (reply)
        protobuf_c_message_free_unpacked(&reply->base, NULL);
    return status;
}

static vb_status_t
s_member_call(const caller_t *caller, const char *method, const char *community_id,
              const char *person_id)
{
    if (strcmp(method, "communities.MemberApprove") == 0) {
        Verbund__Communities__V1__MemberApproveRequest request =
            VERBUND__COMMUNITIES__V1__MEMBER_APPROVE_REQUEST__INIT;
        request.community_id = (char *)community_id;
        request.person_id = (char *)person_id;
        return s_call(caller, method, &request, NULL, NULL);
    }
    Verbund__Communities__V1__MemberLeaveRequest request =
        VERBUND__COMMUNITIES__V1__MEMBER_LEAVE_REQUEST__INIT;
    request.community_id = (char *)community_id;
    request.person_id = (char *)person_id;
    return s_call(caller, method, &request, NULL, NULL);
}

/* The members of a community as caller sees them (status "" = default), or -1 on refusal. */
static int
s_member_count(const caller_t *caller, const char *community_id, const char *status)
{
    Verbund__Communities__V1__MemberListRequest request =
        VERBUND__COMMUNITIES__V1__MEMBER_LIST_REQUEST__INIT;
    request.community_id = (char *)community_id;
    request.status = (char *)status;
    Verbund__Communities__V1__MemberListReply *reply = NULL;
    if (s_call(caller, "communities.MemberList", &request,
               &verbund__communities__v1__member_list_reply__descriptor, &reply) != VB_STATUS_OK)
        return -1;
    int count = (int)reply->n_items;
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return count;
}

/* ---- events ---- */

typedef struct {
    char *out;
    size_t size;
} s_text_t;

static int
s_text_row(void *arg, const vb_db_row_t *row)
{
    s_text_t *text = arg;
    snprintf(text->out, text->size, "%s", vb_db_row_text(row, 0));
    return 0;
}

/* The types of every event with this subject, oldest first, joined by spaces, wherever the
 * event is now (still in communities.outbox, or relayed into stream.log: one snapshot; an
 * event seen in both places counts once). */
static void
s_event_types(const char *subject, char *out, size_t size)
{
    out[0] = '\0';
    static const char outbox_sql[] =
        "SELECT coalesce(string_agg(type, ' ' ORDER BY id), '') FROM communities.outbox"
        " WHERE subject = $1";
    static const char both_sql[] =
        "SELECT coalesce(string_agg(type, ' ' ORDER BY id), '') FROM (SELECT DISTINCT id, type"
        " FROM (SELECT id, type FROM communities.outbox WHERE subject = $1 UNION ALL"
        " SELECT id, type FROM stream.log WHERE subject = $1 AND source LIKE '%/communities')"
        " AS a) AS e";
    s_text_t text = {out, size};
    const char *params[] = {subject};
    if (vb_db_exec(s_db, s_has_log ? both_sql : outbox_sql, params, 1, s_text_row, &text, NULL) !=
        VB_STATUS_OK)
        fail_msg("reading events: %s (%s)", vb_db_error(s_db), vb_db_sqlstate(s_db));
}

#define P(x) "verbund.communities." x ".v1"

#define assert_events(subject, expected)                                                           \
    do {                                                                                           \
        char types_[1024];                                                                         \
        s_event_types((subject), types_, sizeof types_);                                           \
        if (strcmp(types_, (expected)) != 0)                                                       \
            fail_msg("events of %s:\n  got      %s\n  expected %s", (subject), types_,             \
                     (expected));                                                                  \
    } while (0)

/* Rows of communities.communities whose purpose is text (bad input must add none). */
static int64_t
s_rows_with_purpose(const char *text)
{
    const char *params[] = {text};
    int64_t count = 0;
    if (vb_db_exec(s_db, "SELECT id FROM communities.communities WHERE purpose = $1", params, 1,
                   NULL, NULL, &count) != VB_STATUS_OK)
        fail_msg("counting: %s", vb_db_error(s_db));
    return count;
}

/* ---- tests ---- */

/* Usage: a member proposes, staff approve, the proposer is host; each step is an event. */
static void
test_propose_and_approve(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Peer-Circle");
    Verbund__Communities__V1__CommunityReply *created = s_propose(&s_alice, &c);
    community_t *proposed = created->community;
    assert_true(vb_uuid_valid(proposed->id));
    assert_int_equal(proposed->status, STATUS(PROPOSED));
    assert_string_equal(proposed->proposed_by, s_alice.person_id);
    assert_string_equal(proposed->name, name);
    assert_int_equal(proposed->visibility, VIS(NODE)); /* the default */
    assert_int_equal(proposed->join_policy, JOIN(OPEN));
    assert_int_equal(proposed->n_topics, 2);
    assert_int_equal(proposed->version, 1);
    char id[VB_UUID_STRING_SIZE];
    snprintf(id, sizeof id, "%s", proposed->id);
    protobuf_c_message_free_unpacked(&created->base, NULL);

    /* a proposal is seen by its proposer and staff only */
    assert_status(VB_STATUS_NOT_FOUND, s_get(&s_bob, id, NULL));
    assert_status(VB_STATUS_OK, s_get(&s_alice, id, NULL));
    /* the proposer may not approve its own proposal; another member cannot even see it */
    assert_status(VB_STATUS_FORBIDDEN, s_transition(&s_alice, id, ACTION(APPROVE), "", 0));
    assert_status(VB_STATUS_NOT_FOUND, s_transition(&s_bob, id, ACTION(APPROVE), "", 0));
    /* a service is not the office */
    assert_status(VB_STATUS_FORBIDDEN, s_transition(&s_service, id, ACTION(APPROVE), "", 0));
    /* a stale version is a conflict */
    assert_status(VB_STATUS_CONFLICT, s_transition(&s_staff, id, ACTION(APPROVE), "", 7));
    assert_status(VB_STATUS_OK, s_transition(&s_staff, id, ACTION(APPROVE), "", 1));
    Verbund__Communities__V1__CommunityReply *active = NULL;
    assert_status(VB_STATUS_OK, s_get(&s_bob, id, &active));
    assert_int_equal(active->community->status, STATUS(ACTIVE));
    assert_int_equal(active->community->member_count, 1);
    assert_int_equal(active->community->version, 2);
    protobuf_c_message_free_unpacked(&active->base, NULL);
    /* the proposer is the host */
    Verbund__Communities__V1__MemberListRequest list =
        VERBUND__COMMUNITIES__V1__MEMBER_LIST_REQUEST__INIT;
    list.community_id = id;
    Verbund__Communities__V1__MemberListReply *members = NULL;
    assert_status(VB_STATUS_OK,
                  s_call(&s_bob, "communities.MemberList", &list,
                         &verbund__communities__v1__member_list_reply__descriptor, &members));
    assert_int_equal(members->n_items, 1);
    assert_string_equal(members->items[0]->person_id, s_alice.person_id);
    assert_int_equal(members->items[0]->role, ROLE(HOST));
    protobuf_c_message_free_unpacked(&members->base, NULL);
    /* approving twice is not a transition */
    assert_status(VB_STATUS_UNPROCESSABLE, s_transition(&s_staff, id, ACTION(APPROVE), "", 0));
    assert_events(id, P("community.proposed") " " P("community.approved") " " P("member.joined"));
}

static void
test_decline_needs_reason(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Declined");
    Verbund__Communities__V1__CommunityReply *created = s_propose(&s_bob, &c);
    char id[VB_UUID_STRING_SIZE];
    snprintf(id, sizeof id, "%s", created->community->id);
    protobuf_c_message_free_unpacked(&created->base, NULL);
    assert_status(VB_STATUS_UNPROCESSABLE, s_transition(&s_staff, id, ACTION(DECLINE), "", 0));
    assert_field_error("reason");
    assert_status(VB_STATUS_UNPROCESSABLE, s_transition(&s_staff, id, ACTION(DECLINE), "   ", 0));
    assert_field_error("reason");
    assert_status(VB_STATUS_FORBIDDEN,
                  s_transition(&s_bob, id, ACTION(DECLINE), "not mine to decide", 0));
    assert_status(VB_STATUS_BAD_REQUEST, s_transition(&s_staff, id, ACTION(UNSPECIFIED), "", 0));
    assert_status(VB_STATUS_OK,
                  s_transition(&s_admin, id, ACTION(DECLINE), "Thema deckt WeQ-Community ab", 0));
    Verbund__Communities__V1__CommunityReply *declined = NULL;
    assert_status(VB_STATUS_OK, s_get(&s_bob, id, &declined));
    assert_int_equal(declined->community->status, STATUS(DECLINED));
    assert_string_equal(declined->community->status_reason, "Thema deckt WeQ-Community ab");
    protobuf_c_message_free_unpacked(&declined->base, NULL);
    /* final: neither approve nor archive; nobody joins */
    assert_status(VB_STATUS_UNPROCESSABLE, s_transition(&s_staff, id, ACTION(APPROVE), "", 0));
    assert_status(VB_STATUS_UNPROCESSABLE, s_transition(&s_staff, id, ACTION(ARCHIVE), "", 0));
    assert_status(VB_STATUS_UNPROCESSABLE, s_join(&s_staff, id, s_ids[3], ROLE(MEMBER), NULL));
    assert_events(id, P("community.proposed") " " P("community.declined"));
}

/* Bad input gets a clear error with the field and stores nothing. */
static void
test_bad_input_changes_nothing(void **state)
{
    (void)state;
    char purpose[64];
    snprintf(purpose, sizeof purpose, "bad input %s", s_tag);
    static char name_10k[10 * 1024 + 1];
    memset(name_10k, 'N', sizeof name_10k - 1);
    char *unknown_topic[] = {(char *)"fs.telepathy"};
    static const struct {
        const char *why;
        const char *field;
    } cases[] = {
        {"unknown kind", "community.kind"},
        {"unknown topic", "community.topics[0]"},
        {"empty name", "community.name"},
        {"10 kB name", "community.name"},
        {"negative capacity", "community.capacity"},
        {"unknown visibility", "community.visibility"},
        {"another member as proposer", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        community_t c;
        char name[128];
        s_community(&c, name, sizeof name, "Bad");
        c.purpose = purpose;
        vb_status_t expected = VB_STATUS_UNPROCESSABLE;
        switch (i) {
        case 0:
            c.kind = (Verbund__Communities__V1__CommunityKind)42;
            break;
        case 1:
            c.topics = unknown_topic;
            c.n_topics = 1;
            break;
        case 2:
            c.name = (char *)"";
            break;
        case 3:
            c.name = name_10k;
            break;
        case 4:
            c.capacity = -5;
            break;
        case 5:
            c.visibility = (Verbund__Communities__V1__Visibility)8;
            break;
        case 6:
            c.proposed_by = s_ids[1];
            expected = VB_STATUS_FORBIDDEN;
            break;
        }
        Verbund__Communities__V1__CommunityProposeRequest request =
            VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
        request.community = &c;
        vb_status_t got = s_call(&s_alice, "communities.CommunityPropose", &request, NULL, NULL);
        if (got != expected)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].why, vb_status_name(expected),
                     vb_status_name(got), vb_test_rpc_message());
        if (cases[i].field)
            assert_field_error(cases[i].field);
    }
    /* a missing community */
    Verbund__Communities__V1__CommunityProposeRequest empty =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_call(&s_alice, "communities.CommunityPropose", &empty, NULL, NULL));
    assert_field_error("community");
    assert_int_equal(s_rows_with_purpose(purpose), 0);
    /* no caller role at all */
    caller_t nobody;
    s_caller(&nobody, "", VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED, "");
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Anonymous");
    c.purpose = purpose;
    Verbund__Communities__V1__CommunityProposeRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    request.community = &c;
    assert_status(VB_STATUS_UNAUTHENTICATED,
                  s_call(&nobody, "communities.CommunityPropose", &request, NULL, NULL));
    assert_int_equal(s_rows_with_purpose(purpose), 0);
    /* ids, filters and cursors */
    assert_status(VB_STATUS_BAD_REQUEST, s_get(&s_alice, "1 OR 1=1", NULL));
    assert_field_error("id");
    Verbund__Communities__V1__CommunityListRequest list =
        VERBUND__COMMUNITIES__V1__COMMUNITY_LIST_REQUEST__INIT;
    list.kind = (char *)"choir";
    assert_status(VB_STATUS_BAD_REQUEST,
                  s_call(&s_alice, "communities.CommunityList", &list, NULL, NULL));
    list.kind = (char *)"";
    list.topic = (char *)"'; DROP TABLE communities; --";
    assert_status(VB_STATUS_BAD_REQUEST,
                  s_call(&s_alice, "communities.CommunityList", &list, NULL, NULL));
    list.topic = (char *)"";
    list.cursor = (char *)"not-a-cursor";
    assert_status(VB_STATUS_BAD_REQUEST,
                  s_call(&s_alice, "communities.CommunityList", &list, NULL, NULL));
    list.cursor = (char *)"";
    list.limit = 1000;
    assert_status(VB_STATUS_BAD_REQUEST,
                  s_call(&s_alice, "communities.CommunityList", &list, NULL, NULL));
}

/* Injection strings are data: stored and returned verbatim. */
static void
test_injection_strings_stored_verbatim(void **state)
{
    (void)state;
    static char *tags[] = {(char *)"\"; SELECT pg_sleep(10); --", (char *)"<script>x</script>"};
    community_t c;
    char name[160];
    s_community(&c, name, sizeof name, "Robert'); DROP TABLE communities.communities; --");
    c.purpose = (char *)"' OR '1'='1";
    c.tags = tags;
    c.n_tags = 2;
    Verbund__Communities__V1__CommunityReply *created = s_propose(&s_alice, &c);
    Verbund__Communities__V1__CommunityReply *read = NULL;
    assert_status(VB_STATUS_OK, s_get(&s_alice, created->community->id, &read));
    assert_string_equal(read->community->name, name);
    assert_string_equal(read->community->purpose, "' OR '1'='1");
    assert_int_equal(read->community->n_tags, 2);
    assert_string_equal(read->community->tags[0], tags[0]);
    assert_string_equal(read->community->tags[1], tags[1]);
    protobuf_c_message_free_unpacked(&read->base, NULL);
    protobuf_c_message_free_unpacked(&created->base, NULL);
    int64_t count = 0;
    assert_int_equal(vb_db_exec(s_db, "SELECT 1 FROM communities.communities LIMIT 1", NULL, 0,
                                NULL, NULL, &count),
                     VB_STATUS_OK);
    assert_int_equal(count, 1);
}

/* Private communities are seen by their members and staff only. */
static void
test_private_visibility(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Think & Do Team privat");
    c.kind = KIND(THINK_DO_TEAM);
    c.visibility = VIS(PRIVATE);
    char id[VB_UUID_STRING_SIZE];
    s_active_community(&c, id);
    assert_status(VB_STATUS_NOT_FOUND, s_get(&s_bob, id, NULL));
    assert_status(VB_STATUS_OK, s_get(&s_staff, id, NULL));
    assert_status(VB_STATUS_OK, s_get(&s_service, id, NULL));
    assert_status(VB_STATUS_NOT_FOUND, s_join(&s_bob, id, NULL, ROLE(MEMBER), NULL));
    assert_int_equal(s_member_count(&s_bob, id, ""), -1);
    /* the list leaves it out for bob, shows it to alice (its host) */
    Verbund__Communities__V1__CommunityListRequest list =
        VERBUND__COMMUNITIES__V1__COMMUNITY_LIST_REQUEST__INIT;
    list.kind = (char *)"think_do_team";
    list.limit = 200;
    const caller_t *viewers[] = {&s_bob, &s_alice, &s_staff};
    bool expected[] = {false, true, true};
    for (size_t v = 0; v < 3; v++) {
        bool found = false;
        char cursor[64] = "";
        for (int page = 0; page < 100; page++) {
            list.cursor = cursor;
            Verbund__Communities__V1__CommunityListReply *reply = NULL;
            assert_status(VB_STATUS_OK,
                          s_call(viewers[v], "communities.CommunityList", &list,
                                 &verbund__communities__v1__community_list_reply__descriptor,
                                 &reply));
            for (size_t i = 0; i < reply->n_items; i++) {
                found = found || strcmp(reply->items[i]->id, id) == 0;
                assert_int_equal(reply->items[i]->kind, KIND(THINK_DO_TEAM));
            }
            snprintf(cursor, sizeof cursor, "%s", reply->next_cursor);
            protobuf_c_message_free_unpacked(&reply->base, NULL);
            if (!cursor[0])
                break;
        }
        assert_int_equal(found, expected[v]);
    }
    /* the host adds bob: now he sees it */
    assert_status(VB_STATUS_CREATED, s_join(&s_alice, id, s_bob.person_id, ROLE(ADVISOR), NULL));
    assert_status(VB_STATUS_OK, s_get(&s_bob, id, NULL));
    assert_int_equal(s_member_count(&s_bob, id, ""), 2);
}

/* Joining: members only for themselves, once, within capacity; approval joins wait. */
static void
test_join_leave_capacity(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Kleiner Kreis");
    c.capacity = 2;
    char id[VB_UUID_STRING_SIZE];
    s_active_community(&c, id); /* alice is host: 1 of 2 */
    member_t *joined = NULL;
    assert_status(VB_STATUS_CREATED, s_join(&s_bob, id, NULL, ROLE(UNSPECIFIED), &joined));
    assert_string_equal(joined->person_id, s_bob.person_id);
    assert_int_equal(joined->role, ROLE(MEMBER));
    assert_int_equal(joined->status, MSTATUS(ACTIVE));
    protobuf_c_message_free_unpacked(&joined->base, NULL);
    assert_status(VB_STATUS_CONFLICT, s_join(&s_bob, id, NULL, ROLE(MEMBER), NULL));
    assert_status(VB_STATUS_UNPROCESSABLE, s_join(&s_carol, id, NULL, ROLE(MEMBER), NULL));
    assert_non_null(strstr(vb_test_rpc_last()->message, "full"));
    /* a member acts only for itself; hosts cannot exceed capacity either */
    assert_status(VB_STATUS_FORBIDDEN, s_join(&s_bob, id, s_carol.person_id, ROLE(MEMBER), NULL));
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_join(&s_alice, id, s_carol.person_id, ROLE(MEMBER), NULL));
    assert_status(VB_STATUS_FORBIDDEN,
                  s_member_call(&s_carol, "communities.MemberLeave", id, s_bob.person_id));
    assert_status(VB_STATUS_OK,
                  s_member_call(&s_bob, "communities.MemberLeave", id, s_bob.person_id));
    assert_status(VB_STATUS_NOT_FOUND,
                  s_member_call(&s_bob, "communities.MemberLeave", id, s_bob.person_id));
    assert_status(VB_STATUS_CREATED, s_join(&s_carol, id, NULL, ROLE(MEMBER), NULL));
    /* a member may not give itself a role */
    assert_status(VB_STATUS_FORBIDDEN, s_join(&s_bob, id, NULL, ROLE(HOST), NULL));
    assert_events(id,
                  P("community.proposed") " " P("community.approved") " " P("member.joined") " " P(
                      "member.joined") " " P("member.left") " " P("member.joined"));

    /* approval: a request waits for a host, moderator or staff */
    community_t a;
    char name_a[128];
    s_community(&a, name_a, sizeof name_a, "Mit Zustimmung");
    a.join_policy = JOIN(APPROVAL);
    char approval_id[VB_UUID_STRING_SIZE];
    s_active_community(&a, approval_id);
    member_t *pending = NULL;
    assert_status(VB_STATUS_CREATED, s_join(&s_bob, approval_id, NULL, ROLE(MEMBER), &pending));
    assert_int_equal(pending->status, MSTATUS(PENDING));
    protobuf_c_message_free_unpacked(&pending->base, NULL);
    assert_status(VB_STATUS_CONFLICT, s_join(&s_bob, approval_id, NULL, ROLE(MEMBER), NULL));
    assert_status(VB_STATUS_CREATED, s_join(&s_carol, approval_id, NULL, ROLE(MEMBER), NULL));
    assert_int_equal(s_member_count(&s_bob, approval_id, "pending"), -1); /* not a manager */
    assert_int_equal(s_member_count(&s_alice, approval_id, "pending"), 2);
    assert_int_equal(s_member_count(&s_staff, approval_id, ""), 3);
    assert_status(VB_STATUS_FORBIDDEN, s_member_call(&s_carol, "communities.MemberApprove",
                                                     approval_id, s_bob.person_id));
    assert_status(VB_STATUS_OK, s_member_call(&s_alice, "communities.MemberApprove", approval_id,
                                              s_bob.person_id));
    assert_status(VB_STATUS_UNPROCESSABLE, s_member_call(&s_alice, "communities.MemberApprove",
                                                         approval_id, s_bob.person_id));
    assert_int_equal(s_member_count(&s_carol, approval_id, ""), 2); /* active only */
    /* carol withdraws her request */
    assert_status(VB_STATUS_OK, s_member_call(&s_carol, "communities.MemberLeave", approval_id,
                                              s_carol.person_id));
    assert_events(
        approval_id,
        P("community.proposed") " " P("community.approved") " " P("member.joined") " " P(
            "member.requested") " " P("member.requested") " " P("member.joined") " " P("member."
                                                                                       "left"));
}

static vb_status_t
s_role_set(const caller_t *caller, const char *id, const char *person,
           Verbund__Communities__V1__MemberRole role, int64_t version, member_t **out)
{
    Verbund__Communities__V1__MemberRoleSetRequest request =
        VERBUND__COMMUNITIES__V1__MEMBER_ROLE_SET_REQUEST__INIT;
    request.community_id = (char *)id;
    request.person_id = (char *)person;
    request.role = role;
    request.expected_version = version;
    Verbund__Communities__V1__MemberReply *reply = NULL;
    vb_status_t status = s_call(caller, "communities.MemberRoleSet", &request,
                                &verbund__communities__v1__member_reply__descriptor, &reply);
    if (out) {
        *out = reply ? reply->member : NULL;
        if (reply)
            reply->member = NULL;
    }
    if (reply)
        protobuf_c_message_free_unpacked(&reply->base, NULL);
    return status;
}

static void
test_roles_and_archive(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "WeQ-Community");
    c.kind = KIND(COMMUNITY);
    char id[VB_UUID_STRING_SIZE];
    s_active_community(&c, id);
    assert_status(VB_STATUS_CREATED, s_join(&s_bob, id, NULL, ROLE(MEMBER), NULL));
    assert_status(VB_STATUS_FORBIDDEN,
                  s_role_set(&s_bob, id, s_bob.person_id, ROLE(HOST), 0, NULL));
    member_t *changed = NULL;
    assert_status(VB_STATUS_OK,
                  s_role_set(&s_alice, id, s_bob.person_id, ROLE(MODERATOR), 1, &changed));
    assert_int_equal(changed->role, ROLE(MODERATOR));
    assert_int_equal(changed->version, 2);
    protobuf_c_message_free_unpacked(&changed->base, NULL);
    assert_status(VB_STATUS_CONFLICT,
                  s_role_set(&s_alice, id, s_bob.person_id, ROLE(ADVISOR), 1, NULL));
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_role_set(&s_alice, id, s_bob.person_id, ROLE(UNSPECIFIED), 0, NULL));
    assert_field_error("role");
    assert_status(VB_STATUS_NOT_FOUND,
                  s_role_set(&s_alice, id, s_carol.person_id, ROLE(MEMBER), 0, NULL));
    /* a moderator is not a host: it may not archive */
    assert_status(VB_STATUS_FORBIDDEN, s_transition(&s_bob, id, ACTION(ARCHIVE), "", 0));
    assert_status(VB_STATUS_OK, s_transition(&s_alice, id, ACTION(ARCHIVE), "Projekt beendet", 0));
    assert_status(VB_STATUS_UNPROCESSABLE, s_join(&s_carol, id, NULL, ROLE(MEMBER), NULL));
    assert_events(id,
                  P("community.proposed") " " P("community.approved") " " P("member.joined") " " P(
                      "member.joined") " " P("member.role_changed") " " P("community.archived"));
}

static vb_status_t
s_publish(const caller_t *caller, const char *key, const char *id, const char *title,
          Verbund__Communities__V1__Visibility visibility,
          Verbund__Communities__V1__ResultReply **out)
{
    Verbund__Communities__V1__Link link = VERBUND__COMMUNITIES__V1__LINK__INIT;
    link.url = (char *)"https://media.example/peer-call-42.mp4";
    link.label = (char *)"Aufzeichnung";
    link.kind = VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_RECORDING;
    Verbund__Communities__V1__Link *links[] = {&link};
    Verbund__Communities__V1__Result result = VERBUND__COMMUNITIES__V1__RESULT__INIT;
    result.title = (char *)title;
    result.summary = (char *)"Was wir gelernt haben";
    result.links = links;
    result.n_links = 1;
    result.visibility = visibility;
    Verbund__Communities__V1__ResultPublishRequest request =
        VERBUND__COMMUNITIES__V1__RESULT_PUBLISH_REQUEST__INIT;
    request.community_id = (char *)id;
    request.result = &result;
    return s_call_key(caller, "communities.ResultPublish", &request, key,
                      &verbund__communities__v1__result_reply__descriptor, out);
}

static int
s_result_count(const caller_t *caller, const char *id)
{
    Verbund__Communities__V1__ResultListRequest request =
        VERBUND__COMMUNITIES__V1__RESULT_LIST_REQUEST__INIT;
    request.community_id = (char *)id;
    Verbund__Communities__V1__ResultListReply *reply = NULL;
    if (s_call(caller, "communities.ResultList", &request,
               &verbund__communities__v1__result_list_reply__descriptor, &reply) != VB_STATUS_OK)
        return -1;
    int count = (int)reply->n_items;
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return count;
}

static void
test_results(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Peer-Calls mit Ergebnissen");
    char id[VB_UUID_STRING_SIZE];
    s_active_community(&c, id);
    Verbund__Communities__V1__ResultReply *published = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_publish(&s_alice, NULL, id, "Peer-Call 42", VIS(UNSPECIFIED), &published));
    assert_string_equal(published->result->community_id, id);
    assert_int_equal(published->result->n_author_ids, 1);
    assert_string_equal(published->result->author_ids[0], s_alice.person_id);
    assert_int_equal(published->result->visibility, VIS(NODE)); /* as its community */
    assert_int_equal(published->result->n_links, 1);
    assert_int_equal(published->result->links[0]->kind,
                     VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_RECORDING);
    char result_id[VB_UUID_STRING_SIZE];
    snprintf(result_id, sizeof result_id, "%s", published->result->id);
    protobuf_c_message_free_unpacked(&published->base, NULL);
    /* a non-member may read but not publish; a private result is for members only */
    assert_status(VB_STATUS_FORBIDDEN,
                  s_publish(&s_carol, NULL, id, "Fremd", VIS(UNSPECIFIED), NULL));
    assert_status(VB_STATUS_CREATED, s_publish(&s_alice, NULL, id, "Intern", VIS(PRIVATE), NULL));
    assert_int_equal(s_result_count(&s_carol, id), 1);
    assert_int_equal(s_result_count(&s_alice, id), 2);
    assert_int_equal(s_result_count(&s_staff, id), 2);
    /* an empty title changes nothing */
    assert_status(VB_STATUS_UNPROCESSABLE, s_publish(&s_alice, NULL, id, "", VIS(NODE), NULL));
    assert_field_error("result.title");
    assert_int_equal(s_result_count(&s_alice, id), 2);
    assert_events(result_id, P("result.published"));
    /* an archived community takes no more results */
    assert_status(VB_STATUS_OK, s_transition(&s_staff, id, ACTION(ARCHIVE), "", 0));
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_publish(&s_alice, NULL, id, "Zu spät", VIS(NODE), NULL));
    assert_int_equal(s_result_count(&s_carol, id), 1); /* archived stays readable */
}

/* A repeated idempotency key gets the first answer and changes nothing more. */
static void
test_idempotent_repeat(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Idempotent");
    char key[64];
    snprintf(key, sizeof key, "propose-%s", s_tag);
    Verbund__Communities__V1__CommunityProposeRequest request =
        VERBUND__COMMUNITIES__V1__COMMUNITY_PROPOSE_REQUEST__INIT;
    request.community = &c;
    Verbund__Communities__V1__CommunityReply *first = NULL, *second = NULL;
    assert_status(VB_STATUS_CREATED,
                  s_call_key(&s_alice, "communities.CommunityPropose", &request, key,
                             &verbund__communities__v1__community_reply__descriptor, &first));
    assert_status(VB_STATUS_CREATED,
                  s_call_key(&s_alice, "communities.CommunityPropose", &request, key,
                             &verbund__communities__v1__community_reply__descriptor, &second));
    assert_string_equal(first->community->id, second->community->id);
    assert_events(first->community->id, P("community.proposed"));
    /* the same key with another body */
    c.purpose = (char *)"something else";
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_call_key(&s_alice, "communities.CommunityPropose", &request, key, NULL, NULL));
    /* a repeated join with its key is the first answer, not a duplicate */
    assert_status(VB_STATUS_OK,
                  s_transition(&s_staff, first->community->id, ACTION(APPROVE), "", 0));
    Verbund__Communities__V1__MemberJoinRequest join =
        VERBUND__COMMUNITIES__V1__MEMBER_JOIN_REQUEST__INIT;
    join.community_id = first->community->id;
    snprintf(key, sizeof key, "join-%s", s_tag);
    for (int i = 0; i < 2; i++)
        assert_status(VB_STATUS_CREATED,
                      s_call_key(&s_bob, "communities.MemberJoin", &join, key, NULL, NULL));
    assert_int_equal(s_member_count(&s_bob, first->community->id, ""), 2);
    assert_events(first->community->id, P("community.proposed") " " P("community.approved") " " P(
                                            "member.joined") " " P("member.joined"));
    protobuf_c_message_free_unpacked(&first->base, NULL);
    protobuf_c_message_free_unpacked(&second->base, NULL);
}

/* A service (matchmaking) pages through every community, private ones included. */
static void
test_service_pages_through_everything(void **state)
{
    (void)state;
    community_t c;
    char name[128];
    s_community(&c, name, sizeof name, "Paging privat");
    c.visibility = VIS(PRIVATE);
    char id[VB_UUID_STRING_SIZE];
    s_active_community(&c, id);
    size_t total = 0, pages = 0;
    bool found = false;
    char cursor[64] = "";
    char previous[VB_UUID_STRING_SIZE] = "";
    do {
        Verbund__Communities__V1__CommunityListRequest list =
            VERBUND__COMMUNITIES__V1__COMMUNITY_LIST_REQUEST__INIT;
        list.limit = 2;
        list.cursor = cursor;
        Verbund__Communities__V1__CommunityListReply *reply = NULL;
        assert_status(VB_STATUS_OK,
                      s_call(&s_service, "communities.CommunityList", &list,
                             &verbund__communities__v1__community_list_reply__descriptor, &reply));
        assert_true(reply->n_items <= 2);
        for (size_t i = 0; i < reply->n_items; i++) {
            assert_true(strcmp(previous, reply->items[i]->id) < 0); /* ordered, no repeats */
            snprintf(previous, sizeof previous, "%s", reply->items[i]->id);
            found = found || strcmp(reply->items[i]->id, id) == 0;
        }
        total += reply->n_items;
        pages++;
        snprintf(cursor, sizeof cursor, "%s", reply->next_cursor);
        protobuf_c_message_free_unpacked(&reply->base, NULL);
    } while (cursor[0] && pages < 1000);
    assert_true(found);
    int64_t rows = 0;
    assert_int_equal(
        vb_db_exec(s_db, "SELECT id FROM communities.communities", NULL, 0, NULL, NULL, &rows),
        VB_STATUS_OK);
    assert_int_equal(total, (size_t)rows);
    assert_int_equal(s_member_count(&s_service, id, ""), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_propose_and_approve),
        cmocka_unit_test(test_decline_needs_reason),
        cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_injection_strings_stored_verbatim),
        cmocka_unit_test(test_private_visibility),
        cmocka_unit_test(test_join_leave_capacity),
        cmocka_unit_test(test_roles_and_archive),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_idempotent_repeat),
        cmocka_unit_test(test_service_pages_through_everything),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
