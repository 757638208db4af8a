/* gateway_stream.c - the pure steps of the stream endpoints: parsing after / limit / timeout /
 * topic and Last-Event-ID, the token's topic rules, and rendering CloudEvents as a JSON batch
 * or as Server-Sent Events. Does not: do I/O (gateway_stream_http.c does). */
#include "gateway_stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/cloudevent.h"

#define ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER

static void VB_PRINTF(3, 4)
    s_error(vb_json_errors_t *errors, const char *field, const char *fmt, ...)
{
    if (errors->count < VB_JSON_MAX_ERRORS) {
        vb_json_error_t *error = &errors->items[errors->count];
        snprintf(error->field, sizeof(error->field), "%s", field);
        va_list args;
        va_start(args, fmt);
        vsnprintf(error->message, sizeof(error->message), fmt, args);
        va_end(args);
    }
    errors->count++;
}

/* A decimal without sign, spaces or leading junk, at most max. 0 or -1. */
static int
s_parse_u64(const char *text, uint64_t max, uint64_t *value)
{
    if (!text || !text[0] || strlen(text) > 20)
        return -1;
    for (const char *c = text; *c; c++)
        if (*c < '0' || *c > '9')
            return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || parsed > max)
        return -1;
    *value = parsed;
    return 0;
}

bool
gateway_stream_topic_valid(const char *text)
{
    if (!text)
        return false;
    size_t length = strnlen(text, GATEWAY_STREAM_TOPIC_MAX_LENGTH + 1);
    if (length == 0 || length > GATEWAY_STREAM_TOPIC_MAX_LENGTH)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int
gateway_stream_params_parse(const gateway_query_t *query, size_t query_count,
                            const char *last_event_id, bool sse, gateway_stream_params_t *params,
                            vb_json_errors_t *errors)
{
    memset(params, 0, sizeof(*params));
    int before = errors->count;
    bool seen_after = false, seen_limit = false, seen_timeout = false;
    for (size_t i = 0; i < query_count; i++) {
        const char *key = query[i].key;
        const char *value = query[i].value ? query[i].value : "";
        uint64_t number = 0;
        if (strcmp(key, "after") == 0) {
            if (seen_after)
                s_error(errors, "after", "is given more than once");
            else if (s_parse_u64(value, UINT64_MAX, &number) < 0)
                s_error(errors, "after", "must be a sequence number (a decimal from 0)");
            else
                params->after = number;
            seen_after = true;
        } else if (strcmp(key, "limit") == 0) {
            if (seen_limit)
                s_error(errors, "limit", "is given more than once");
            else if (s_parse_u64(value, GATEWAY_STREAM_MAX_LIMIT, &number) < 0)
                s_error(errors, "limit", "must be an integer from 0 to %d",
                        GATEWAY_STREAM_MAX_LIMIT);
            else
                params->limit = (uint32_t)number;
            seen_limit = true;
        } else if (strcmp(key, "timeout") == 0 && !sse) {
            if (seen_timeout)
                s_error(errors, "timeout", "is given more than once");
            else if (s_parse_u64(value, GATEWAY_STREAM_MAX_TIMEOUT_S, &number) < 0)
                s_error(errors, "timeout", "must be whole seconds from 0 to %d",
                        GATEWAY_STREAM_MAX_TIMEOUT_S);
            else
                params->timeout_s = (int)number;
            seen_timeout = true;
        } else if (strcmp(key, "topic") == 0) {
            if (!gateway_stream_topic_valid(value))
                s_error(errors, "topic", "must be 1 to %d characters of A-Z a-z 0-9 . _ -",
                        GATEWAY_STREAM_TOPIC_MAX_LENGTH);
            else if (params->topic_count >= GATEWAY_STREAM_MAX_TOPICS)
                s_error(errors, "topic", "is given more than %d times", GATEWAY_STREAM_MAX_TOPICS);
            else
                params->topics[params->topic_count++] = value;
        } else {
            s_error(errors, key, "is not a parameter of this route");
        }
    }
    params->from_oldest = !seen_after && !(sse && last_event_id);
    if (sse && last_event_id) {
        uint64_t number = 0;
        if (s_parse_u64(last_event_id, UINT64_MAX, &number) < 0)
            s_error(errors, "Last-Event-ID", "must be a sequence number (a decimal from 0)");
        else
            params->after = number;
    }
    return errors->count > before ? -1 : 0;
}

vb_status_t
gateway_stream_topics_allowed(const Verbund__Rpc__V1__Caller *caller, const char *const *topics,
                              size_t topic_count, const char **detail)
{
    *detail = NULL;
    if (caller->n_topic_prefixes == 0) {
        if (caller->role == ROLE_MEMBER) {
            *detail = "this token may not read the event stream (it has no topic prefixes)";
            return VB_STATUS_FORBIDDEN;
        }
        return VB_STATUS_OK;
    }
    for (size_t i = 0; i < topic_count; i++) {
        bool inside = false;
        for (size_t p = 0; p < caller->n_topic_prefixes && !inside; p++) {
            const char *prefix = caller->topic_prefixes[p];
            inside = prefix && prefix[0] && strncmp(topics[i], prefix, strlen(prefix)) == 0;
        }
        if (!inside) {
            *detail = "a requested topic is outside the token's topic prefixes";
            return VB_STATUS_FORBIDDEN;
        }
    }
    return VB_STATUS_OK;
}

json_t *
gateway_stream_batch_json(const Verbund__Stream__V1__ReadReply *reply)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (size_t i = 0; reply && i < reply->n_events; i++) {
        json_t *event = vb_cloudevent_to_json(reply->events[i]);
        if (!event || json_array_append_new(array, event) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

char *
gateway_stream_sse_event(const Io__Cloudevents__V1__CloudEvent *event, size_t *length)
{
    json_t *json = vb_cloudevent_to_json(event);
    /* Compact JSON has no line breaks (they are escaped inside strings): one data line. */
    char *data = json ? json_dumps(json, JSON_COMPACT) : NULL;
    json_decref(json);
    if (!data)
        return NULL;
    /* The type is an attribute-free string of the event; keep it on its line. */
    const char *type = event->type ? event->type : "";
    size_t type_length = strcspn(type, "\r\n");
    size_t size = strlen(data) + type_length + 64;
    char *text = malloc(size);
    if (text) {
        int n = snprintf(text, size, "id: %llu\nevent: %.*s\ndata: %s\n\n",
                         (unsigned long long)vb_cloudevent_sequence(event), (int)type_length, type,
                         data);
        *length = n > 0 ? (size_t)n : 0;
    }
    free(data);
    return text;
}

uint64_t
gateway_stream_next_after(uint64_t after, const Verbund__Stream__V1__ReadReply *reply)
{
    uint64_t next = after;
    if (reply && reply->scanned_through > next)
        next = reply->scanned_through;
    for (size_t i = 0; reply && i < reply->n_events; i++) {
        uint64_t sequence = vb_cloudevent_sequence(reply->events[i]);
        if (sequence > next)
            next = sequence;
    }
    return next;
}
