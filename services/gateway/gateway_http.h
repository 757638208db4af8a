/* gateway_http.h - what gateway_http.c shares with the other HTTP handlers of the gateway
 * (gateway_stream_http.c): one request's exchange and the response senders.
 * Does not: declare the daemon's lifecycle (gateway.h does). */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "gateway.h"
#include "gateway_routes.h"
#include "vb/arena.h"
#include "vb/log.h"
#include "vb/status.h"

/* What one request's handling produced, for the response, the log line and the metrics. */
typedef struct {
    struct MHD_Connection *connection;
    gateway_t *gateway;
    const char *method;
    const char *path;
    const char *route;    /* pattern for metrics; "unmatched" when no route */
    char request_id[129]; /* X-Request-Id, given or generated */
    char trace_id[129];   /* traceparent trace id, X-Request-Id, or generated */
    int status;           /* HTTP status sent */
    vb_arena_t *arena;    /* per-request allocations */
} http_exchange_t;

/* Adds the headers every response carries (X-Request-Id, Cache-Control). */
void gateway_http_common_headers(http_exchange_t *x, struct MHD_Response *response);

/* Sends text (copied); content_type may be NULL; headers is NULL or {name, value, ..., NULL}.
 * Returns MHD's result. */
enum MHD_Result gateway_http_send_text(http_exchange_t *x, int status, const char *content_type,
                                       const char *text, size_t length, const char *const *headers);

/* Sends json (reference stolen) with a content type. */
enum MHD_Result gateway_http_send_json(http_exchange_t *x, int status, const char *content_type,
                                       json_t *json, const char *const *headers);

/* Sends a problem (reference stolen); its "status" is the HTTP status. */
enum MHD_Result gateway_http_send_problem(http_exchange_t *x, json_t *problem,
                                          const char *const *headers);

/* Sends a problem with a formatted detail. */
enum MHD_Result gateway_http_send_simple_problem(http_exchange_t *x, int status, const char *fmt,
                                                 ...) VB_PRINTF(3, 4);

/* Problem for a failed RPC to service ("membership"); reply may be NULL. */
enum MHD_Result gateway_http_send_rpc_failure(http_exchange_t *x, vb_status_t status,
                                              const Verbund__Rpc__V1__Reply *reply,
                                              const char *service);

/* A request's query parameters, collected into the caller's array; the pointers point into
 * MHD's connection and are valid for the request. */
typedef struct {
    gateway_query_t *items; /* the caller's array */
    size_t capacity;        /* its length */
    size_t count;           /* parameters collected */
    bool overflow;          /* the request has more than capacity (the rest is not collected) */
} gateway_http_query_t;

/* Collects x's query parameters into query (items and capacity set by the caller). */
void gateway_http_query_collect(http_exchange_t *x, gateway_http_query_t *query);

/* --- gateway_stream_http.c --- */

/* Answers GET /v1/stream and GET /v1/stream/sse for an authenticated caller. */
enum MHD_Result gateway_stream_serve(http_exchange_t *x, const gateway_route_t *route,
                                     const Verbund__Rpc__V1__Caller *caller);

#endif
