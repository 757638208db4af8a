/* events_proto.h - short names for the generated verbund.events.v1 types and enum values used
 * across the events service. Aliases only: no functions, no state. */
#ifndef EVENTS_PROTO_H
#define EVENTS_PROTO_H

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/events/v1/events.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"

typedef Verbund__Events__V1__Event events_event_t;
typedef Verbund__Events__V1__Venue events_venue_t;
typedef Verbund__Events__V1__Occurrence events_occurrence_record_t; /* an Occurrence message */
typedef Verbund__Events__V1__Registration events_registration_t;
typedef Verbund__Events__V1__Table events_table_t;
typedef Verbund__Events__V1__TableAssignment events_assignment_t;
typedef Verbund__Events__V1__Booth events_booth_t;
typedef Verbund__Events__V1__AgendaItem events_agenda_item_t;
typedef Verbund__Common__V1__Money events_money_t;
typedef Verbund__Common__V1__Document events_document_t;
typedef Verbund__Rpc__V1__Caller events_caller_t;

typedef Verbund__Events__V1__EventKind events_kind_t;
typedef Verbund__Events__V1__EventStatus events_status_t;
typedef Verbund__Events__V1__RegistrationStatus events_registration_status_t;
typedef Verbund__Events__V1__AgendaItemKind events_agenda_kind_t;
typedef Verbund__Rpc__V1__Role events_role_t;

#define EVENTS_KIND_UNSPECIFIED VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_UNSPECIFIED
#define EVENTS_KIND_KNOWLEDGE_CAFE VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_KNOWLEDGE_CAFE

#define EVENTS_STATUS_UNSPECIFIED VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_UNSPECIFIED
#define EVENTS_STATUS_SCHEDULED VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_SCHEDULED
#define EVENTS_STATUS_CANCELLED VERBUND__EVENTS__V1__EVENT_STATUS__EVENT_STATUS_CANCELLED

#define EVENTS_REGISTRATION_UNSPECIFIED                                                            \
    VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_UNSPECIFIED
#define EVENTS_REGISTRATION_CONFIRMED                                                              \
    VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CONFIRMED
#define EVENTS_REGISTRATION_WAITLISTED                                                             \
    VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_WAITLISTED
#define EVENTS_REGISTRATION_CANCELLED                                                              \
    VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CANCELLED

#define EVENTS_AGENDA_UNSPECIFIED                                                                  \
    VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_UNSPECIFIED

#define EVENTS_ROLE_UNSPECIFIED VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED
#define EVENTS_ROLE_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define EVENTS_ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define EVENTS_ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define EVENTS_ROLE_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

#endif
