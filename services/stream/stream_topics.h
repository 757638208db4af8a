/* stream_topics.h - which event topics a client may see: parsing a certificate's "topics"
 * metadata, checking a topic, and narrowing a requested prefix to the allowed ones (a request
 * broader than allowed becomes each allowed prefix inside it). Pure logic: no sockets, no SQL.
 * Does not: decide who a caller is (stream_handlers.c and stream_publisher.c do). */
#ifndef STREAM_TOPICS_H
#define STREAM_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

#define STREAM_TOPICS_MAX 32
#define STREAM_TOPIC_MAX_LENGTH 128

typedef struct {
    bool all;       /* every topic is allowed; prefixes unused */
    size_t count;   /* prefixes in use */
    char prefixes[STREAM_TOPICS_MAX][STREAM_TOPIC_MAX_LENGTH + 1];
} stream_topics_t;

/* A prefix a client may name: 1..128 characters of [a-z0-9._-]. */
bool stream_topic_prefix_valid(const char *prefix, size_t length);

/* Sets *out to "nothing allowed". */
void stream_topics_none(stream_topics_t *out);

/* Adds a prefix (copied). 0, or -1 when it is not valid or the list is full. */
int stream_topics_add(stream_topics_t *self, const char *prefix, size_t length);

/* Parses comma-separated prefixes (spaces around them ignored, empty items skipped) into *out.
 * 0, or -1 when an item is not a valid prefix or there are more than STREAM_TOPICS_MAX. */
int stream_topics_parse(stream_topics_t *out, const char *csv);

/* True when topic starts with an allowed prefix (or all are allowed). */
bool stream_topics_allows(const stream_topics_t *allowed, const char *topic, size_t length);

/* Calls fn for each prefix to subscribe when a client asks for requested (length bytes, may be
 * 0 = everything): requested itself when it lies inside an allowed prefix, otherwise every
 * allowed prefix that lies inside requested. Returns the number of calls. */
size_t stream_topics_narrow(const stream_topics_t *allowed, const char *requested, size_t length,
                            void (*fn)(void *arg, const char *prefix, size_t length), void *arg);

/* Intersection of a request's prefixes (count 0 = everything) with the allowed ones into *out
 * (out->all when everything remains allowed). */
void stream_topics_intersect(const stream_topics_t *allowed, const char *const *requested,
                             size_t count, stream_topics_t *out);

#endif
