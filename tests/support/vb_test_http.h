/* vb_test_http.h - a small libcurl client for integration tests of the gateway: one request to
 * VB_TEST_HTTP_URL + path, the status, the parsed JSON body and the response headers.
 * Does not: retry, follow redirects, or keep connections (every call is a fresh request). */
#ifndef VB_TEST_HTTP_H
#define VB_TEST_HTTP_H

#include <stdbool.h>
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

/* vb_test_http that must get an HTTP answer (the running test fails otherwise); returns the
 * status. */
long vb_test_http_call(const char *method, const char *path, const char *token, const char *body,
                       const char *extra_header, json_t **json_out);

/* True when the RFC 9457 problem json lists an error for field in "errors". */
bool vb_test_json_has_error(const json_t *problem, const char *field);

/* Fails the running test unless the last response is application/problem+json with a JSON body
 * json. */
void vb_test_assert_problem_json(const json_t *json);

/* Sleeps ms milliseconds (polling for readiness). */
void vb_test_pause_ms(int ms);

/* Fails the test unless the problem json lists an error for field. */
#define assert_has_error(json, field)                                                              \
    do {                                                                                           \
        if (!vb_test_json_has_error((json), (field)))                                              \
            fail_msg("no error for %s in %s", (field), vb_test_http_body());                       \
    } while (0)

#endif
