/* gateway_routes_matchmaking.c - the routes of the matchmaking service, as the gateway's route table rows
 * (columns in gateway_routes.h). */
#include "gateway_routes.h"

const gateway_route_table_t gateway_routes_matchmaking = {NULL, 0};
