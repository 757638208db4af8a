/* vb_test_http.h - a small libcurl client for integration tests of the gateway: one request to
 * VB_TEST_HTTP_URL + path, the status, the parsed JSON body and the response headers.
 * Does not: retry, follow redirects, or keep connections (every call is a fresh request). */
#ifndef VB_TEST_HTTP_H
#define VB_TEST_HTTP_H

#include <stddef.h>

#include <jansson.h>

/* Sends method path (appended to VB_TEST_HTTP_URL) with "Authorization: Bearer token" when
 * token is not NULL, body (sent as application/json unless extra_header sets Content-Type)
 * when not NULL, and extra_header: NULL or header lines separated by '\n'
 * ("If-Match: \"3\"\nIdempotency-Key: k1"). Sets *status, and *json_out (may be NULL) to the
 * parsed body or NULL when the body is not JSON (caller json_decrefs it).
 * Returns 0, or -1 when no HTTP answer arrived (message printed). Not thread-safe. */
int vb_test_http(const char *method, const char *path, const char *token, const char *body,
                 const char *extra_header, long *status, json_t **json_out);

/* Same with an explicit body length (bodies with NUL bytes or megabytes of filler). */
int vb_test_http_n(const char *method, const char *path, const char *token, const char *body,
                   size_t body_size, const char *extra_header, long *status, json_t **json_out);

/* A header of the last response (name case-insensitive, value without surrounding spaces),
 * or NULL. Borrowed until the next request. */
const char *vb_test_http_header(const char *name);

/* The raw body of the last response (NUL-terminated). Borrowed until the next request. */
const char *vb_test_http_body(void);

/* The base URL (VB_TEST_HTTP_URL), or NULL without a node. */
const char *vb_test_http_url(void);

#endif
