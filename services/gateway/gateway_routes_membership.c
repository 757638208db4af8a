/* gateway_routes_membership.c - the routes of the membership service (persons, organisations,
 * memberships, taxonomy, tokens) and of the event stream, as the gateway's route table rows
 * (columns in gateway_routes.h). */
#include "gateway_routes.h"

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/assert.h"

#define ROLE_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER

#define M(name) &verbund__membership__v1__##name##__descriptor
#define S(name) &verbund__stream__v1__##name##__descriptor

/* Every route; api/openapi.yaml describes each one (test_gateway_routes.c checks). Columns:
 * method, pattern, rpc method, request, reply, body field, {param, field}, fixed fields,
 * minimum role, reply field, success status, Location prefix, flags. */
// clang-format off
static const gateway_route_t s_routes[] = {
    /* Minimum roles match the service's own checks (membership_handlers.c), which also limit
     * a member to its own person and memberships. */
    /* persons: staff create and list, members read, change, export and erase themselves */
    {"POST", "/v1/persons", "membership.PersonCreate", M(person_create_request), M(person_reply),
     "person", {{0}}, NULL, ROLE_STAFF, "person", 201, "/v1/persons/", 0},
    {"GET", "/v1/persons", "membership.PersonList", M(person_list_request), M(person_list_reply),
     NULL, {{0}}, NULL, ROLE_STAFF, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/persons/{id}", "membership.PersonGet", M(person_get_request), M(person_reply),
     NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, "person", 200, NULL, GATEWAY_ROUTE_ETAG},
    {"PATCH", "/v1/persons/{id}", "membership.PersonUpdate", M(person_update_request),
     M(person_reply), "person", {{"id", "id"}}, NULL, ROLE_MEMBER, "person", 200, NULL,
     GATEWAY_ROUTE_UPDATE_MASK | GATEWAY_ROUTE_IF_MATCH | GATEWAY_ROUTE_ETAG},
    {"DELETE", "/v1/persons/{id}", "membership.PersonErase", M(person_erase_request),
     M(person_erase_reply), NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/persons/{id}/export", "membership.PersonExport", M(person_export_request),
     M(person_export), NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    {"PUT", "/v1/persons/{id}/expert-profile", "membership.ExpertProfilePut",
     M(expert_profile_put_request), M(expert_profile_reply), "profile", {{"id", "person_id"}},
     NULL, ROLE_MEMBER, "profile", 200, NULL, 0},
    /* organisations: staff */
    {"POST", "/v1/organizations", "membership.OrganizationCreate",
     M(organization_create_request), M(organization_reply), "organization", {{0}}, NULL,
     ROLE_STAFF, "organization", 201, "/v1/organizations/", 0},
    {"GET", "/v1/organizations", "membership.OrganizationList", M(organization_list_request),
     M(organization_list_reply), NULL, {{0}}, NULL, ROLE_STAFF, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/organizations/{id}", "membership.OrganizationGet", M(organization_get_request),
     M(organization_reply), NULL, {{"id", "id"}}, NULL, ROLE_STAFF, "organization", 200, NULL,
     0},
    /* memberships: members apply for and end their own; staff decide */
    {"POST", "/v1/memberships", "membership.MembershipCreate", M(membership_create_request),
     M(membership_reply), "membership", {{0}}, NULL, ROLE_MEMBER, "membership", 201,
     "/v1/memberships/", 0},
    {"GET", "/v1/memberships", "membership.MembershipList", M(membership_list_request),
     M(membership_list_reply), NULL, {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/memberships/{id}", "membership.MembershipGet", M(membership_get_request),
     M(membership_reply), NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, "membership", 200, NULL, 0},
    {"POST", "/v1/memberships/{id}/approve", "membership.MembershipTransition",
     M(membership_transition_request), M(membership_reply), "", {{"id", "id"}},
     "{\"action\": \"approve\"}", ROLE_STAFF, "membership", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/memberships/{id}/suspend", "membership.MembershipTransition",
     M(membership_transition_request), M(membership_reply), "", {{"id", "id"}},
     "{\"action\": \"suspend\"}", ROLE_STAFF, "membership", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/memberships/{id}/resume", "membership.MembershipTransition",
     M(membership_transition_request), M(membership_reply), "", {{"id", "id"}},
     "{\"action\": \"resume\"}", ROLE_STAFF, "membership", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/memberships/{id}/terminate", "membership.MembershipTransition",
     M(membership_transition_request), M(membership_reply), "", {{"id", "id"}},
     "{\"action\": \"terminate\"}", ROLE_MEMBER, "membership", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    /* reference data and tokens */
    {"GET", "/v1/taxonomy", "membership.TaxonomyGet", M(taxonomy_get_request), M(taxonomy_reply),
     NULL, {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    {"POST", "/v1/tokens", "membership.TokenCreate", M(token_create_request),
     M(token_create_reply), "", {{0}}, NULL, ROLE_ADMIN, NULL, 201, "/v1/tokens/", 0},
    /* the event stream: any token with topic prefixes (gateway_stream.c decides), answered by
     * gateway_stream_http.c */
    {"GET", "/v1/stream", "stream.Read", S(read_request), S(read_reply), NULL, {{0}}, NULL,
     ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_STREAM},
    {"GET", "/v1/stream/sse", "stream.Read", S(read_request), S(read_reply), NULL, {{0}}, NULL,
     ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_STREAM | GATEWAY_ROUTE_SSE},
};
// clang-format on

const gateway_route_table_t gateway_routes_membership = {s_routes, VB_ARRAY_SIZE(s_routes)};

