/* status.c - names, titles and HTTP codes of vb_status_t. One table, indexed by status. */
#include "vb/status.h"

#include <stddef.h>

typedef struct {
    int http;
    const char *name;
    const char *title;
} status_row_t;

static const status_row_t s_rows[] = {
    [VB_STATUS_OK] = {200, "ok", "OK"},
    [VB_STATUS_CREATED] = {201, "created", "Created"},
    [VB_STATUS_BAD_REQUEST] = {400, "bad_request", "Bad Request"},
    [VB_STATUS_UNAUTHENTICATED] = {401, "unauthenticated", "Unauthorized"},
    [VB_STATUS_FORBIDDEN] = {403, "forbidden", "Forbidden"},
    [VB_STATUS_NOT_FOUND] = {404, "not_found", "Not Found"},
    [VB_STATUS_CONFLICT] = {409, "conflict", "Conflict"},
    [VB_STATUS_PAYLOAD_TOO_LARGE] = {413, "payload_too_large", "Content Too Large"},
    [VB_STATUS_UNPROCESSABLE] = {422, "unprocessable", "Unprocessable Content"},
    [VB_STATUS_INTERNAL] = {500, "internal", "Internal Server Error"},
    [VB_STATUS_UNAVAILABLE] = {503, "unavailable", "Service Unavailable"},
    [VB_STATUS_DEADLINE_EXCEEDED] = {504, "deadline_exceeded", "Gateway Timeout"},
    [VB_STATUS_UNKNOWN_METHOD] = {404, "unknown_method", "Not Found"},
    [VB_STATUS_SNAPSHOT_REQUIRED] = {410, "snapshot_required", "Gone"},
};

static const status_row_t *
s_row(vb_status_t status)
{
    if ((int) status < VB_STATUS_OK || (size_t) status >= sizeof(s_rows) / sizeof(s_rows[0]))
        return &s_rows[VB_STATUS_INTERNAL];
    return &s_rows[status];
}

int
vb_status_http(vb_status_t status)
{
    return s_row(status)->http;
}

const char *
vb_status_name(vb_status_t status)
{
    return s_row(status)->name;
}

const char *
vb_status_title(vb_status_t status)
{
    return s_row(status)->title;
}
