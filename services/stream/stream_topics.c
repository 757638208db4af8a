/* stream_topics.c - topic prefix rules of the stream (stream_topics.h): parsing, checking and
 * narrowing prefixes. Does not: look up certificates or callers. */
#include "stream_topics.h"

#include <string.h>

bool
stream_topic_prefix_valid(const char *prefix, size_t length)
{
    if (!prefix || length == 0 || length > STREAM_TOPIC_MAX_LENGTH)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = prefix[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

void
stream_topics_none(stream_topics_t *out)
{
    out->all = false;
    out->count = 0;
}

int
stream_topics_add(stream_topics_t *self, const char *prefix, size_t length)
{
    if (!stream_topic_prefix_valid(prefix, length) || self->count >= STREAM_TOPICS_MAX)
        return -1;
    for (size_t i = 0; i < self->count; i++)
        if (strlen(self->prefixes[i]) == length && memcmp(self->prefixes[i], prefix, length) == 0)
            return 0; /* already there */
    memcpy(self->prefixes[self->count], prefix, length);
    self->prefixes[self->count][length] = '\0';
    self->count++;
    return 0;
}

int
stream_topics_parse(stream_topics_t *out, const char *csv)
{
    stream_topics_none(out);
    if (!csv)
        return 0;
    const char *p = csv;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        const char *start = p;
        while (length > 0 && *start == ' ') {
            start++;
            length--;
        }
        while (length > 0 && start[length - 1] == ' ')
            length--;
        if (length > 0 && stream_topics_add(out, start, length) != 0) {
            stream_topics_none(out);
            return -1;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static bool
s_starts_with(const char *text, size_t text_length, const char *prefix, size_t prefix_length)
{
    return text_length >= prefix_length && memcmp(text, prefix, prefix_length) == 0;
}

bool
stream_topics_allows(const stream_topics_t *allowed, const char *topic, size_t length)
{
    if (allowed->all)
        return true;
    for (size_t i = 0; i < allowed->count; i++)
        if (s_starts_with(topic, length, allowed->prefixes[i], strlen(allowed->prefixes[i])))
            return true;
    return false;
}

size_t
stream_topics_narrow(const stream_topics_t *allowed, const char *requested, size_t length,
                     void (*fn)(void *arg, const char *prefix, size_t length), void *arg)
{
    if (stream_topics_allows(allowed, requested, length)) {
        fn(arg, requested, length);
        return 1;
    }
    size_t calls = 0;
    for (size_t i = 0; i < allowed->count; i++) {
        size_t prefix_length = strlen(allowed->prefixes[i]);
        if (s_starts_with(allowed->prefixes[i], prefix_length, requested, length)) {
            fn(arg, allowed->prefixes[i], prefix_length);
            calls++;
        }
    }
    return calls;
}

static void
s_collect(void *arg, const char *prefix, size_t length)
{
    stream_topics_t *out = arg;
    if (length == 0)
        out->all = true;
    else
        (void)stream_topics_add(out, prefix, length);
}

void
stream_topics_intersect(const stream_topics_t *allowed, const char *const *requested,
                        size_t count, stream_topics_t *out)
{
    stream_topics_none(out);
    if (count == 0) {
        (void)stream_topics_narrow(allowed, "", 0, s_collect, out);
        return;
    }
    for (size_t i = 0; i < count; i++)
        (void)stream_topics_narrow(allowed, requested[i], strlen(requested[i]), s_collect, out);
    if (out->all)
        out->count = 0;
}
