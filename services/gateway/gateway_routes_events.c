/* gateway_routes_events.c - the routes of the events service (events, occurrences,
 * registrations, check-ins, knowledge-café tables, booths, agenda, iCalendar feeds), as the
 * gateway's route table rows (columns in gateway_routes.h). The service decides who may do
 * what (events_handlers.c); min_role is only the first filter (public routes admit anonymous
 * callers; a token given to them needs at least the member role). The .ics routes come before
 * "/v1/events/{id}" so that "/v1/events/<id>.ics" is not read as an event id. */
#include "gateway_routes.h"

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/events/v1/events.pb-c.h"
#include "vb/assert.h"

#define ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER

#define E(name) &verbund__events__v1__##name##__descriptor
#define DOCUMENT &verbund__common__v1__document__descriptor

/* Columns: method, pattern, rpc method, request, reply, body field, {param, field}, fixed
 * fields, minimum role, reply field, success status, Location prefix, flags. */
// clang-format off
static const gateway_route_t s_routes[] = {
    /* iCalendar feeds (documents, not JSON) */
    {"GET", "/v1/events/{id}.ics", "events.EventCalendar", E(event_calendar_request), DOCUMENT,
     NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_RAW | GATEWAY_ROUTE_PUBLIC},
    {"GET", "/v1/communities/{id}/calendar.ics", "events.CommunityCalendar",
     E(community_calendar_request), DOCUMENT, NULL, {{"id", "community_id"}}, NULL, ROLE_MEMBER,
     NULL, 200, NULL, GATEWAY_ROUTE_RAW},
    {"GET", "/v1/calendar.ics", "events.NodeCalendar", E(node_calendar_request), DOCUMENT, NULL,
     {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_RAW | GATEWAY_ROUTE_PUBLIC},
    {"GET", "/v1/calendar/{token}.ics", "events.PersonalCalendar", E(personal_calendar_request),
     DOCUMENT, NULL, {{"token", "token"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_RAW | GATEWAY_ROUTE_PUBLIC},
    {"POST", "/v1/persons/{id}/calendar-token", "events.CalendarTokenCreate",
     E(calendar_token_create_request), E(calendar_token_reply), NULL, {{"id", "person_id"}},
     NULL, ROLE_MEMBER, NULL, 201, NULL, 0},
    /* events: staff create; anonymous callers see public events only */
    {"POST", "/v1/events", "events.EventCreate", E(event_create_request), E(event_reply),
     "event", {{0}}, NULL, ROLE_STAFF, "event", 201, "/v1/events/", 0},
    {"GET", "/v1/events", "events.EventList", E(event_list_request), E(event_list_reply), NULL,
     {{0}}, NULL, ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY | GATEWAY_ROUTE_PUBLIC},
    {"GET", "/v1/events/{id}", "events.EventGet", E(event_get_request), E(event_reply), NULL,
     {{"id", "id"}}, NULL, ROLE_MEMBER, "event", 200, NULL,
     GATEWAY_ROUTE_PUBLIC | GATEWAY_ROUTE_ETAG},
    {"PATCH", "/v1/events/{id}", "events.EventUpdate", E(event_update_request), E(event_reply),
     "event", {{"id", "id"}}, NULL, ROLE_MEMBER, "event", 200, NULL,
     GATEWAY_ROUTE_UPDATE_MASK | GATEWAY_ROUTE_IF_MATCH | GATEWAY_ROUTE_ETAG},
    {"POST", "/v1/events/{id}/cancel", "events.EventCancel", E(event_cancel_request),
     E(event_reply), "", {{"id", "id"}}, NULL, ROLE_MEMBER, "event", 200, NULL,
     GATEWAY_ROUTE_BODY_OPTIONAL},
    {"POST", "/v1/events/{id}/close", "events.EventClose", E(event_close_request),
     E(event_close_reply), NULL, {{"id", "id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    /* occurrences of a series: PATCH moves one, POST .../cancel cancels one */
    {"GET", "/v1/events/{id}/occurrences", "events.OccurrenceList", E(occurrence_list_request),
     E(occurrence_list_reply), NULL, {{"id", "event_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_PUBLIC},
    {"PATCH", "/v1/events/{id}/occurrences/{oid}", "events.OccurrenceMove",
     E(occurrence_move_request), E(occurrence_reply), "", {{"id", "event_id"}, {"oid", "id"}},
     NULL, ROLE_MEMBER, "occurrence", 200, NULL, 0},
    {"POST", "/v1/events/{id}/occurrences/{oid}/cancel", "events.OccurrenceCancel",
     E(occurrence_cancel_request), E(occurrence_reply), "", {{"id", "event_id"}, {"oid", "id"}},
     NULL, ROLE_MEMBER, "occurrence", 200, NULL, GATEWAY_ROUTE_BODY_OPTIONAL},
    /* registrations: members register and cancel themselves */
    {"POST", "/v1/events/{id}/registrations", "events.RegistrationCreate",
     E(registration_create_request), E(registration_reply), "", {{"id", "event_id"}}, NULL,
     ROLE_MEMBER, "registration", 201, NULL, 0},
    {"GET", "/v1/events/{id}/registrations", "events.RegistrationList",
     E(registration_list_request), E(registration_list_reply), NULL, {{"id", "event_id"}}, NULL,
     ROLE_MEMBER, NULL, 200, NULL, GATEWAY_ROUTE_QUERY},
    {"DELETE", "/v1/events/{id}/registrations/{rid}", "events.RegistrationCancel",
     E(registration_cancel_request), E(registration_cancel_reply), NULL,
     {{"id", "event_id"}, {"rid", "id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    {"POST", "/v1/events/{id}/checkins", "events.CheckinCreate", E(checkin_create_request),
     E(registration_reply), "", {{"id", "event_id"}}, NULL, ROLE_MEMBER, "registration", 201,
     NULL, 0},
    /* knowledge café */
    {"POST", "/v1/events/{id}/tables", "events.TableCreate", E(table_create_request),
     E(table_reply), "table", {{"id", "event_id"}}, NULL, ROLE_MEMBER, "table", 201, NULL, 0},
    {"GET", "/v1/events/{id}/tables", "events.TableList", E(table_list_request),
     E(table_list_reply), NULL, {{"id", "event_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_PUBLIC},
    {"POST", "/v1/events/{id}/tables/assignments", "events.TableAssignmentPut",
     E(table_assignment_put_request), E(table_assignment_list_reply), "", {{"id", "event_id"}},
     NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    {"GET", "/v1/events/{id}/tables/assignments", "events.TableAssignmentList",
     E(table_assignment_list_request), E(table_assignment_list_reply), NULL,
     {{"id", "event_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL, 0},
    /* market of possibilities */
    {"POST", "/v1/events/{id}/booths", "events.BoothCreate", E(booth_create_request),
     E(booth_reply), "booth", {{"id", "event_id"}}, NULL, ROLE_MEMBER, "booth", 201, NULL, 0},
    {"GET", "/v1/events/{id}/booths", "events.BoothList", E(booth_list_request),
     E(booth_list_reply), NULL, {{"id", "event_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_PUBLIC},
    {"POST", "/v1/events/{id}/agenda", "events.AgendaItemCreate", E(agenda_item_create_request),
     E(agenda_item_reply), "item", {{"id", "event_id"}}, NULL, ROLE_MEMBER, "item", 201, NULL,
     0},
    {"GET", "/v1/events/{id}/agenda", "events.AgendaList", E(agenda_list_request),
     E(agenda_list_reply), NULL, {{"id", "event_id"}}, NULL, ROLE_MEMBER, NULL, 200, NULL,
     GATEWAY_ROUTE_PUBLIC},
};
// clang-format on

const gateway_route_table_t gateway_routes_events = {s_routes, VB_ARRAY_SIZE(s_routes)};
