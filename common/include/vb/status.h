/* vb/status.h - the small result code of handlers, stores and domain functions.
 * The values equal verbund.rpc.v1.Status on the wire; the gateway maps them to HTTP here too.
 * Plumbing functions return 0/-1 instead; this is for outcomes a caller must distinguish. */
#ifndef VB_STATUS_H
#define VB_STATUS_H

typedef enum {
    VB_STATUS_OK = 1,                /* 200 */
    VB_STATUS_CREATED = 2,           /* 201 */
    VB_STATUS_BAD_REQUEST = 3,       /* 400 malformed input */
    VB_STATUS_UNAUTHENTICATED = 4,   /* 401 */
    VB_STATUS_FORBIDDEN = 5,         /* 403 */
    VB_STATUS_NOT_FOUND = 6,         /* 404 */
    VB_STATUS_CONFLICT = 7,          /* 409 stale version or duplicate */
    VB_STATUS_PAYLOAD_TOO_LARGE = 8, /* 413 */
    VB_STATUS_UNPROCESSABLE = 9,     /* 422 refused by a rule */
    VB_STATUS_INTERNAL = 10,         /* 500 */
    VB_STATUS_UNAVAILABLE = 11,      /* 503 dependency down; safe to retry */
    VB_STATUS_DEADLINE_EXCEEDED = 12, /* 504 */
    VB_STATUS_UNKNOWN_METHOD = 13,   /* 404 over HTTP */
    VB_STATUS_SNAPSHOT_REQUIRED = 14, /* 410 stream position older than the retention */
} vb_status_t;

/* The highest value; statuses from the wire above it are treated as INTERNAL. */
#define VB_STATUS_LAST VB_STATUS_SNAPSHOT_REQUIRED

/* True for OK and CREATED. */
static inline int
vb_status_is_success(vb_status_t status)
{
    return status == VB_STATUS_OK || status == VB_STATUS_CREATED;
}

/* The HTTP status code for a status; 500 for values outside the enum. */
int vb_status_http(vb_status_t status);

/* Stable lower-case name ("conflict"), used in logs, metrics and problem "type" URIs. */
const char *vb_status_name(vb_status_t status);

/* Human title for problem+json ("Conflict"). */
const char *vb_status_title(vb_status_t status);

#endif
