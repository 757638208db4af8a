/* gateway_routes.h - the gateway's route table (HTTP method + path pattern -> RPC method) and
 * the pure steps around it: matching a path, building the request message from path, query,
 * body and headers, and shaping the reply. No sockets here, so unit tests call it directly.
 * Does not: authenticate, call services, or speak HTTP (gateway_http.c, gateway_auth.c). */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/arena.h"
#include "vb/json_proto.h"

#define GATEWAY_MAX_PARAMS 4
#define GATEWAY_MAX_PARAM_SIZE 256

enum {
    GATEWAY_ROUTE_QUERY = 1 << 0,         /* query parameters fill request fields by name */
    GATEWAY_ROUTE_BODY_OPTIONAL = 1 << 1, /* the body may be absent */
    GATEWAY_ROUTE_UPDATE_MASK = 1 << 2,   /* top-level body keys -> update_mask */
    GATEWAY_ROUTE_IF_MATCH = 1 << 3,      /* If-Match: <version> -> expected_version */
    GATEWAY_ROUTE_ETAG = 1 << 4,          /* reply's "version" becomes the ETag */
    GATEWAY_ROUTE_STREAM = 1 << 5, /* the event stream: gateway_stream_http.c answers, not the
                                      generic path (query parsed by gateway_stream.c) */
    GATEWAY_ROUTE_SSE = 1 << 6,    /* with STREAM: Server-Sent Events instead of a batch */
    GATEWAY_ROUTE_PUBLIC = 1 << 7, /* no bearer token needed: without one the service gets a
                                      caller with role UNSPECIFIED and decides what to show;
                                      a token that is given is still verified */
    GATEWAY_ROUTE_RAW = 1 << 8,    /* the reply is a document, not JSON: the reply message has
                                      string fields "content_type" and "body" (and optionally
                                      "etag"), sent as they are (iCalendar feeds) */
};

/* The services behind the gateway; a route's service is the prefix of its rpc method
 * ("events.EventGet" -> GATEWAY_SERVICE_EVENTS). */
typedef enum {
    GATEWAY_SERVICE_MEMBERSHIP,
    GATEWAY_SERVICE_COMMUNITIES,
    GATEWAY_SERVICE_EVENTS,
    GATEWAY_SERVICE_MATCHMAKING,
    GATEWAY_SERVICE_STREAM,
    GATEWAY_SERVICE_COUNT
} gateway_service_t;

/* One path parameter and the request field it fills. */
typedef struct {
    const char *param; /* name inside braces in the pattern: "id" */
    const char *field; /* request field: "id", "person_id" */
} gateway_path_field_t;

typedef struct {
    const char *http_method;                        /* "GET" */
    const char *pattern;                            /* "/v1/persons/{id}" */
    const char *rpc_method;                         /* "membership.PersonGet" */
    const ProtobufCMessageDescriptor *request_type; /* the RPC request message */
    const ProtobufCMessageDescriptor *reply_type;   /* the RPC reply body */
    const char *body_field; /* NULL: no body; "": request root; else field */
    gateway_path_field_t path_fields[GATEWAY_MAX_PARAMS]; /* {param} -> request field */
    const char *fixed;                                    /* JSON object merged into the request */
    Verbund__Rpc__V1__Role min_role;                      /* least privileged role admitted */
    const char *reply_field;                              /* NULL: whole reply; else unwrap field */
    int success_status;                                   /* 200, 201 */
    const char *location_prefix;                          /* 201: prefix + reply "id" */
    unsigned flags;                                       /* GATEWAY_ROUTE_* */
} gateway_route_t;

/* A path parameter captured by gateway_route_match. */
typedef struct {
    char name[32];                      /* the name in braces in the pattern: "id" */
    char value[GATEWAY_MAX_PARAM_SIZE]; /* the path segment */
} gateway_param_t;

typedef struct {
    gateway_param_t items[GATEWAY_MAX_PARAMS];
    int count;
} gateway_params_t;

/* A query parameter, already percent-decoded. */
typedef struct {
    const char *key;
    const char *value;
} gateway_query_t;

/* What an HTTP request brings to the request message. Every member may be NULL / 0. */
typedef struct {
    const gateway_params_t *params;
    const gateway_query_t *query;
    size_t query_count;
    const json_t *body;   /* parsed body, NULL when there was none */
    const char *if_match; /* raw If-Match header */
} gateway_input_t;

/* One service's routes (gateway_routes_<service>.c). */
typedef struct {
    const gateway_route_t *routes;
    size_t count;
} gateway_route_table_t;

extern const gateway_route_table_t gateway_routes_membership;
extern const gateway_route_table_t gateway_routes_communities;
extern const gateway_route_table_t gateway_routes_events;
extern const gateway_route_table_t gateway_routes_matchmaking;

/* Every route of every service, in match order: the number, and the i-th (i < count). */
size_t gateway_route_count(void);
const gateway_route_t *gateway_route_at(size_t i);

/* The service that answers rpc_method (by its prefix before '.'); GATEWAY_SERVICE_COUNT when
 * the prefix names none. */
gateway_service_t gateway_service_for_method(const char *rpc_method);

/* "membership", "communities", ... for problems and logs. */
const char *gateway_service_name(gateway_service_t service);

/* Route for method + path, or NULL. When NULL and *path_known is true, the path exists with
 * another method (405); allow (may be NULL) then gets the methods, "GET, POST". */
const gateway_route_t *gateway_route_match(const char *method, const char *path,
                                           gateway_params_t *params, bool *path_known, char *allow,
                                           size_t allow_size);

/* True when the route's pattern matches path (ignores the method); fills params. A parameter
 * may be followed by a literal suffix inside its segment: "/v1/events/{id}.ics". */
bool gateway_pattern_match(const char *pattern, const char *path, gateway_params_t *params);

/* True when a caller of role may use a route needing min_role (admin > staff = service >
 * member; unspecified never). */
bool gateway_role_allows(Verbund__Rpc__V1__Role role, Verbund__Rpc__V1__Role min_role);

/* Builds the route's request message in arena. NULL with errors filled when any part is wrong
 * (all parts are checked). */
ProtobufCMessage *gateway_request_build(const gateway_route_t *route, const gateway_input_t *input,
                                        vb_arena_t *arena, vb_json_errors_t *errors);

/* Sets one field of message from text, typed by the field (int32 "limit", bool, enum, string);
 * error_path names it in errors. 0 or -1. */
int gateway_field_set_text(ProtobufCMessage *message, const char *field_name, const char *text,
                           const char *error_path, vb_arena_t *arena, vb_json_errors_t *errors);

/* The JSON of a reply message as the route returns it (unwrapped when reply_field is set;
 * JSON null when that field is unset). New reference; NULL when out of memory. */
json_t *gateway_reply_json(const gateway_route_t *route, const ProtobufCMessage *reply);

/* The document of a GATEWAY_ROUTE_RAW reply; pointers into the reply message. */
typedef struct {
    const char *content_type; /* "text/calendar; charset=utf-8" */
    const char *body;
    size_t size;
    const char *etag; /* may be NULL */
} gateway_document_t;

/* Reads the string fields content_type, body and (optional) etag of reply. 0, or -1 when the
 * message has no such fields or content_type is empty. */
int gateway_reply_document(const ProtobufCMessage *reply, gateway_document_t *document);

/* Parses If-Match: 7, "7" or W/"7" into a positive version. 0 or -1. */
int gateway_if_match_parse(const char *header, long long *version);

#endif
