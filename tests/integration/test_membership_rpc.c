/* test_membership_rpc.c - the membership service over ZeroMQ as the gateway uses it: CRUD,
 * stale versions, idempotent repeats and reused keys, GDPR erasure and export, the membership
 * lifecycle, the supporting minimum, the taxonomy, tokens, authorisation of members, and hostile
 * strings stored verbatim. Talks only through vb_rpc_client and protobuf (black box).
 * Does not: start the node (the ctest "node" fixture does) or inject faults
 * (test_membership_faults.c). */
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
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_node.h"
#include "vb_test_rpc.h"

typedef Verbund__Rpc__V1__Caller caller_t;
typedef Verbund__Rpc__V1__Reply reply_t;
typedef Verbund__Membership__V1__Person person_t;

static vb_rpc_client_t *s_client;
static char s_tag[16]; /* unique per run: keeps emails and names apart */

static caller_t s_admin = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"test-admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"", 0, NULL};
static caller_t s_staff = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"test-staff", VERBUND__RPC__V1__ROLE__ROLE_STAFF, (char *)"", 0, NULL};

/* ---- helpers ---- */

static int
s_setup(void **state)
{
    (void)state;
    s_client = vb_test_rpc_open("VERBUND_MEMBERSHIP_ENDPOINT", 3000, 10000);
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    snprintf(s_tag, sizeof s_tag, "t%.4s%.4s", id + 24, id + 28);
    return s_client ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_test_rpc_close();
    return 0;
}

/* A person message with a unique email; strings are static or from the tag. */
static person_t *
s_new_person(const char *name, char *email_buffer, size_t size)
{
    static person_t person;
    static Verbund__Membership__V1__Consents consents;
    static int counter;
    verbund__membership__v1__person__init(&person);
    verbund__membership__v1__consents__init(&consents);
    snprintf(email_buffer, size, "%s.%d@example.org", s_tag, ++counter);
    person.name = (char *)name;
    person.email = email_buffer;
    person.consents = &consents;
    return &person;
}

/* Creates a person as admin; returns the stored person. */
static person_t *
s_create_person(const char *name)
{
    static char emails[256][64];
    static int next;
    char *email = emails[next++ % 256];
    person_t *person = s_new_person(name, email, 64);
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = person;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.PersonCreate", &request, &s_admin, true,
                                   &verbund__membership__v1__person_reply__descriptor, &reply));
    assert_non_null(reply->person);
    return reply->person;
}

static person_t *
s_get_person(const char *id, const caller_t *caller, vb_status_t expected)
{
    Verbund__Membership__V1__PersonGetRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_GET_REQUEST__INIT;
    request.id = (char *)id;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    assert_status(expected,
                  vb_test_rpc_call("membership.PersonGet", &request, caller, false,
                                   &verbund__membership__v1__person_reply__descriptor, &reply));
    return reply ? reply->person : NULL;
}

static Verbund__Membership__V1__Organization *
s_create_organization(const char *name)
{
    Verbund__Membership__V1__Organization organization =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
    organization.name = (char *)name;
    organization.kind =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_EDUCATION_PROVIDER;
    organization.region = (char *)"Ruhr";
    organization.sector = (char *)"training";
    organization.vat_id = (char *)"DE123456789";
    Verbund__Membership__V1__OrganizationCreateRequest request =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_CREATE_REQUEST__INIT;
    request.organization = &organization;
    Verbund__Membership__V1__OrganizationReply *reply = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.OrganizationCreate", &request, &s_staff, true,
                                   &verbund__membership__v1__organization_reply__descriptor,
                                   &reply));
    return reply->organization;
}

static caller_t
s_member(const char *person_id)
{
    caller_t caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *)person_id;
    caller.person_id = (char *)person_id;
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
    return caller;
}

/* ---- usage example ---- */

static void
test_usage_example(void **state)
{
    (void)state;
    person_t *created = s_create_person("Sarah Theune");
    assert_true(vb_uuid_valid(created->id));
    assert_int_equal(created->version, 1);
    assert_false(created->erased);
    assert_true(strlen(created->created_at) >= 20);

    person_t *read = s_get_person(created->id, &s_staff, VB_STATUS_OK);
    assert_string_equal(read->name, "Sarah Theune");
    assert_string_equal(read->email, created->email);
    /* a second read may come from the cache: the same answer */
    person_t *again = s_get_person(created->id, &s_staff, VB_STATUS_OK);
    assert_string_equal(again->name, "Sarah Theune");
    assert_int_equal(again->version, 1);

    char missing[VB_UUID_STRING_SIZE];
    vb_uuid7(missing);
    s_get_person(missing, &s_staff, VB_STATUS_NOT_FOUND);
    s_get_person("not-a-uuid", &s_staff, VB_STATUS_BAD_REQUEST);
    assert_field_error("id");
    /* no caller at all: not authenticated */
    s_get_person(created->id, NULL, VB_STATUS_UNAUTHENTICATED);
}

/* ---- updates and versions ---- */

static vb_status_t
s_update(const char *id, int64_t expected_version, person_t *changes, char **mask,
         size_t mask_count, const caller_t *caller, person_t **out)
{
    Verbund__Membership__V1__PersonUpdateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    request.id = (char *)id;
    request.expected_version = expected_version;
    request.person = changes;
    request.update_mask = mask;
    request.n_update_mask = mask_count;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    vb_status_t status =
        vb_test_rpc_call("membership.PersonUpdate", &request, caller, true,
                         &verbund__membership__v1__person_reply__descriptor, &reply);
    if (out)
        *out = reply ? reply->person : NULL;
    return status;
}

static void
test_update_and_stale_version(void **state)
{
    (void)state;
    person_t *created = s_create_person("Hartmut Kopf");
    char *id = strdup(created->id);
    char *email = strdup(created->email);

    person_t changes = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Skill *skills[] = {&skill};
    char *languages[] = {(char *)"de", (char *)"en"};
    skill.code = (char *)"fs.collaboration";
    skill.level = 4;
    changes.name = (char *)"Prof. Dr. Hartmut Kopf";
    changes.region = (char *)"Essen";
    changes.skills = skills;
    changes.n_skills = 1;
    changes.languages = languages;
    changes.n_languages = 2;
    char *mask[] = {(char *)"name", (char *)"skills", (char *)"languages"};

    person_t *updated = NULL;
    assert_status(VB_STATUS_OK, s_update(id, 1, &changes, mask, 3, &s_staff, &updated));
    assert_int_equal(updated->version, 2);
    assert_string_equal(updated->name, "Prof. Dr. Hartmut Kopf");
    assert_string_equal(updated->region, ""); /* not in the mask */
    assert_string_equal(updated->email, email);
    assert_int_equal(updated->n_skills, 1);
    assert_string_equal(updated->skills[0]->code, "fs.collaboration");
    assert_int_equal(updated->skills[0]->level, 4);
    assert_int_equal(updated->n_languages, 2);

    /* the read after the write sees the new version (the cache never serves the old one) */
    person_t *read = s_get_person(id, &s_staff, VB_STATUS_OK);
    assert_int_equal(read->version, 2);
    assert_string_equal(read->name, "Prof. Dr. Hartmut Kopf");

    /* a stale version changes nothing */
    changes.name = (char *)"Stale Write";
    assert_status(VB_STATUS_CONFLICT, s_update(id, 1, &changes, mask, 1, &s_staff, NULL));
    assert_non_null(strstr(vb_test_rpc_last()->message, "version 1 is stale; current is 2"));
    read = s_get_person(id, &s_staff, VB_STATUS_OK);
    assert_string_equal(read->name, "Prof. Dr. Hartmut Kopf");
    assert_int_equal(read->version, 2);

    /* unknown mask fields and invalid values */
    char *bad_mask[] = {(char *)"id"};
    assert_status(VB_STATUS_BAD_REQUEST, s_update(id, 2, &changes, bad_mask, 1, &s_staff, NULL));
    assert_field_error("update_mask[0]");
    changes.email = (char *)"no-at-sign";
    char *email_mask[] = {(char *)"email"};
    assert_status(VB_STATUS_UNPROCESSABLE,
                  s_update(id, 2, &changes, email_mask, 1, &s_staff, NULL));
    assert_field_error("person.email");
    read = s_get_person(id, &s_staff, VB_STATUS_OK);
    assert_string_equal(read->email, email);
    free(id);
    free(email);
}

static void
test_email_unique_case_insensitive(void **state)
{
    (void)state;
    person_t *first = s_create_person("Ann-Kathrin Fechner");
    char upper[128];
    snprintf(upper, sizeof upper, "%s", first->email);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char buffer[64];
    person_t *second = s_new_person("Someone Else", buffer, sizeof buffer);
    second->email = upper;
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = second;
    assert_status(VB_STATUS_CONFLICT, vb_test_rpc_call("membership.PersonCreate", &request,
                                                       &s_admin, true, NULL, NULL));
    assert_field_error("person.email");
}

static void
test_list_filters_and_paging(void **state)
{
    (void)state;
    char name[64];
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "Pager %s %d", s_tag, i);
        ids[i] = strdup(s_create_person(name)->id);
    }
    Verbund__Membership__V1__PersonListRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    char text[64];
    snprintf(text, sizeof text, "PAGER %s", s_tag); /* case-insensitive */
    request.text = text;
    request.limit = 2;
    size_t seen = 0;
    char cursor[64] = "";
    for (int page = 0; page < 10; page++) {
        request.cursor = cursor;
        Verbund__Membership__V1__PersonListReply *reply = NULL;
        assert_status(VB_STATUS_OK,
                      vb_test_rpc_call("membership.PersonList", &request, &s_staff, false,
                                       &verbund__membership__v1__person_list_reply__descriptor,
                                       &reply));
        assert_true(reply->n_items <= 2);
        for (size_t i = 0; i < reply->n_items; i++) {
            /* ordered by id: the creation order of UUIDv7 */
            assert_string_equal(reply->items[i]->id, ids[seen]);
            seen++;
        }
        snprintf(cursor, sizeof cursor, "%s", reply->next_cursor);
        if (!cursor[0])
            break;
    }
    assert_int_equal(seen, 5);

    request.cursor = (char *)"not-a-cursor";
    assert_status(VB_STATUS_BAD_REQUEST,
                  vb_test_rpc_call("membership.PersonList", &request, &s_staff, false, NULL, NULL));
    assert_field_error("cursor");
    request.cursor = (char *)"";
    request.limit = 201;
    assert_status(VB_STATUS_BAD_REQUEST,
                  vb_test_rpc_call("membership.PersonList", &request, &s_staff, false, NULL, NULL));
    request.limit = 0;
    request.skill = (char *)"fs.unknown";
    assert_status(VB_STATUS_BAD_REQUEST,
                  vb_test_rpc_call("membership.PersonList", &request, &s_staff, false, NULL, NULL));
    for (int i = 0; i < 5; i++)
        free(ids[i]);
}

/* ---- idempotency ---- */

static void
test_idempotent_repeat_and_key_reuse(void **state)
{
    (void)state;
    char key[VB_UUID_STRING_SIZE];
    vb_uuid7(key);
    char email[64];
    person_t *person = s_new_person("Idempotent Irene", email, sizeof email);
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = person;
    Verbund__Membership__V1__PersonReply *first = NULL, *second = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call_key("membership.PersonCreate", &request, &s_admin, key, true,
                                       &verbund__membership__v1__person_reply__descriptor, &first));
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call_key("membership.PersonCreate", &request, &s_admin, key, true,
                                       &verbund__membership__v1__person_reply__descriptor,
                                       &second));
    assert_string_equal(first->person->id, second->person->id);
    /* the same key with another body */
    person->name = (char *)"Somebody Else";
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call_key("membership.PersonCreate", &request,
                                                                &s_admin, key, true, NULL, NULL));
    /* exactly one person with that email exists */
    Verbund__Membership__V1__PersonListRequest list =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    list.text = email;
    Verbund__Membership__V1__PersonListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 1);
}

/* ---- GDPR ---- */

static void
test_erasure_and_export(void **state)
{
    (void)state;
    Verbund__Membership__V1__Organization *organization = s_create_organization("NIRO e. V.");
    char email[64];
    person_t *person = s_new_person("Erika Mustermann", email, sizeof email);
    char *interests[] = {(char *)"Knowledge-Café", (char *)"Peer-to-Peer Calls"};
    person->interests = interests;
    person->n_interests = 2;
    person->organization_id = organization->id;
    person->region = (char *)"Essen";
    person->consents->visible_in_network = true;
    Verbund__Membership__V1__PersonCreateRequest create =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    create.person = person;
    Verbund__Membership__V1__PersonReply *created = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.PersonCreate", &create, &s_admin, true,
                                   &verbund__membership__v1__person_reply__descriptor, &created));
    const char *id = created->person->id;

    /* an expert profile, a membership and a member token */
    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Skill *skills[] = {&skill};
    Verbund__Common__V1__Money rate = VERBUND__COMMON__V1__MONEY__INIT;
    skill.code = (char *)"dc.2.4";
    skill.level = 5;
    rate.cents = 9500;
    rate.currency = (char *)"EUR";
    profile.competences = skills;
    profile.n_competences = 1;
    profile.hourly_rate = &rate;
    profile.hours_per_month = 40;
    Verbund__Membership__V1__ExpertProfilePutRequest put =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_PUT_REQUEST__INIT;
    put.person_id = (char *)id;
    put.profile = &profile;
    Verbund__Membership__V1__ExpertProfileReply *stored = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.ExpertProfilePut", &put, &s_staff, true,
                                   &verbund__membership__v1__expert_profile_reply__descriptor,
                                   &stored));
    assert_int_equal(stored->profile->hourly_rate->cents, 9500);

    Verbund__Membership__V1__Membership membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership.holder_person_id = (char *)id;
    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_COMMUNITY;
    Verbund__Membership__V1__MembershipCreateRequest apply =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_CREATE_REQUEST__INIT;
    apply.membership = &membership;
    assert_status(VB_STATUS_CREATED, vb_test_rpc_call("membership.MembershipCreate", &apply,
                                                      &s_staff, true, NULL, NULL));

    Verbund__Membership__V1__TokenCreateRequest token_request =
        VERBUND__MEMBERSHIP__V1__TOKEN_CREATE_REQUEST__INIT;
    token_request.role = VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
    token_request.person_id = (char *)id;
    token_request.label = (char *)"erika's laptop";
    Verbund__Membership__V1__TokenCreateReply *token = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.TokenCreate", &token_request, &s_admin, true,
                                   &verbund__membership__v1__token_create_reply__descriptor,
                                   &token));
    Verbund__Membership__V1__TokenVerifyRequest verify =
        VERBUND__MEMBERSHIP__V1__TOKEN_VERIFY_REQUEST__INIT;
    verify.token = token->token;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false, NULL, NULL));

    /* export before: everything is there; the member may export itself */
    caller_t self = s_member(id);
    Verbund__Membership__V1__PersonExportRequest export_request =
        VERBUND__MEMBERSHIP__V1__PERSON_EXPORT_REQUEST__INIT;
    export_request.id = (char *)id;
    Verbund__Membership__V1__PersonExport *exported = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonExport", &export_request, &self, false,
                                   &verbund__membership__v1__person_export__descriptor, &exported));
    assert_string_equal(exported->person->name, "Erika Mustermann");
    assert_non_null(exported->organization);
    assert_string_equal(exported->organization->name, "NIRO e. V.");
    assert_non_null(exported->expert_profile);
    assert_int_equal(exported->n_memberships, 1);
    assert_int_equal(exported->n_audit, 0);
    assert_true(strlen(exported->exported_at) > 0);

    /* erase as admin */
    Verbund__Membership__V1__PersonEraseRequest erase =
        VERBUND__MEMBERSHIP__V1__PERSON_ERASE_REQUEST__INIT;
    erase.id = (char *)id;
    erase.reason = (char *)"Art. 17 GDPR request by mail";
    Verbund__Membership__V1__PersonEraseReply *erased = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonErase", &erase, &s_admin, true,
                                   &verbund__membership__v1__person_erase_reply__descriptor,
                                   &erased));
    assert_string_equal(erased->id, id);
    assert_true(strlen(erased->erased_at) > 0);
    /* erasing again is the same erasure */
    Verbund__Membership__V1__PersonEraseReply *again = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonErase", &erase, &s_admin, true,
                                   &verbund__membership__v1__person_erase_reply__descriptor,
                                   &again));
    assert_string_equal(again->erased_at, erased->erased_at);

    /* personal data gone everywhere */
    person_t *read = s_get_person(id, &s_staff, VB_STATUS_OK);
    assert_true(read->erased);
    assert_string_equal(read->name, "");
    assert_string_equal(read->email, "");
    assert_string_equal(read->organization_id, "");
    assert_string_equal(read->region, "");
    assert_int_equal(read->n_interests, 0);
    assert_int_equal(read->n_skills, 0);
    assert_false(read->consents && read->consents->visible_in_network);
    assert_status(VB_STATUS_UNAUTHENTICATED,
                  vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false, NULL, NULL));
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonExport", &export_request, &s_admin, false,
                                   &verbund__membership__v1__person_export__descriptor, &exported));
    assert_true(exported->person->erased);
    assert_string_equal(exported->person->name, "");
    assert_null(exported->organization);
    assert_null(exported->expert_profile);
    assert_int_equal(exported->n_memberships, 1);
    assert_int_equal(exported->n_audit, 1);
    assert_string_equal(exported->audit[0]->action, "person.erased");
    assert_string_equal(exported->audit[0]->subject_id, id);
    assert_string_equal(exported->audit[0]->actor_id, "test-admin");
    assert_string_equal(exported->audit[0]->actor_role, "admin");
    assert_string_equal(exported->audit[0]->reason, "Art. 17 GDPR request by mail");
    assert_true(strlen(exported->audit[0]->at) > 0);
    /* not found by its old email; the address can be used again */
    Verbund__Membership__V1__PersonListRequest list =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    list.text = email;
    Verbund__Membership__V1__PersonListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 0);
    person->organization_id = (char *)"";
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.PersonCreate", &create, &s_admin, true, NULL, NULL));
    /* an erased person gets no expert profile and no updates */
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("membership.ExpertProfilePut", &put,
                                                            &s_staff, true, NULL, NULL));
    person_t changes = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    char *mask[] = {(char *)"region"};
    assert_status(VB_STATUS_NOT_FOUND,
                  s_update(id, read->version, &changes, mask, 1, &s_staff, NULL));
}

/* ---- memberships ---- */

static Verbund__Membership__V1__Membership *
s_transition(const char *id, Verbund__Membership__V1__MembershipAction action,
             int64_t expected_version, const caller_t *caller, vb_status_t expected)
{
    Verbund__Membership__V1__MembershipTransitionRequest request =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TRANSITION_REQUEST__INIT;
    request.id = (char *)id;
    request.action = action;
    request.expected_version = expected_version;
    request.reason = (char *)"test";
    Verbund__Membership__V1__MembershipReply *reply = NULL;
    assert_status(expected,
                  vb_test_rpc_call("membership.MembershipTransition", &request, caller, true,
                                   &verbund__membership__v1__membership_reply__descriptor, &reply));
    return reply ? reply->membership : NULL;
}

static void
test_lifecycle_and_illegal_transitions(void **state)
{
    (void)state;
    Verbund__Membership__V1__Organization *organization =
        s_create_organization("Weiterbildungsverbund OWL");
    Verbund__Membership__V1__Membership membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership.holder_organization_id = organization->id;
    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_PARTNER;
    Verbund__Membership__V1__MembershipCreateRequest request =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_CREATE_REQUEST__INIT;
    request.membership = &membership;
    Verbund__Membership__V1__MembershipReply *created = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.MembershipCreate", &request, &s_staff, true,
                                   &verbund__membership__v1__membership_reply__descriptor,
                                   &created));
    const char *id = created->membership->id;
    assert_int_equal(created->membership->status,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_APPLIED);
    assert_string_equal(created->membership->started_on, "");

    /* applied: resume, suspend and lapse are refused */
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME, 0,
                 &s_staff, VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(vb_test_rpc_last()->message, "applied -> active"));
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_SUSPEND, 0,
                 &s_staff, VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(vb_test_rpc_last()->message, "applied -> suspended"));
    Verbund__Membership__V1__Membership *m =
        s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE, 1,
                     &s_staff, VB_STATUS_OK);
    assert_int_equal(m->status,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_ACTIVE);
    assert_int_equal(strlen(m->started_on), 10);
    assert_int_equal(m->version, 2);
    /* approving twice */
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE, 0,
                 &s_staff, VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(vb_test_rpc_last()->message, "active -> active"));
    /* a stale expected version */
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_SUSPEND, 1,
                 &s_staff, VB_STATUS_CONFLICT);
    m = s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_SUSPEND, 2,
                     &s_staff, VB_STATUS_OK);
    assert_int_equal(m->status,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_SUSPENDED);
    m = s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME, 0,
                     &s_staff, VB_STATUS_OK);
    m = s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_TERMINATE, 0,
                     &s_admin, VB_STATUS_OK);
    assert_int_equal(m->status,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_TERMINATED);
    assert_int_equal(strlen(m->ends_on), 10);
    /* terminated is final */
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME, 0,
                 &s_staff, VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(vb_test_rpc_last()->message, "terminated -> active"));
    s_transition(id, VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_LAPSE, 0,
                 &s_staff, VB_STATUS_UNPROCESSABLE);
    s_transition(id, (Verbund__Membership__V1__MembershipAction)42, 0, &s_staff,
                 VB_STATUS_BAD_REQUEST);

    /* list by holder and status */
    Verbund__Membership__V1__MembershipListRequest list =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_LIST_REQUEST__INIT;
    list.holder_id = organization->id;
    list.status = (char *)"terminated";
    Verbund__Membership__V1__MembershipListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.MembershipList", &list, &s_staff, false,
                                   &verbund__membership__v1__membership_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 1);
    list.status = (char *)"active";
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.MembershipList", &list, &s_staff, false,
                                   &verbund__membership__v1__membership_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 0);
    list.status = (char *)"dormant";
    assert_status(VB_STATUS_BAD_REQUEST, vb_test_rpc_call("membership.MembershipList", &list,
                                                          &s_staff, false, NULL, NULL));
}

static void
test_minimum_contribution(void **state)
{
    (void)state;
    person_t *person = s_create_person("Fördermitglied Frieda");
    Verbund__Common__V1__Money fee = VERBUND__COMMON__V1__MONEY__INIT;
    fee.cents = 5999;
    fee.currency = (char *)"EUR";
    Verbund__Membership__V1__Membership membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership.holder_person_id = person->id;
    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_SUPPORTING;
    membership.yearly_contribution = &fee;
    Verbund__Membership__V1__MembershipCreateRequest request =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_CREATE_REQUEST__INIT;
    request.membership = &membership;
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("membership.MembershipCreate", &request,
                                                            &s_staff, true, NULL, NULL));
    assert_field_error("membership.yearly_contribution.cents");
    membership.yearly_contribution = NULL;
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("membership.MembershipCreate", &request,
                                                            &s_staff, true, NULL, NULL));
    assert_field_error("membership.yearly_contribution");
    membership.yearly_contribution = &fee;
    fee.cents = 6000;
    Verbund__Membership__V1__MembershipReply *created = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.MembershipCreate", &request, &s_staff, true,
                                   &verbund__membership__v1__membership_reply__descriptor,
                                   &created));
    assert_int_equal(created->membership->yearly_contribution->cents, 6000);
    assert_string_equal(created->membership->yearly_contribution->currency, "EUR");
    /* a holder that does not exist */
    char missing[VB_UUID_STRING_SIZE];
    vb_uuid7(missing);
    membership.holder_person_id = missing;
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("membership.MembershipCreate", &request,
                                                            &s_staff, true, NULL, NULL));
    assert_field_error("membership.holder_person_id");
}

/* ---- taxonomy and competences ---- */

static void
test_taxonomy_and_unknown_codes(void **state)
{
    (void)state;
    Verbund__Membership__V1__TaxonomyGetRequest request =
        VERBUND__MEMBERSHIP__V1__TAXONOMY_GET_REQUEST__INIT;
    Verbund__Membership__V1__TaxonomyReply *taxonomy = NULL;
    caller_t member = s_member("00000000-0000-7000-8000-000000000000");
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.TaxonomyGet", &request, &member, false,
                                   &verbund__membership__v1__taxonomy_reply__descriptor,
                                   &taxonomy));
    int digcomp = 0, future = 0;
    bool collaboration = false;
    for (size_t i = 0; i < taxonomy->n_items; i++) {
        const Verbund__Membership__V1__Competence *c = taxonomy->items[i];
        assert_true(strlen(c->label_de) > 0 && strlen(c->label_en) > 0);
        if (strcmp(c->area, "digcomp") == 0)
            digcomp++;
        if (strcmp(c->area, "future_skills") == 0)
            future++;
        if (strcmp(c->code, "fs.collaboration") == 0)
            collaboration = true;
        if (strcmp(c->code, "dc.5.4") == 0)
            assert_string_equal(c->label_en, "Identifying digital competence gaps");
    }
    assert_int_equal(digcomp, 21);
    assert_true(future >= 10);
    assert_true(collaboration);

    /* s_new_person reuses one message: create the expert first */
    person_t *expert = s_create_person("Expertin Eva");
    char email[64];
    person_t *person = s_new_person("Unknown Skill", email, sizeof email);
    Verbund__Membership__V1__Skill good = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Skill bad = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Skill *skills[] = {&good, &bad};
    good.code = (char *)"fs.self_efficacy";
    good.level = 3;
    bad.code = (char *)"fs.telekinesis";
    bad.level = 2;
    person->skills = skills;
    person->n_skills = 2;
    Verbund__Membership__V1__PersonCreateRequest create =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    create.person = person;
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call("membership.PersonCreate", &create, &s_admin, true, NULL, NULL));
    assert_field_error("person.skills[1].code");

    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    profile.competences = skills;
    profile.n_competences = 2;
    profile.hours_per_month = 800;
    Verbund__Membership__V1__ExpertProfilePutRequest put =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_PUT_REQUEST__INIT;
    put.person_id = expert->id;
    put.profile = &profile;
    assert_status(VB_STATUS_UNPROCESSABLE, vb_test_rpc_call("membership.ExpertProfilePut", &put,
                                                            &s_staff, true, NULL, NULL));
    assert_field_error("profile.competences[1].code");
    assert_field_error("profile.hours_per_month");
    /* with known codes the skill filter finds the person */
    person->skills = skills;
    person->n_skills = 1;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.PersonCreate", &create, &s_admin, true, NULL, NULL));
    Verbund__Membership__V1__PersonListRequest list =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    list.text = email;
    list.skill = (char *)"fs.self_efficacy";
    Verbund__Membership__V1__PersonListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 1);
    list.skill = (char *)"fs.agility";
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    assert_int_equal(found->n_items, 0);
}

/* ---- authorisation ---- */

static void
test_member_acts_only_on_itself(void **state)
{
    (void)state;
    person_t *mine = s_create_person("Member Mia");
    char *mine_id = strdup(mine->id);
    person_t *other = s_create_person("Other Otto");
    char *other_id = strdup(other->id);
    caller_t member = s_member(mine_id);

    assert_non_null(s_get_person(mine_id, &member, VB_STATUS_OK));
    s_get_person(other_id, &member, VB_STATUS_FORBIDDEN);

    person_t changes = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    changes.region = (char *)"Berlin";
    char *mask[] = {(char *)"region"};
    assert_status(VB_STATUS_FORBIDDEN, s_update(other_id, 1, &changes, mask, 1, &member, NULL));
    person_t *updated = NULL;
    assert_status(VB_STATUS_OK, s_update(mine_id, 1, &changes, mask, 1, &member, &updated));
    assert_string_equal(updated->region, "Berlin");

    Verbund__Membership__V1__PersonEraseRequest erase =
        VERBUND__MEMBERSHIP__V1__PERSON_ERASE_REQUEST__INIT;
    erase.id = other_id;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.PersonErase", &erase, &member, true, NULL, NULL));
    Verbund__Membership__V1__PersonExportRequest export_request =
        VERBUND__MEMBERSHIP__V1__PERSON_EXPORT_REQUEST__INIT;
    export_request.id = other_id;
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("membership.PersonExport", &export_request,
                                                        &member, false, NULL, NULL));

    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    Verbund__Membership__V1__ExpertProfilePutRequest put =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_PUT_REQUEST__INIT;
    put.person_id = other_id;
    put.profile = &profile;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.ExpertProfilePut", &put, &member, true, NULL, NULL));
    put.person_id = mine_id;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.ExpertProfilePut", &put, &member, true, NULL, NULL));

    /* applying for itself is allowed, for somebody else not */
    Verbund__Membership__V1__Membership membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership.holder_person_id = other_id;
    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_COMMUNITY;
    Verbund__Membership__V1__MembershipCreateRequest apply =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_CREATE_REQUEST__INIT;
    apply.membership = &membership;
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("membership.MembershipCreate", &apply,
                                                        &member, true, NULL, NULL));
    Verbund__Membership__V1__MembershipReply *other_membership = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.MembershipCreate", &apply, &s_staff, true,
                                   &verbund__membership__v1__membership_reply__descriptor,
                                   &other_membership));
    membership.holder_person_id = mine_id;
    Verbund__Membership__V1__MembershipReply *own = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.MembershipCreate", &apply, &member, true,
                                   &verbund__membership__v1__membership_reply__descriptor, &own));
    /* a member cannot approve itself, and reads only its own memberships */
    s_transition(own->membership->id,
                 VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE, 0, &member,
                 VB_STATUS_FORBIDDEN);
    Verbund__Membership__V1__MembershipGetRequest get =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_GET_REQUEST__INIT;
    get.id = other_membership->membership->id;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.MembershipGet", &get, &member, false, NULL, NULL));
    get.id = own->membership->id;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.MembershipGet", &get, &member, false, NULL, NULL));
    Verbund__Membership__V1__MembershipListRequest list =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_LIST_REQUEST__INIT;
    Verbund__Membership__V1__MembershipListReply *listed = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.MembershipList", &list, &member, false,
                                   &verbund__membership__v1__membership_list_reply__descriptor,
                                   &listed));
    assert_int_equal(listed->n_items, 1);
    assert_string_equal(listed->items[0]->holder_person_id, mine_id);
    list.holder_id = other_id;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.MembershipList", &list, &member, false, NULL, NULL));

    /* staff-only and admin-only calls */
    Verbund__Membership__V1__PersonListRequest persons =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.PersonList", &persons, &member, false, NULL, NULL));
    Verbund__Membership__V1__TokenCreateRequest token =
        VERBUND__MEMBERSHIP__V1__TOKEN_CREATE_REQUEST__INIT;
    token.role = VERBUND__RPC__V1__ROLE__ROLE_ADMIN;
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.TokenCreate", &token, &member, true, NULL, NULL));
    assert_status(VB_STATUS_FORBIDDEN,
                  vb_test_rpc_call("membership.TokenCreate", &token, &s_staff, true, NULL, NULL));
    /* the member ends its own membership */
    s_transition(own->membership->id,
                 VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_TERMINATE, 0,
                 &member, VB_STATUS_OK);
    free(mine_id);
    free(other_id);
}

/* ---- hostile strings ---- */

static void
test_hostile_strings_stored_verbatim(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Robert'); DROP TABLE persons;--",       "x' OR '1'='1",
        "$1::uuid; SELECT pg_sleep(10)",         "ctrl \x01\x02\x1b[31m\x7f tab\there",
        "100% _under_ \\backslash\\ \"quotes\"",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char email[64];
        person_t *person = s_new_person(names[i], email, sizeof email);
        char *interests[] = {(char *)names[i], (char *)"{\"json\": [1,2]}", (char *)"a,b}{\""};
        person->interests = interests;
        person->n_interests = 3;
        person->region = (char *)names[i];
        Verbund__Membership__V1__PersonCreateRequest create =
            VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
        create.person = person;
        Verbund__Membership__V1__PersonReply *created = NULL;
        assert_status(VB_STATUS_CREATED,
                      vb_test_rpc_call("membership.PersonCreate", &create, &s_admin, true,
                                       &verbund__membership__v1__person_reply__descriptor,
                                       &created));
        person_t *read = s_get_person(created->person->id, &s_staff, VB_STATUS_OK);
        assert_string_equal(read->name, names[i]);
        assert_string_equal(read->region, names[i]);
        assert_int_equal(read->n_interests, 3);
        assert_string_equal(read->interests[0], names[i]);
        assert_string_equal(read->interests[1], "{\"json\": [1,2]}");
        assert_string_equal(read->interests[2], "a,b}{\"");
    }
    /* LIKE wildcards in a text filter are plain characters */
    Verbund__Membership__V1__PersonListRequest list =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
    list.text = (char *)"100% _under_";
    Verbund__Membership__V1__PersonListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    assert_true(found->n_items >= 1);
    for (size_t i = 0; i < found->n_items; i++)
        assert_non_null(strstr(found->items[i]->name, "100% _under_"));
    list.text = (char *)"%";
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.PersonList", &list, &s_staff, false,
                                   &verbund__membership__v1__person_list_reply__descriptor,
                                   &found));
    for (size_t i = 0; i < found->n_items; i++)
        assert_true(strchr(found->items[i]->name, '%') || strchr(found->items[i]->email, '%'));
    /* the table survived */
    assert_non_null(s_create_person("Still Here"));
}

/* ---- tokens, organisations, health ---- */

static void
test_tokens_and_health(void **state)
{
    (void)state;
    const char *admin_token = vb_test_env("VB_TEST_ADMIN_TOKEN");
    assert_non_null(admin_token);
    Verbund__Membership__V1__TokenVerifyRequest verify =
        VERBUND__MEMBERSHIP__V1__TOKEN_VERIFY_REQUEST__INIT;
    verify.token = (char *)admin_token;
    Verbund__Membership__V1__TokenVerifyReply *verified = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false,
                                   &verbund__membership__v1__token_verify_reply__descriptor,
                                   &verified));
    assert_int_equal(verified->caller->role, VERBUND__RPC__V1__ROLE__ROLE_ADMIN);
    verify.token = (char *)"0000000000000000000000000000000000000000000000000000000000000000";
    assert_status(VB_STATUS_UNAUTHENTICATED,
                  vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false, NULL, NULL));
    verify.token = (char *)"";
    assert_status(VB_STATUS_UNAUTHENTICATED,
                  vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false, NULL, NULL));

    /* a member token names its person; a short-lived one expires */
    person_t *person = s_create_person("Token Tom");
    Verbund__Membership__V1__TokenCreateRequest create =
        VERBUND__MEMBERSHIP__V1__TOKEN_CREATE_REQUEST__INIT;
    create.role = VERBUND__RPC__V1__ROLE__ROLE_MEMBER;
    create.person_id = person->id;
    create.ttl_seconds = 1;
    Verbund__Membership__V1__TokenCreateReply *token = NULL;
    assert_status(VB_STATUS_CREATED,
                  vb_test_rpc_call("membership.TokenCreate", &create, &s_admin, true,
                                   &verbund__membership__v1__token_create_reply__descriptor,
                                   &token));
    assert_int_equal(strlen(token->token), 64);
    verify.token = token->token;
    vb_status_t status =
        vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false,
                         &verbund__membership__v1__token_verify_reply__descriptor, &verified);
    if (status == VB_STATUS_OK) {
        assert_int_equal(verified->caller->role, VERBUND__RPC__V1__ROLE__ROLE_MEMBER);
        assert_string_equal(verified->caller->person_id, person->id);
        assert_string_equal(verified->caller->id, person->id);
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        status = vb_test_rpc_call("membership.TokenVerify", &verify, NULL, false, NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (status == VB_STATUS_OK && now.tv_sec - start.tv_sec < 10);
    assert_int_equal(status, VB_STATUS_UNAUTHENTICATED);
    /* a member token needs a person */
    create.person_id = (char *)"";
    assert_status(VB_STATUS_UNPROCESSABLE,
                  vb_test_rpc_call("membership.TokenCreate", &create, &s_admin, true, NULL, NULL));
    assert_field_error("person_id");

    /* organisations: create, get, list with filters */
    Verbund__Membership__V1__Organization *organization = s_create_organization("Digital Campus");
    Verbund__Membership__V1__OrganizationListRequest list =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_LIST_REQUEST__INIT;
    list.text = (char *)"digital camp";
    list.kind = (char *)"education_provider";
    list.region = (char *)"ruhr";
    Verbund__Membership__V1__OrganizationListReply *found = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.OrganizationList", &list, &s_staff, false,
                                   &verbund__membership__v1__organization_list_reply__descriptor,
                                   &found));
    bool seen = false;
    for (size_t i = 0; i < found->n_items; i++)
        seen = seen || strcmp(found->items[i]->id, organization->id) == 0;
    assert_true(seen);
    list.kind = (char *)"school";
    assert_status(VB_STATUS_BAD_REQUEST, vb_test_rpc_call("membership.OrganizationList", &list,
                                                          &s_staff, false, NULL, NULL));
    Verbund__Membership__V1__OrganizationGetRequest get =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_GET_REQUEST__INIT;
    get.id = organization->id;
    Verbund__Membership__V1__OrganizationReply *read = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.OrganizationGet", &get, &s_staff, false,
                                   &verbund__membership__v1__organization_reply__descriptor,
                                   &read));
    assert_string_equal(read->organization->vat_id, "DE123456789");

    Verbund__Membership__V1__HealthRequest health = VERBUND__MEMBERSHIP__V1__HEALTH_REQUEST__INIT;
    Verbund__Membership__V1__HealthReply *healthy = NULL;
    assert_status(VB_STATUS_OK,
                  vb_test_rpc_call("membership.Health", &health, NULL, false,
                                   &verbund__membership__v1__health_reply__descriptor, &healthy));
    assert_true(healthy->database_ok);
    assert_true(healthy->cache_ok);
}

/* ExpertProfileList pages every profile in person id order, for staff and services (the
 * matchmaking read model loads from it); members may not list them. */
static void
test_expert_profile_list_paging(void **state)
{
    (void)state;
    const char *ids[3];
    for (int i = 0; i < 3; i++) {
        ids[i] = s_create_person("Profil Liste")->id;
        Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
        Verbund__Membership__V1__Skill *skills[] = {&skill};
        skill.code = (char *)"dc.1.1";
        skill.level = 1 + i;
        Verbund__Membership__V1__ExpertProfile profile =
            VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
        profile.competences = skills;
        profile.n_competences = 1;
        Verbund__Membership__V1__ExpertProfilePutRequest put =
            VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_PUT_REQUEST__INIT;
        put.person_id = (char *)ids[i];
        put.profile = &profile;
        assert_status(VB_STATUS_OK, vb_test_rpc_call("membership.ExpertProfilePut", &put, &s_staff,
                                                     true, NULL, NULL));
    }
    /* walk every page of one profile; the three new ones come in id order */
    Verbund__Membership__V1__ExpertProfileListRequest request =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_LIST_REQUEST__INIT;
    request.limit = 1;
    int seen = 0;
    char cursor[64] = "";
    for (int pages = 0; pages < 10000; pages++) {
        request.cursor = cursor;
        Verbund__Membership__V1__ExpertProfileListReply *reply = NULL;
        assert_status(VB_STATUS_OK,
                      vb_test_rpc_call(
                          "membership.ExpertProfileList", &request, &s_staff, false,
                          &verbund__membership__v1__expert_profile_list_reply__descriptor, &reply));
        assert_true(reply->n_items <= 1);
        if (reply->n_items == 1 && seen < 3 && strcmp(reply->items[0]->person_id, ids[seen]) == 0) {
            assert_int_equal(reply->items[0]->competences[0]->level, 1 + seen);
            seen++;
        }
        if (!reply->next_cursor[0])
            break;
        snprintf(cursor, sizeof cursor, "%s", reply->next_cursor);
    }
    assert_int_equal(seen, 3);
    /* a member may not list every profile; a bad cursor or limit is refused */
    caller_t member = s_member(ids[0]);
    request.cursor = (char *)"";
    assert_status(VB_STATUS_FORBIDDEN, vb_test_rpc_call("membership.ExpertProfileList", &request,
                                                        &member, false, NULL, NULL));
    request.cursor = (char *)"not-a-cursor";
    assert_status(VB_STATUS_BAD_REQUEST, vb_test_rpc_call("membership.ExpertProfileList", &request,
                                                          &s_staff, false, NULL, NULL));
    request.cursor = (char *)"";
    request.limit = 201;
    assert_status(VB_STATUS_BAD_REQUEST, vb_test_rpc_call("membership.ExpertProfileList", &request,
                                                          &s_staff, false, NULL, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_usage_example, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_update_and_stale_version, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_email_unique_case_insensitive, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_list_filters_and_paging, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_idempotent_repeat_and_key_reuse, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_erasure_and_export, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_lifecycle_and_illegal_transitions, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_minimum_contribution, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_taxonomy_and_unknown_codes, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_member_acts_only_on_itself, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_hostile_strings_stored_verbatim, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_tokens_and_health, vb_test_rpc_free_kept),
        cmocka_unit_test_teardown(test_expert_profile_list_paging, vb_test_rpc_free_kept),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
