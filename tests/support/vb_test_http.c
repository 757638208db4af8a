/* vb_test_http.c - libcurl requests against the node's gateway for integration tests.
 * Does not: keep a connection between calls, or run on more than one thread at a time. */
#include "vb_test_http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "vb_test_node.h"

#define HTTP_MAX_HEADERS 64
#define HTTP_TIMEOUT_S 30L

/* The last response: body and headers, replaced by each request. */
typedef struct {
    char *data;
    size_t size;
} http_buffer_t;

static http_buffer_t s_body;
static char *s_headers[HTTP_MAX_HEADERS];
static size_t s_header_count;

static void
s_reset(void)
{
    free(s_body.data);
    s_body.data = NULL;
    s_body.size = 0;
    for (size_t i = 0; i < s_header_count; i++)
        free(s_headers[i]);
    s_header_count = 0;
}

static size_t
s_write(char *data, size_t size, size_t count, void *user)
{
    http_buffer_t *buffer = user;
    size_t n = size * count;
    char *grown = realloc(buffer->data, buffer->size + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + buffer->size, data, n);
    buffer->data = grown;
    buffer->size += n;
    buffer->data[buffer->size] = '\0';
    return n;
}

static size_t
s_header(char *data, size_t size, size_t count, void *user)
{
    (void)user;
    size_t n = size * count;
    /* A new status line (100 Continue, then the final one) starts a new header set. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        for (size_t i = 0; i < s_header_count; i++)
            free(s_headers[i]);
        s_header_count = 0;
        return n;
    }
    if (s_header_count < HTTP_MAX_HEADERS) {
        char *line = strndup(data, n);
        if (line) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0])
                s_headers[s_header_count++] = line;
            else
                free(line);
        }
    }
    return n;
}

const char *
vb_test_http_url(void)
{
    const char *url = vb_test_env("VB_TEST_HTTP_URL");
    return url ? url : getenv("VB_TEST_HTTP_URL");
}

int
vb_test_http_n(const char *method, const char *path, const char *token, const char *body,
               size_t body_size, const char *extra_header, long *status, json_t **json_out)
{
    static bool initialised = false;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = true;
    }
    s_reset();
    if (json_out)
        *json_out = NULL;
    *status = 0;
    const char *base = vb_test_http_url();
    if (!base) {
        fprintf(stderr, "vb_test_http: VB_TEST_HTTP_URL is not set (no node fixture)\n");
        return -1;
    }
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    size_t url_size = strlen(base) + strlen(path) + 1;
    char *url = malloc(url_size);
    snprintf(url, url_size, "%s%s", base, path);

    struct curl_slist *headers = NULL;
    char authorization[1024];
    if (token) {
        snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, authorization);
    }
    bool has_content_type = false;
    if (extra_header) {
        char *copy = strdup(extra_header);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (strncasecmp(line, "Content-Type:", 13) == 0)
                has_content_type = true;
            headers = curl_slist_append(headers, line);
        }
        free(copy);
    }
    if (body && !has_content_type)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    /* No "Expect: 100-continue" pause for large bodies. */
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s_body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_header);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    } else {
        fprintf(stderr, "vb_test_http: %s %s: %s\n", method, url, curl_easy_strerror(rc));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(url);
    if (rc != CURLE_OK)
        return -1;
    if (!s_body.data) {
        s_body.data = calloc(1, 1);
        s_body.size = 0;
    }
    if (json_out && s_body.size > 0)
        *json_out = json_loadb(s_body.data, s_body.size, JSON_DECODE_ANY, NULL);
    return 0;
}

int
vb_test_http(const char *method, const char *path, const char *token, const char *body,
             const char *extra_header, long *status, json_t **json_out)
{
    return vb_test_http_n(method, path, token, body, body ? strlen(body) : 0, extra_header, status,
                          json_out);
}

const char *
vb_test_http_header(const char *name)
{
    size_t length = strlen(name);
    for (size_t i = 0; i < s_header_count; i++) {
        const char *line = s_headers[i];
        if (strncasecmp(line, name, length) == 0 && line[length] == ':') {
            const char *value = line + length + 1;
            while (*value == ' ')
                value++;
            return value;
        }
    }
    return NULL;
}

const char *
vb_test_http_body(void)
{
    return s_body.data ? s_body.data : "";
}

long
vb_test_http_call(const char *method, const char *path, const char *token, const char *body,
                  const char *extra_header, json_t **json_out)
{
    long status = 0;
    if (json_out)
        *json_out = NULL;
    if (vb_test_http(method, path, token, body, extra_header, &status, json_out) != 0)
        fail_msg("%s %s: no HTTP answer", method, path);
    return status;
}

bool
vb_test_json_has_error(const json_t *problem, const char *field)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(problem, "errors"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "field"));
        if (name && strcmp(name, field) == 0)
            return true;
    }
    return false;
}

void
vb_test_assert_problem_json(const json_t *json)
{
    const char *content_type = vb_test_http_header("Content-Type");
    assert_non_null(content_type);
    assert_non_null(strstr(content_type, "application/problem+json"));
    assert_non_null(json);
}

void
vb_test_pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
