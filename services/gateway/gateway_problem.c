/* gateway_problem.c - RFC 9457 problem objects and header parsers for the gateway.
 * Does not: send responses or decide statuses (callers pass the HTTP status). */
#include "gateway_problem.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct {
    int http;          /* HTTP status code */
    const char *name;  /* problem type suffix; equals vb_status_name where one exists */
    const char *title; /* human title */
} http_status_row_t;

static const http_status_row_t s_statuses[] = {
    {200, "ok", "OK"},
    {201, "created", "Created"},
    {400, "bad_request", "Bad Request"},
    {401, "unauthenticated", "Unauthorized"},
    {403, "forbidden", "Forbidden"},
    {404, "not_found", "Not Found"},
    {405, "method_not_allowed", "Method Not Allowed"}, /* HTTP only: path known, method not */
    {409, "conflict", "Conflict"},
    {410, "snapshot_required", "Gone"}, /* a stream position older than the retention */
    {413, "payload_too_large", "Content Too Large"},
    {415, "unsupported_media_type", "Unsupported Media Type"}, /* HTTP only: body not JSON */
    {422, "unprocessable", "Unprocessable Content"},
    {500, "internal", "Internal Server Error"},
    {502, "bad_gateway", "Bad Gateway"}, /* HTTP only: a reply that does not decode */
    {503, "unavailable", "Service Unavailable"},
    {504, "deadline_exceeded", "Gateway Timeout"},
};

static const http_status_row_t *
s_status_row(int http_status)
{
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_statuses); i++)
        if (s_statuses[i].http == http_status)
            return &s_statuses[i];
    return NULL;
}

const char *
gateway_http_status_name(int http_status)
{
    const http_status_row_t *row = s_status_row(http_status);
    return row ? row->name : "error";
}

const char *
gateway_http_status_title(int http_status)
{
    const http_status_row_t *row = s_status_row(http_status);
    return row ? row->title : "Error";
}

json_t *
gateway_problem_new(int http_status, const char *detail, const char *instance)
{
    char type[128];
    snprintf(type, sizeof(type), "%s%s", GATEWAY_PROBLEM_TYPE_BASE,
             gateway_http_status_name(http_status));
    json_t *problem = json_pack("{s:s, s:s, s:i}", "type", type, "title",
                                gateway_http_status_title(http_status), "status", http_status);
    if (!problem)
        return NULL;
    if (detail && detail[0])
        json_object_set_new(problem, "detail", json_string(detail));
    if (instance)
        json_object_set_new(problem, "instance", json_string(instance));
    return problem;
}

int
gateway_problem_add_error(json_t *problem, const char *field, const char *message)
{
    json_t *errors = json_object_get(problem, "errors");
    if (!errors) {
        errors = json_array();
        if (!errors || json_object_set_new(problem, "errors", errors) < 0)
            return -1;
    }
    json_t *item =
        json_pack("{s:s, s:s}", "field", field ? field : "", "message", message ? message : "");
    if (!item)
        return -1;
    return json_array_append_new(errors, item);
}

void
gateway_problem_add_json_errors(json_t *problem, const vb_json_errors_t *errors)
{
    for (int i = 0; i < errors->count && i < VB_JSON_MAX_ERRORS; i++)
        gateway_problem_add_error(problem, errors->items[i].field, errors->items[i].message);
    if (errors->count > VB_JSON_MAX_ERRORS) {
        char message[64];
        snprintf(message, sizeof(message), "and %d more errors",
                 errors->count - VB_JSON_MAX_ERRORS);
        gateway_problem_add_error(problem, "", message);
    }
}

void
gateway_problem_add_field_errors(json_t *problem, const Verbund__Rpc__V1__Reply *reply)
{
    if (!reply)
        return;
    for (size_t i = 0; i < reply->n_field_errors; i++) {
        const Verbund__Rpc__V1__FieldError *error = reply->field_errors[i];
        if (error)
            gateway_problem_add_error(problem, error->field, error->message);
    }
}

const char *
gateway_bearer_token(const char *header)
{
    if (!header || strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
        return NULL;
    const char *token = header + 6;
    while (*token == ' ')
        token++;
    if (!*token)
        return NULL;
    /* RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" */
    const char *p = token;
    while (isalnum((unsigned char)*p) || (*p && strchr("-._~+/", *p)))
        p++;
    while (*p == '=')
        p++;
    while (*p == ' ')
        p++;
    if (*p)
        return NULL;
    return token;
}

bool
gateway_content_type_is_json(const char *content_type)
{
    if (!content_type)
        return false;
    size_t length = strcspn(content_type, ";");
    while (length > 0 && content_type[length - 1] == ' ')
        length--;
    if (length == 16 && strncasecmp(content_type, "application/json", 16) == 0)
        return true;
    /* application/<something>+json, e.g. application/merge-patch+json */
    return length > 17 && strncasecmp(content_type, "application/", 12) == 0 &&
           strncasecmp(content_type + length - 5, "+json", 5) == 0;
}

static bool
s_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

int
gateway_traceparent_trace_id(const char *header, char out[33])
{
    /* version "-" trace-id(32) "-" parent-id(16) "-" flags(2) */
    if (!header || strlen(header) < 55)
        return -1;
    if (!s_hex(header, 2) || header[2] != '-' || !s_hex(header + 3, 32) || header[35] != '-' ||
        !s_hex(header + 36, 16) || header[52] != '-' || !s_hex(header + 53, 2))
        return -1;
    if (strncmp(header, "ff", 2) == 0 || strspn(header + 3, "0") >= 32)
        return -1; /* invalid version, all-zero trace id */
    memcpy(out, header + 3, 32);
    out[32] = '\0';
    return 0;
}

bool
gateway_token_id_valid(const char *value)
{
    if (!value)
        return false;
    size_t length = strlen(value);
    if (length == 0 || length > 128)
        return false;
    for (size_t i = 0; i < length; i++)
        if (value[i] <= ' ' || value[i] > '~')
            return false;
    return true;
}
