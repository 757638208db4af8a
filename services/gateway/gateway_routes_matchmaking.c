/* gateway_routes_matchmaking.c - the routes of the matchmaking service (needs, training offers
 * and ratings, and the matching queries), as the gateway's route table rows (columns in
 * gateway_routes.h). Minimum roles are a first filter only: the service also limits members to
 * their own needs, their own person and their own organisation. */
#include "gateway_routes.h"

#include "verbund/matchmaking/v1/matchmaking.pb-c.h"

#define ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER

#define MM(name) &verbund__matchmaking__v1__##name##__descriptor

/* Every route; api/openapi.yaml describes each one (test_gateway_routes.c checks). Columns:
 * method, pattern, rpc method, request, reply, body field, {param, field}, fixed fields,
 * minimum role, reply field, success status, Location prefix, flags. */
// clang-format off
static const gateway_route_t s_routes[] = {
    /* needs: members state their own, staff anyone's (a person's or an organisation's) */
    {"POST", "/v1/needs", "matchmaking.NeedCreate", MM(need_create_request), MM(need_reply),
     "need", {{0}}, NULL, ROLE_MEMBER, "need", 201, "/v1/needs/", 0},
    {"GET", "/v1/needs", "matchmaking.NeedList", MM(need_list_request), MM(need_list_reply), NULL,
     {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/needs/{id}/experts", "matchmaking.ExpertSearch", MM(expert_search_request),
     MM(expert_search_reply), NULL, {{"id", "need_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/needs/{id}", "matchmaking.NeedGet", MM(need_get_request), MM(need_reply), NULL,
     {{"id", "id"}}, NULL, ROLE_MEMBER, "need", 200, NULL, 0},
    /* training offers: staff enter them, everyone reads; members rate as themselves (a repeat
     * replaces the stars, so the route answers 200 either way) */
    {"POST", "/v1/offers", "matchmaking.OfferCreate", MM(offer_create_request), MM(offer_reply),
     "offer", {{0}}, NULL, ROLE_STAFF, "offer", 201, "/v1/offers/", 0},
    {"GET", "/v1/offers", "matchmaking.OfferList", MM(offer_list_request), MM(offer_list_reply),
     NULL, {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
    {"GET", "/v1/offers/{id}", "matchmaking.OfferGet", MM(offer_get_request), MM(offer_reply),
     NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, "offer", 200, NULL, 0},
    {"POST", "/v1/offers/{id}/ratings", "matchmaking.RatingPut", MM(rating_put_request),
     MM(rating_reply), "rating", {{"id", "offer_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    /* queries */
    {"GET", "/v1/persons/{id}/offers", "matchmaking.OfferRecommend",
     MM(offer_recommend_request), MM(offer_recommend_reply), NULL, {{"id", "person_id"}}, NULL,
     ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
    {"POST", "/v1/events/{id}/peer-groups", "matchmaking.PeerGroupPlan",
     MM(peer_group_plan_request), MM(peer_group_plan_reply), "", {{"id", "event_id"}}, NULL,
     ROLE_STAFF, NULL, 200, NULL, 0},
    {"POST", "/v1/events/{id}/table-assignment", "matchmaking.TableAssign",
     MM(table_assign_request), MM(table_assign_reply), "", {{"id", "event_id"}}, NULL,
     ROLE_STAFF, NULL, 200, NULL, 0},
    {"GET", "/v1/organizations/{id}/partners", "matchmaking.PartnerSearch",
     MM(partner_search_request), MM(partner_search_reply), NULL, {{"id", "organization_id"}},
     NULL, ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
};
// clang-format on

const gateway_route_table_t gateway_routes_matchmaking = {s_routes,
                                                          sizeof s_routes / sizeof s_routes[0]};
