/* gateway_routes_communities.c - the routes of the communities service (communities, their
 * members and documented results), as the gateway's route table rows (columns in
 * gateway_routes.h). Does not: decide who may do what beyond a first filter by role; the
 * service checks hosts, members and visibility (communities_handlers.c). */
#include "gateway_routes.h"

#include "verbund/communities/v1/communities.pb-c.h"
#include "vb/assert.h"

#define ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER

#define C(name) &verbund__communities__v1__##name##__descriptor

/* Every route; api/openapi.yaml describes each one (test_gateway_routes.c checks). Columns:
 * method, pattern, rpc method, request, reply, body field, {param, field}, fixed fields,
 * minimum role, reply field, success status, Location prefix, flags. */
// clang-format off
static const gateway_route_t s_routes[] = {
    /* communities: members propose, staff approve or decline, staff or hosts archive */
    {"POST", "/v1/communities", "communities.CommunityPropose", C(community_propose_request),
     C(community_reply), "community", {{0}}, NULL, ROLE_MEMBER, "community", 201,
     "/v1/communities/", 0},
    {"GET", "/v1/communities", "communities.CommunityList", C(community_list_request),
     C(community_list_reply), NULL, {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/communities/{id}", "communities.CommunityGet", C(community_get_request),
     C(community_reply), NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, "community", 200, NULL,
     GATEWAY_ROUTE_ETAG},
    {"POST", "/v1/communities/{id}/approve", "communities.CommunityTransition",
     C(community_transition_request), C(community_reply), "", {{"id", "id"}},
     "{\"action\": \"approve\"}", ROLE_STAFF, "community", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/communities/{id}/decline", "communities.CommunityTransition",
     C(community_transition_request), C(community_reply), "", {{"id", "id"}},
     "{\"action\": \"decline\"}", ROLE_STAFF, "community", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/communities/{id}/archive", "communities.CommunityTransition",
     C(community_transition_request), C(community_reply), "", {{"id", "id"}},
     "{\"action\": \"archive\"}", ROLE_MEMBER, "community", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    /* members: join and leave oneself; hosts and staff add, approve, remove and change roles */
    {"GET", "/v1/communities/{id}/members", "communities.MemberList", C(member_list_request),
     C(member_list_reply), NULL, {{"id", "community_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"POST", "/v1/communities/{id}/members", "communities.MemberJoin", C(member_join_request),
     C(member_reply), "", {{"id", "community_id"}}, NULL, ROLE_MEMBER, "member", 201, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"PATCH", "/v1/communities/{id}/members/{person_id}", "communities.MemberRoleSet",
     C(member_role_set_request), C(member_reply), "",
     {{"id", "community_id"}, {"person_id", "person_id"}}, NULL, ROLE_MEMBER, "member", 200, NULL,
     GATEWAY_ROUTE_IF_MATCH | GATEWAY_ROUTE_ETAG},
    {"DELETE", "/v1/communities/{id}/members/{person_id}", "communities.MemberLeave",
     C(member_leave_request), C(member_reply), NULL,
     {{"id", "community_id"}, {"person_id", "person_id"}}, NULL, ROLE_MEMBER, "member", 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"POST", "/v1/communities/{id}/members/{person_id}/approve", "communities.MemberApprove",
     C(member_approve_request), C(member_reply), NULL,
     {{"id", "community_id"}, {"person_id", "person_id"}}, NULL, ROLE_MEMBER, "member", 200, NULL,
     0},
    /* documented results: members publish, whoever sees the community reads */
    {"POST", "/v1/communities/{id}/results", "communities.ResultPublish",
     C(result_publish_request), C(result_reply), "result", {{"id", "community_id"}}, NULL,
     ROLE_MEMBER, "result", 201, NULL, 0},
    {"GET", "/v1/communities/{id}/results", "communities.ResultList", C(result_list_request),
     C(result_list_reply), NULL, {{"id", "community_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
};
// clang-format on

const gateway_route_table_t gateway_routes_communities = {s_routes, VB_ARRAY_SIZE(s_routes)};
