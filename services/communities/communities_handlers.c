/* communities_handlers.c - one handler per request message of verbund.communities.v1, in proto
 * order: authorise the envelope's caller against the community (staff, host, member, proposer),
 * validate, call the store, append the change's event to the outbox (same transaction), build
 * the reply in the call arena.
 * Who may see what: staff (admin, staff, service) see everything; others see a community when
 * they proposed it, or it is active/archived and either not private or they belong to it. A
 * community a caller may not see answers NOT_FOUND, so private ones do not reveal themselves.
 * Does not: contain SQL (communities_store.c), check that person ids exist in membership (ids
 * are checked for form only), or log successes (the RPC layer logs outcomes). */
#include "communities.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/clock.h"
#include "vb/handler.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "communities_lifecycle.h"
#include "communities_store.h"
#include "communities_validate.h"

#define S_EVENT_TYPE(what) "verbund.communities." what ".v1"

/* ---- the caller (vb/handler.h has the roles and policies) ---- */

/* Decisions on proposals are people's: admin and staff, not services. */
static bool
s_is_office(const vb_rpc_call_t *call)
{
    Verbund__Rpc__V1__Role role = vb_handler_role(call);
    return role == COMMUNITIES_CALLER_ADMIN || role == COMMUNITIES_CALLER_STAFF;
}

/* Every RPC needs a known role (the gateway's anonymous caller has none), and a member caller
 * a person: membership here is always some person's. */
static vb_status_t
s_authenticated(vb_rpc_call_t *call)
{
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status == VB_STATUS_OK && !vb_handler_is_staff(call) &&
        !vb_uuid_valid(vb_handler_caller_person(call)))
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "the member token names no person");
    return status;
}

/* s_authenticated and the two ids every request about one member of one community carries. */
static vb_status_t
s_member_request(vb_rpc_call_t *call, const char *community_id, const char *person_id)
{
    vb_status_t status = s_authenticated(call);
    if (status == VB_STATUS_OK)
        status = vb_handler_check_id(call, "community_id", community_id);
    if (status == VB_STATUS_OK)
        status = vb_handler_check_id(call, "person_id", person_id);
    return status;
}

/* ---- events (docs/events.md) ---- */

/* The event payload and the reply that carry each record (vb_handler_record_t). */
static const vb_handler_record_t s_community_record = {
    &verbund__communities__v1__community_event__descriptor,
    &verbund__communities__v1__community_reply__descriptor};
static const vb_handler_record_t s_member_record = {
    &verbund__communities__v1__member_event__descriptor,
    &verbund__communities__v1__member_reply__descriptor};
static const vb_handler_record_t s_result_record = {
    &verbund__communities__v1__result_event__descriptor,
    &verbund__communities__v1__result_reply__descriptor};

/* Appends the event type about record to the outbox, in the call's transaction. Member events
 * have the community as subject (a member row has no id of its own); others the record's id. */
static vb_status_t
s_emit(communities_t *self, vb_rpc_call_t *call, const vb_handler_record_t *kind,
       const char *type, const char *subject, void *record)
{
    return vb_handler_emit_record(call, self->outbox, self->db, kind, type, subject, record);
}

/* Emits as s_emit, then replies with record: success, or the failed emit. */
static vb_status_t
s_emit_reply(communities_t *self, vb_rpc_call_t *call, const vb_handler_record_t *kind,
             const char *type, const char *subject, void *record, vb_status_t success)
{
    return vb_handler_emit_reply_record(call, self->outbox, self->db, kind, type, subject,
                                        record, success);
}

/* ---- a community as the caller sees it ---- */

typedef struct {
    communities_community_t *community;
    communities_member_t *membership; /* the caller's member row, or NULL */
    bool staff;                       /* admin, staff or service */
    bool member;                      /* an active member (any role) */
    bool host;                        /* an active host */
    bool manager;                     /* staff, or an active host or moderator */
} s_access_t;

static bool
s_can_see(const s_access_t *access, const char *caller_person)
{
    const communities_community_t *c = access->community;
    if (access->staff || access->membership)
        return true;
    if (c->proposed_by[0] && strcmp(c->proposed_by, caller_person) == 0)
        return true;
    bool public_status =
        c->status == COMMUNITIES_STATUS_ACTIVE || c->status == COMMUNITIES_STATUS_ARCHIVED;
    return public_status && c->visibility != COMMUNITIES_VISIBILITY_PRIVATE;
}

/* Loads community id (locked when for_update) and what the caller is in it. NOT_FOUND (reply
 * set) when it does not exist or the caller may not see it. */
static vb_status_t
s_load(communities_t *self, vb_rpc_call_t *call, const char *id, bool for_update,
       s_access_t *access)
{
    memset(access, 0, sizeof *access);
    vb_status_t status =
        communities_store_community_get(self->db, call->arena, id, for_update, &access->community);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "community %s not found", id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the community");
    const char *person = vb_handler_caller_person(call);
    access->staff = vb_handler_is_staff(call);
    if (vb_uuid_valid(person)) {
        status =
            communities_store_member_get(self->db, call->arena, id, person, &access->membership);
        if (status == VB_STATUS_NOT_FOUND)
            access->membership = NULL;
        else if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "reading the membership");
    }
    const communities_member_t *m = access->membership;
    bool active = m && m->status == COMMUNITIES_MEMBER_ACTIVE;
    access->member = active;
    access->host = active && m->role == COMMUNITIES_ROLE_HOST;
    access->manager =
        access->staff || access->host || (active && m->role == COMMUNITIES_ROLE_MODERATOR);
    if (!s_can_see(access, person))
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "community %s not found", id);
    return VB_STATUS_OK;
}

/* ---- communities ---- */

vb_status_t
communities_handle_community_propose(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__CommunityProposeRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK)
        return status;
    communities_errors_t errors = {.count = 0};
    communities_validate_community(request->community, self->taxonomy, "community", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "community")) !=
        VB_STATUS_OK)
        return status;
    communities_community_t *community = vb_arena_alloc(call->arena, sizeof *community);
    *community = *request->community;
    if (vb_handler_role(call) == COMMUNITIES_CALLER_MEMBER) {
        /* a member proposes for itself; only the office may name somebody else */
        const char *me = vb_handler_caller_person(call);
        if (community->proposed_by[0] && strcmp(community->proposed_by, me) != 0)
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                               "a member may propose a community only for itself");
        community->proposed_by = (char *)me;
    }
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    community->id = vb_arena_strdup(call->arena, id);
    if (community->visibility == COMMUNITIES_VISIBILITY_UNSPECIFIED)
        community->visibility = COMMUNITIES_VISIBILITY_NODE;
    if (community->join_policy == COMMUNITIES_JOIN_UNSPECIFIED)
        community->join_policy = COMMUNITIES_JOIN_OPEN;
    communities_lifecycle_start(community, vb_handler_now(call, NULL));
    communities_community_t *created = NULL;
    status = communities_store_community_insert(self->db, call->arena, community, &created);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "proposing the community");
    return s_emit_reply(self, call, &s_community_record, S_EVENT_TYPE("community.proposed"),
                        created->id, created, VB_STATUS_CREATED);
}

vb_status_t
communities_handle_community_get(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__CommunityGetRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "id", request->id)) != VB_STATUS_OK)
        return status;
    s_access_t access;
    if ((status = s_load(self, call, request->id, false, &access)) != VB_STATUS_OK)
        return status;
    Verbund__Communities__V1__CommunityReply *reply =
        vb_handler_reply(call, &verbund__communities__v1__community_reply__descriptor);
    reply->community = access.community;
    return VB_STATUS_OK;
}

vb_status_t
communities_handle_community_list(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__CommunityListRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK)
        return status;
    communities_kind_t kind;
    communities_status_t state;
    if (request->kind[0] && communities_kind_parse(request->kind, &kind) != 0) {
        vb_rpc_field_error(call, "kind", "is not a community kind");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown community kind");
    }
    if (request->status[0] && communities_status_parse(request->status, &state) != 0) {
        vb_rpc_field_error(call, "status", "is not a community status");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown community status");
    }
    if (request->topic[0] && !vb_taxonomy_contains(self->taxonomy, request->topic)) {
        vb_rpc_field_error(call, "topic", "is not in the competence taxonomy");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown competence code");
    }
    communities_community_filter_t filter = {
        .kind = request->kind,
        .status = request->status,
        .topic = request->topic,
        .see_all = vb_handler_is_staff(call),
        .viewer_person_id = vb_handler_caller_person(call),
    };
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    communities_community_t **items = NULL;
    size_t count = 0;
    status = communities_store_community_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing communities");
    vb_handler_list_reply(call, &verbund__communities__v1__community_list_reply__descriptor, items,
                          count, filter.limit, "id");
    return VB_STATUS_OK;
}

vb_status_t
communities_handle_community_transition(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__CommunityTransitionRequest *request =
        (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "id", request->id)) != VB_STATUS_OK ||
        (status = vb_handler_check_reason(call, request->reason)) != VB_STATUS_OK)
        return status;
    s_access_t access;
    if ((status = s_load(self, call, request->id, true, &access)) != VB_STATUS_OK)
        return status;
    communities_community_t *community = access.community;
    if (request->expected_version != 0 && request->expected_version != community->version)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "version %lld is stale; current is %lld",
                           (long long)request->expected_version, (long long)community->version);
    unsigned who = (s_is_office(call) ? COMMUNITIES_WHO_STAFF : 0u) |
                   (access.host ? COMMUNITIES_WHO_HOST : 0u);
    int64_t version = community->version;
    const communities_transition_t *row = NULL;
    bool reason_missing = false;
    char err[256];
    status = communities_lifecycle_apply(
        community, request->action, who, vb_arena_strdup(call->arena, request->reason),
        vb_handler_now(call, NULL), &row, &reason_missing, err, sizeof err);
    if (status != VB_STATUS_OK) {
        if (status == VB_STATUS_BAD_REQUEST)
            vb_rpc_field_error(call, "action", "is not a community action");
        if (reason_missing)
            vb_rpc_field_error(call, "reason", "is required");
        return vb_rpc_fail(call, status, "%s", err);
    }
    communities_community_t *saved = NULL;
    status =
        communities_store_community_save_status(self->db, call->arena, community, version, &saved);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the community changed meanwhile");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "saving the community");
    communities_member_t *host = NULL;
    if (request->action == COMMUNITIES_ACTION_APPROVE && saved->proposed_by[0]) {
        /* the proposer becomes the first host; a proposed community has no members yet */
        communities_member_t *member =
            vb_arena_message(call->arena, &verbund__communities__v1__member__descriptor);
        member->community_id = saved->id;
        member->person_id = saved->proposed_by;
        member->role = COMMUNITIES_ROLE_HOST;
        member->status = COMMUNITIES_MEMBER_ACTIVE;
        status = communities_store_member_insert(self->db, call->arena, member, &host);
        if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "adding the host");
        saved->member_count += 1; /* read before the insert */
    }
    if ((status = s_emit(self, call, &s_community_record, row->event, saved->id, saved)) !=
        VB_STATUS_OK)
        return status;
    if (host && (status = s_emit(self, call, &s_member_record, S_EVENT_TYPE("member.joined"),
                                 host->community_id, host)) != VB_STATUS_OK)
        return status;
    Verbund__Communities__V1__CommunityReply *reply =
        vb_handler_reply(call, &verbund__communities__v1__community_reply__descriptor);
    reply->community = saved;
    return VB_STATUS_OK;
}

/* ---- members ---- */

/* The person a member request is about: person_id, or the calling member's own person. */
static vb_status_t
s_target_person(vb_rpc_call_t *call, const char *person_id, const char **out)
{
    *out = person_id && person_id[0] ? person_id : vb_handler_caller_person(call);
    if (!(*out)[0]) {
        vb_rpc_field_error(call, "person_id", "is required when the caller is not a member");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "person_id is required");
    }
    return vb_handler_check_id(call, "person_id", *out);
}

/* The member row of person in the loaded community; NOT_FOUND (reply set) when there is none. */
static vb_status_t
s_member(communities_t *self, vb_rpc_call_t *call, const char *community_id, const char *person,
         communities_member_t **out)
{
    vb_status_t status =
        communities_store_member_get(self->db, call->arena, community_id, person, out);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "person %s is not a member of community %s", person,
                           community_id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the member");
    return VB_STATUS_OK;
}

vb_status_t
communities_handle_member_join(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__MemberJoinRequest *request = (const void *)call->request;
    const char *person = NULL;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "community_id", request->community_id)) !=
            VB_STATUS_OK ||
        (status = s_target_person(call, request->person_id, &person)) != VB_STATUS_OK)
        return status;
    communities_member_role_t role =
        request->role == COMMUNITIES_ROLE_UNSPECIFIED ? COMMUNITIES_ROLE_MEMBER : request->role;
    if (!communities_member_role_name(role)) {
        vb_rpc_field_error(call, "role", "must be host, moderator, member or advisor");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "unknown member role");
    }
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, true, &access)) != VB_STATUS_OK)
        return status;
    bool for_self = strcmp(person, vb_handler_caller_person(call)) == 0;
    bool adds_others = access.staff || access.host;
    if (!for_self && !adds_others)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "a member may join only itself; hosts and staff add others");
    if (role != COMMUNITIES_ROLE_MEMBER && !adds_others)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "only a host or staff may give the role %s",
                           communities_member_role_name(role));
    communities_member_t *existing = NULL;
    status = communities_store_member_get(self->db, call->arena, request->community_id, person,
                                          &existing);
    if (status == VB_STATUS_OK)
        return vb_rpc_fail(
            call, VB_STATUS_CONFLICT, "person %s is already %s of this community", person,
            existing->status == COMMUNITIES_MEMBER_PENDING ? "waiting to join" : "a member");
    if (status != VB_STATUS_NOT_FOUND)
        return vb_handler_store_failed(call, self->db, status, "reading the member");
    int64_t active = 0;
    if ((status = communities_store_member_count_active(self->db, request->community_id,
                                                        &active)) != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "counting members");
    communities_join_input_t input = {
        .community_status = access.community->status,
        .policy = access.community->join_policy,
        .capacity = access.community->capacity,
        .active_count = active,
        .added_by_manager = adds_others,
    };
    communities_member_status_t member_status;
    char err[160];
    if ((status = communities_join_decide(&input, &member_status, err, sizeof err)) != VB_STATUS_OK)
        return vb_rpc_fail(call, status, "%s", err);
    communities_member_t *member =
        vb_arena_message(call->arena, &verbund__communities__v1__member__descriptor);
    member->community_id = request->community_id;
    member->person_id = (char *)person;
    member->role = role;
    member->status = member_status;
    communities_member_t *created = NULL;
    status = communities_store_member_insert(self->db, call->arena, member, &created);
    if (status == VB_STATUS_CONFLICT)
        return vb_rpc_fail(call, status, "person %s is already a member of this community", person);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "adding the member");
    const char *type = member_status == COMMUNITIES_MEMBER_ACTIVE
                           ? S_EVENT_TYPE("member.joined")
                           : S_EVENT_TYPE("member.requested");
    return s_emit_reply(self, call, &s_member_record, type, created->community_id, created,
                        VB_STATUS_CREATED);
}

vb_status_t
communities_handle_member_list(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__MemberListRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "community_id", request->community_id)) != VB_STATUS_OK)
        return status;
    communities_member_status_t wanted;
    if (request->status[0] && communities_member_status_parse(request->status, &wanted) != 0) {
        vb_rpc_field_error(call, "status", "must be pending or active");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown member status");
    }
    int limit = 0;
    const char *after = NULL;
    if (vb_handler_limit(call, request->limit, &limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &after) != 0)
        return call->status;
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, false, &access)) != VB_STATUS_OK)
        return status;
    /* pending requests are for those who decide them */
    const char *filter = request->status;
    if (!access.manager) {
        if (request->status[0] && wanted != COMMUNITIES_MEMBER_ACTIVE)
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                               "only hosts, moderators and staff see pending requests");
        filter = "active";
    }
    communities_member_t **items = NULL;
    size_t count = 0;
    status = communities_store_member_list(self->db, call->arena, request->community_id, filter,
                                           after, limit, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing members");
    vb_handler_list_reply(call, &verbund__communities__v1__member_list_reply__descriptor, items,
                          count, limit, "person_id");
    return VB_STATUS_OK;
}

vb_status_t
communities_handle_member_approve(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__MemberApproveRequest *request = (const void *)call->request;
    vb_status_t status = s_member_request(call, request->community_id, request->person_id);
    if (status != VB_STATUS_OK)
        return status;
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, true, &access)) != VB_STATUS_OK)
        return status;
    if (!access.manager)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "only hosts, moderators and staff approve join requests");
    communities_member_t *member = NULL;
    if ((status = s_member(self, call, request->community_id, request->person_id, &member)) !=
        VB_STATUS_OK)
        return status;
    if (member->status != COMMUNITIES_MEMBER_PENDING)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "person %s is already an active member",
                           request->person_id);
    if (access.community->status != COMMUNITIES_STATUS_ACTIVE)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the community is %s; only an active community takes members",
                           communities_status_name(access.community->status));
    int64_t active = 0;
    if ((status = communities_store_member_count_active(self->db, request->community_id,
                                                        &active)) != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "counting members");
    if (!communities_capacity_allows(access.community->capacity, active))
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the community is full (capacity %d)",
                           (int)access.community->capacity);
    int64_t version = member->version;
    member->status = COMMUNITIES_MEMBER_ACTIVE;
    communities_member_t *saved = NULL;
    status = communities_store_member_update(self->db, call->arena, member, version, &saved);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the member changed meanwhile");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "approving the member");
    return s_emit_reply(self, call, &s_member_record, S_EVENT_TYPE("member.joined"),
                        saved->community_id, saved, VB_STATUS_OK);
}

vb_status_t
communities_handle_member_leave(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__MemberLeaveRequest *request = (const void *)call->request;
    vb_status_t status = s_member_request(call, request->community_id, request->person_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_reason(call, request->reason)) != VB_STATUS_OK)
        return status;
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, true, &access)) != VB_STATUS_OK)
        return status;
    bool for_self = strcmp(request->person_id, vb_handler_caller_person(call)) == 0;
    if (!for_self && !access.staff && !access.host)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "a member may leave only itself; hosts and staff remove others");
    communities_member_t *removed = NULL;
    status = communities_store_member_delete(self->db, call->arena, request->community_id,
                                             request->person_id, &removed);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "person %s is not a member of community %s",
                           request->person_id, request->community_id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "removing the member");
    return s_emit_reply(self, call, &s_member_record, S_EVENT_TYPE("member.left"),
                        removed->community_id, removed, VB_STATUS_OK);
}

vb_status_t
communities_handle_member_role_set(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__MemberRoleSetRequest *request = (const void *)call->request;
    vb_status_t status = s_member_request(call, request->community_id, request->person_id);
    if (status != VB_STATUS_OK)
        return status;
    if (!communities_member_role_name(request->role)) {
        vb_rpc_field_error(call, "role", "must be host, moderator, member or advisor");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "role is required");
    }
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, true, &access)) != VB_STATUS_OK)
        return status;
    if (!access.staff && !access.host)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "only hosts and staff change roles");
    communities_member_t *member = NULL;
    if ((status = s_member(self, call, request->community_id, request->person_id, &member)) !=
        VB_STATUS_OK)
        return status;
    if (request->expected_version != 0 && request->expected_version != member->version)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "version %lld is stale; current is %lld",
                           (long long)request->expected_version, (long long)member->version);
    Verbund__Communities__V1__MemberReply *reply =
        vb_handler_reply(call, &verbund__communities__v1__member_reply__descriptor);
    if (member->role == request->role) { /* nothing changes: no new version, no event */
        reply->member = member;
        return VB_STATUS_OK;
    }
    int64_t version = member->version;
    member->role = request->role;
    communities_member_t *saved = NULL;
    status = communities_store_member_update(self->db, call->arena, member, version, &saved);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the member changed meanwhile");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "changing the role");
    if ((status = s_emit(self, call, &s_member_record, S_EVENT_TYPE("member.role_changed"),
                         saved->community_id, saved)) != VB_STATUS_OK)
        return status;
    reply->member = saved;
    return VB_STATUS_OK;
}

/* ---- results ---- */

vb_status_t
communities_handle_result_publish(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__ResultPublishRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "community_id", request->community_id)) != VB_STATUS_OK)
        return status;
    communities_errors_t errors = {.count = 0};
    communities_validate_result(request->result, "result", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "result")) !=
        VB_STATUS_OK)
        return status;
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, false, &access)) != VB_STATUS_OK)
        return status;
    if (!access.staff && !access.member)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "only members of the community and staff publish results");
    if (access.community->status != COMMUNITIES_STATUS_ACTIVE)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the community is %s; results go to active communities",
                           communities_status_name(access.community->status));
    communities_result_t *result = vb_arena_alloc(call->arena, sizeof *result);
    *result = *request->result;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    result->id = vb_arena_strdup(call->arena, id);
    result->community_id = request->community_id;
    /* by default a result is as visible as its community */
    if (result->visibility == COMMUNITIES_VISIBILITY_UNSPECIFIED)
        result->visibility = access.community->visibility;
    const char *me = vb_handler_caller_person(call);
    if (result->n_author_ids == 0 && me[0]) {
        result->author_ids = vb_arena_alloc(call->arena, sizeof(char *));
        result->author_ids[0] = (char *)me;
        result->n_author_ids = 1;
    }
    const communities_caller_t *caller = call->envelope->caller;
    result->published_by = me[0] ? (char *)me : caller && caller->id ? caller->id : (char *)"";
    communities_result_t *created = NULL;
    status = communities_store_result_insert(self->db, call->arena, result, &created);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "publishing the result");
    return s_emit_reply(self, call, &s_result_record, S_EVENT_TYPE("result.published"), created->id,
                        created, VB_STATUS_CREATED);
}

vb_status_t
communities_handle_result_list(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    const Verbund__Communities__V1__ResultListRequest *request = (const void *)call->request;
    vb_status_t status = s_authenticated(call);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "community_id", request->community_id)) != VB_STATUS_OK)
        return status;
    int limit = 0;
    const char *after = NULL;
    if (vb_handler_limit(call, request->limit, &limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &after) != 0)
        return call->status;
    s_access_t access;
    if ((status = s_load(self, call, request->community_id, false, &access)) != VB_STATUS_OK)
        return status;
    communities_result_t **items = NULL;
    size_t count = 0;
    status =
        communities_store_result_list(self->db, call->arena, request->community_id,
                                      access.staff || access.member, after, limit, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing results");
    vb_handler_list_reply(call, &verbund__communities__v1__result_list_reply__descriptor, items,
                          count, limit, "id");
    return VB_STATUS_OK;
}

/* ---- health ---- */

vb_status_t
communities_handle_health(void *context, vb_rpc_call_t *call)
{
    communities_t *self = context;
    Verbund__Communities__V1__HealthReply *reply =
        vb_handler_reply(call, &verbund__communities__v1__health_reply__descriptor);
    /* a health check inside the batch transaction must not disturb it */
    reply->database_ok = vb_db_in_transaction(self->db) || vb_db_ping(self->db) == 0;
    return VB_STATUS_OK;
}

/* ---- dispatch table, in proto order ---- */

#define S_METHOD(name, type, handler, flags)                                                       \
    {                                                                                              \
        "communities." name, &verbund__communities__v1__##type##__descriptor, handler, flags       \
    }

static const vb_rpc_method_t s_methods[] = {
    S_METHOD("CommunityPropose", community_propose_request, communities_handle_community_propose,
             VB_RPC_WRITE),
    S_METHOD("CommunityGet", community_get_request, communities_handle_community_get, 0),
    S_METHOD("CommunityList", community_list_request, communities_handle_community_list, 0),
    S_METHOD("CommunityTransition", community_transition_request,
             communities_handle_community_transition, VB_RPC_WRITE),
    S_METHOD("MemberJoin", member_join_request, communities_handle_member_join, VB_RPC_WRITE),
    S_METHOD("MemberList", member_list_request, communities_handle_member_list, 0),
    S_METHOD("MemberApprove", member_approve_request, communities_handle_member_approve,
             VB_RPC_WRITE),
    S_METHOD("MemberLeave", member_leave_request, communities_handle_member_leave, VB_RPC_WRITE),
    S_METHOD("MemberRoleSet", member_role_set_request, communities_handle_member_role_set,
             VB_RPC_WRITE),
    S_METHOD("ResultPublish", result_publish_request, communities_handle_result_publish,
             VB_RPC_WRITE),
    S_METHOD("ResultList", result_list_request, communities_handle_result_list, 0),
    S_METHOD("Health", health_request, communities_handle_health, 0),
};

const vb_rpc_method_t *
communities_methods(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_methods);
    return s_methods;
}
