/* gateway_stream.h - the pure parts of the gateway's event stream endpoints (GET /v1/stream and
 * GET /v1/stream/sse): query and Last-Event-ID parsing, the topic rules of a token, and the
 * CloudEvents JSON batch and Server-Sent Events text. No sockets, so unit tests call it directly.
 * Does not: call the stream service or send HTTP (gateway_stream_http.c). */
#ifndef GATEWAY_STREAM_H
#define GATEWAY_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "gateway_routes.h"
#include "vb/json_proto.h"
#include "vb/status.h"

#define GATEWAY_STREAM_MAX_TOPICS 16        /* topic parameters per request */
#define GATEWAY_STREAM_TOPIC_MAX_LENGTH 128 /* characters of one topic prefix */
#define GATEWAY_STREAM_MAX_LIMIT 5000       /* the stream service's own bound */
#define GATEWAY_STREAM_MAX_TIMEOUT_S 30     /* long poll */

/* What a stream request asks for. Topic strings are borrowed from the query. */
typedef struct {
    uint64_t after; /* events with a larger sequence */
    bool from_oldest; /* neither after nor Last-Event-ID given: start at the oldest retained
                         event (an explicit position older than the retention gets 410) */
    uint32_t limit; /* 0: the stream service's default */
    int timeout_s;  /* long poll seconds, 0 = answer at once */
    const char *topics[GATEWAY_STREAM_MAX_TOPICS];
    size_t topic_count;
} gateway_stream_params_t;

/* Parses after (decimal, 0..2^64-1), limit (0..5000), timeout (0..30, batch only) and topic
 * (repeatable, 1..128 of [A-Za-z0-9._-]); other parameters are errors. For SSE, last_event_id
 * (the Last-Event-ID header, may be NULL) wins over after. 0, or -1 with errors filled. */
int gateway_stream_params_parse(const gateway_query_t *query, size_t query_count,
                                const char *last_event_id, bool sse,
                                gateway_stream_params_t *params, vb_json_errors_t *errors);

/* True when text is a well-formed topic prefix. */
bool gateway_stream_topic_valid(const char *text);

/* Whether caller may read the requested topics: OK, or FORBIDDEN with *detail set (static
 * text) for a member token without topic prefixes, or a requested topic not inside the token's
 * prefixes (a topic is inside when it starts with one of them). A caller without prefixes
 * (admin, staff, service) may ask for any topic. */
vb_status_t gateway_stream_topics_allowed(const Verbund__Rpc__V1__Caller *caller,
                                          const char *const *topics, size_t topic_count,
                                          const char **detail);

/* The JSON array of the reply's events in the CloudEvents JSON format. New reference; NULL when
 * out of memory. */
json_t *gateway_stream_batch_json(const Verbund__Stream__V1__ReadReply *reply);

/* One Server-Sent Event for a CloudEvent: "id: <sequence>\nevent: <type>\ndata: <JSON>\n\n".
 * malloc'd (caller frees), length in *length; NULL when out of memory. */
char *gateway_stream_sse_event(const Io__Cloudevents__V1__CloudEvent *event, size_t *length);

/* The position to continue from after a reply to a read from after. */
uint64_t gateway_stream_next_after(uint64_t after, const Verbund__Stream__V1__ReadReply *reply);

#endif
