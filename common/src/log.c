/* log.c - JSON-lines logging to stderr: builds each line in memory, escapes every string
 * (invalid UTF-8 becomes U+FFFD) and emits it with one write(2).
 * Does not: buffer across lines, rotate files or filter by module. */
#include "vb/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "vb/clock.h"

#define LOG_STACK_SIZE 2048

/* A growable line: starts on the caller's stack, moves to the heap when it outgrows it. */
typedef struct {
    char *data;      /* stack or heap storage */
    size_t length;   /* bytes used */
    size_t capacity; /* bytes available */
    bool on_heap;    /* data was malloc'ed */
    bool failed;     /* out of memory: the line is truncated, still valid JSON when closed */
} log_buffer_t;

static const char *const s_level_names[] = {
    [VB_LOG_DEBUG] = "debug",
    [VB_LOG_INFO] = "info",
    [VB_LOG_WARN] = "warn",
    [VB_LOG_ERROR] = "error",
};

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static atomic_int s_level = VB_LOG_INFO;
/* Set once at start before threads log; read without a lock afterwards. */
static char s_service[64] = "";

static void
s_init(void)
{
    /* The environment sets the initial level; vb_log_set_level overrides it. */
    vb_log_level_t level;
    const char *name = getenv("VERBUND_LOG_LEVEL");
    if (name && vb_log_level_parse(name, &level) == 0)
        atomic_store(&s_level, (int) level);
}

void
vb_log_set_service(const char *service)
{
    snprintf(s_service, sizeof(s_service), "%s", service ? service : "");
}

void
vb_log_set_level(vb_log_level_t level)
{
    pthread_once(&s_once, s_init);
    atomic_store(&s_level, (int) level);
}

int
vb_log_level_parse(const char *name, vb_log_level_t *level)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_level_names); i++) {
        if (strcasecmp(name, s_level_names[i]) == 0) {
            *level = (vb_log_level_t) i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *level = VB_LOG_WARN;
        return 0;
    }
    return -1;
}

static bool
s_reserve(log_buffer_t *buffer, size_t extra)
{
    if (buffer->failed)
        return false;
    if (buffer->length + extra <= buffer->capacity)
        return true;
    size_t capacity = buffer->capacity * 2;
    while (capacity < buffer->length + extra)
        capacity *= 2;
    char *data = buffer->on_heap ? realloc(buffer->data, capacity) : malloc(capacity);
    if (!data) {
        buffer->failed = true;
        return false;
    }
    if (!buffer->on_heap)
        memcpy(data, buffer->data, buffer->length);
    buffer->data = data;
    buffer->capacity = capacity;
    buffer->on_heap = true;
    return true;
}

static void
s_append(log_buffer_t *buffer, const char *bytes, size_t length)
{
    if (!s_reserve(buffer, length))
        return;
    memcpy(buffer->data + buffer->length, bytes, length);
    buffer->length += length;
}

static void
s_append_str(log_buffer_t *buffer, const char *s)
{
    s_append(buffer, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes are not valid UTF-8. */
static size_t
s_utf8_length(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t length;
    uint32_t code;
    uint32_t min;
    if ((s[0] & 0xE0) == 0xC0) {
        length = 2, code = s[0] & 0x1F, min = 0x80;
    }
    else if ((s[0] & 0xF0) == 0xE0) {
        length = 3, code = s[0] & 0x0F, min = 0x800;
    }
    else if ((s[0] & 0xF8) == 0xF0) {
        length = 4, code = s[0] & 0x07, min = 0x10000;
    }
    else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        /* A NUL terminator fails this test, so we never read past the string. */
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (s[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0; /* overlong, out of range or a surrogate */
    return length;
}

/* Appends s as a quoted JSON string. */
static void
s_append_json_string(log_buffer_t *buffer, const char *s)
{
    s_append(buffer, "\"", 1);
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        const unsigned char *run = p;
        /* Copy runs of characters that need no escaping in one go. */
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            s_append(buffer, (const char *) run, (size_t) (p - run));
        if (!*p)
            break;
        char escape[8];
        switch (*p) {
        case '"': s_append(buffer, "\\\"", 2); p++; continue;
        case '\\': s_append(buffer, "\\\\", 2); p++; continue;
        case '\n': s_append(buffer, "\\n", 2); p++; continue;
        case '\r': s_append(buffer, "\\r", 2); p++; continue;
        case '\t': s_append(buffer, "\\t", 2); p++; continue;
        case '\b': s_append(buffer, "\\b", 2); p++; continue;
        case '\f': s_append(buffer, "\\f", 2); p++; continue;
        default: break;
        }
        if (*p < 0x20) {
            snprintf(escape, sizeof(escape), "\\u%04x", *p);
            s_append(buffer, escape, 6);
            p++;
            continue;
        }
        size_t length = s_utf8_length(p);
        if (length == 0) {
            s_append(buffer, "\\ufffd", 6);
            p++;
        }
        else {
            s_append(buffer, (const char *) p, length);
            p += length;
        }
    }
    s_append(buffer, "\"", 1);
}

static void
s_append_string_member(log_buffer_t *buffer, const char *key, const char *value)
{
    s_append(buffer, ",", 1);
    s_append_json_string(buffer, key);
    s_append(buffer, ":", 1);
    if (value)
        s_append_json_string(buffer, value);
    else
        s_append_str(buffer, "null");
}

static void
s_write_all(const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, data, length);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere left to report a failing stderr */
        }
        data += written;
        length -= (size_t) written;
    }
}

void
vb_log_fields(vb_log_level_t level, const vb_log_context_t *context, const vb_log_field_t *fields,
              int field_count, const char *fmt, ...)
{
    pthread_once(&s_once, s_init);
    if ((int) level < atomic_load(&s_level))
        return;
    if ((int) level < VB_LOG_DEBUG || (int) level > VB_LOG_ERROR)
        level = VB_LOG_ERROR;

    /* The message: formatted on the stack, on the heap when longer. */
    char message_stack[512];
    const char *message = message_stack;
    char *message_heap = NULL;
    va_list args;
    va_start(args, fmt);
    int message_length = vsnprintf(message_stack, sizeof(message_stack), fmt, args);
    va_end(args);
    if (message_length < 0) {
        message = "(unformattable log message)";
    }
    else if ((size_t) message_length >= sizeof(message_stack)) {
        /* Without memory the truncated stack copy is logged instead. */
        message_heap = malloc((size_t) message_length + 1);
        if (message_heap) {
            va_start(args, fmt);
            vsnprintf(message_heap, (size_t) message_length + 1, fmt, args);
            va_end(args);
            message = message_heap;
        }
    }

    /* "2026-11-26T07:05:35.123456Z" cut to milliseconds. */
    char ts[VB_RFC3339_SIZE];
    vb_clock_format_rfc3339(vb_clock_now_us(), ts);
    ts[23] = 'Z';
    ts[24] = '\0';

    char line_stack[LOG_STACK_SIZE];
    log_buffer_t line = {.data = line_stack, .capacity = sizeof(line_stack)};
    s_append_str(&line, "{\"ts\":\"");
    s_append_str(&line, ts);
    s_append_str(&line, "\",\"level\":\"");
    s_append_str(&line, s_level_names[level]);
    s_append_str(&line, "\"");
    s_append_string_member(&line, "service", s_service);
    s_append_string_member(&line, "msg", message);
    if (context && context->request_id)
        s_append_string_member(&line, "request_id", context->request_id);
    if (context && context->trace_id)
        s_append_string_member(&line, "trace_id", context->trace_id);
    for (int i = 0; fields && i < field_count; i++) {
        if (!fields[i].key)
            continue;
        if (fields[i].is_int) {
            char number[32];
            s_append(&line, ",", 1);
            s_append_json_string(&line, fields[i].key);
            int length = snprintf(number, sizeof(number), ":%lld", fields[i].int_value);
            s_append(&line, number, (size_t) length);
        }
        else {
            s_append_string_member(&line, fields[i].key, fields[i].string_value);
        }
    }
    s_append_str(&line, "}\n");

    if (line.failed) {
        /* Out of memory mid-line: say so in a line that is still valid JSON. */
        static const char oom[] = "{\"level\":\"error\",\"msg\":\"log line dropped: out of memory\"}\n";
        s_write_all(oom, sizeof(oom) - 1);
    }
    else {
        s_write_all(line.data, line.length);
    }
    if (line.on_heap)
        free(line.data);
    free(message_heap);
}
