/* vb/log.h - JSON-lines logging to stderr: one object per line with ts, level, service, msg,
 * and request_id / trace_id when known. Thread-safe (one write(2) per line).
 * Does not: rotate files, buffer, or log payloads (callers pass only what is safe to log). */
#ifndef VB_LOG_H
#define VB_LOG_H

#include "vb/assert.h"

typedef enum {
    VB_LOG_DEBUG = 0,
    VB_LOG_INFO = 1,
    VB_LOG_WARN = 2,
    VB_LOG_ERROR = 3,
} vb_log_level_t;

/* The correlation ids of the request being handled; any member may be NULL. */
typedef struct {
    const char *request_id;
    const char *trace_id;
} vb_log_context_t;

/* A structured extra field; exactly one of string_value / use int_value (is_int). */
typedef struct {
    const char *key;
    const char *string_value;
    long long int_value;
    int is_int;
} vb_log_field_t;

/* Sets the "service" field of every line (copied); call once at start. */
void vb_log_set_service(const char *service);

/* Lines below this level are dropped. Default INFO; VERBUND_LOG_LEVEL=debug|info|warn|error. */
void vb_log_set_level(vb_log_level_t level);

/* Parses "debug".."error"; returns 0 and sets *level, or -1 for an unknown name. */
int vb_log_level_parse(const char *name, vb_log_level_t *level);

/* Writes one line. context may be NULL; fields may be NULL when field_count is 0. */
void vb_log_fields(vb_log_level_t level, const vb_log_context_t *context, const vb_log_field_t *fields,
                   int field_count, const char *fmt, ...) VB_PRINTF(5, 6);

#define vb_log_debug(...) vb_log_fields(VB_LOG_DEBUG, NULL, NULL, 0, __VA_ARGS__)
#define vb_log_info(...) vb_log_fields(VB_LOG_INFO, NULL, NULL, 0, __VA_ARGS__)
#define vb_log_warn(...) vb_log_fields(VB_LOG_WARN, NULL, NULL, 0, __VA_ARGS__)
#define vb_log_error(...) vb_log_fields(VB_LOG_ERROR, NULL, NULL, 0, __VA_ARGS__)

#endif
