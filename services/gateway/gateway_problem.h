/* gateway_problem.h - RFC 9457 problem details (application/problem+json) and the small header
 * parsers of the gateway (bearer token, content type, traceparent, request ids).
 * Does not: send anything (gateway_http.c does). */
#ifndef GATEWAY_PROBLEM_H
#define GATEWAY_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/json_proto.h"
#include "vb/status.h"

#define GATEWAY_PROBLEM_TYPE_BASE "https://verbund.example/problems/"

/* Stable lower-case name and title of an HTTP status the gateway sends ("conflict",
 * "Conflict"); unknown codes get "error" / "Error". */
const char *gateway_http_status_name(int http_status);
const char *gateway_http_status_title(int http_status);

/* A new problem object {type, title, status, detail, instance}; detail may be NULL (omitted).
 * Caller owns the reference; NULL when out of memory. */
json_t *gateway_problem_new(int http_status, const char *detail, const char *instance);

/* Appends {"field", "message"} to the problem's "errors" array. 0 or -1. */
int gateway_problem_add_error(json_t *problem, const char *field, const char *message);

/* Appends every collected JSON conversion error. */
void gateway_problem_add_json_errors(json_t *problem, const vb_json_errors_t *errors);

/* Appends an RPC reply's field errors. */
void gateway_problem_add_field_errors(json_t *problem, const Verbund__Rpc__V1__Reply *reply);

/* The token of "Bearer <token>" (scheme case-insensitive, one or more spaces), borrowed from
 * header, or NULL when the header is absent or not a well-formed bearer credential. */
const char *gateway_bearer_token(const char *header);

/* True when a Content-Type is JSON: application/json or application/<x>+json, with optional
 * parameters (charset=utf-8). */
bool gateway_content_type_is_json(const char *content_type);

/* The 32-hex trace id of a W3C traceparent header into out (33 bytes). 0 or -1. */
int gateway_traceparent_trace_id(const char *header, char out[33]);

/* True when a client-supplied id (X-Request-Id, Idempotency-Key) is 1..128 printable ASCII
 * characters without spaces. */
bool gateway_token_id_valid(const char *value);

#endif
