/* vb/cloudevent.h - CloudEvents 1.0 in their protobuf format (io.cloudevents.v1.CloudEvent) as
 * verbund uses them: building one from a log row, reading attributes, the ZeroMQ framing
 * [topic][CloudEvent] and the JSON format (application/cloudevents+json) for HTTP.
 * Does not: validate payloads against schemas beyond decoding them. */
#ifndef VB_CLOUDEVENT_H
#define VB_CLOUDEVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "io/cloudevents/v1/cloudevents.pb-c.h"
#include "vb/arena.h"

typedef Io__Cloudevents__V1__CloudEvent vb_cloudevent_t;

/* Topic of the heartbeat message published by the stream service (payload
 * verbund.stream.v1.Heartbeat). */
#define VB_STREAM_HEARTBEAT_TOPIC "verbund.stream.heartbeat"

/* Width of the zero-padded decimal "sequence" extension attribute. */
#define VB_CLOUDEVENT_SEQUENCE_WIDTH 20

typedef struct {
    const char *id;          /* UUIDv7 */
    const char *source;      /* "//verbund/<node-id>/<service>" */
    const char *type;        /* "verbund.membership.person.created.v1" */
    const char *subject;     /* entity id */
    int64_t time_unix_us;
    uint64_t sequence;       /* 0: no sequence attribute (not yet in the log) */
    const char *dataschema;  /* payload message full name */
    const uint8_t *data;     /* packed payload */
    size_t data_length;
} vb_cloudevent_fields_t;

/* A CloudEvent (spec_version "1.0", datacontenttype "application/protobuf", the attributes
 * above) whose every allocation lives in arena. Strings are copied. */
vb_cloudevent_t *vb_cloudevent_build(vb_arena_t *arena, const vb_cloudevent_fields_t *fields);

/* The string value of an attribute (ce_string, ce_uri, ce_uri_ref), NULL when absent.
 * Borrowed from event. */
const char *vb_cloudevent_attribute(const vb_cloudevent_t *event, const char *name);

/* The "sequence" extension as a number; 0 when absent or not a decimal. */
uint64_t vb_cloudevent_sequence(const vb_cloudevent_t *event);

/* "time" as unix microseconds; 0 when absent. */
int64_t vb_cloudevent_time_us(const vb_cloudevent_t *event);

/* The JSON format of CloudEvents (specversion, id, source, type, subject, time as RFC 3339,
 * sequence, datacontenttype "application/json", dataschema, and data as the payload decoded to
 * JSON by dataschema when the payload type is known - see vb_cloudevent_register_payload -
 * else data_base64 with the protobuf bytes). New reference; NULL when out of memory. */
json_t *vb_cloudevent_to_json(const vb_cloudevent_t *event);

/* Makes a payload type known to vb_cloudevent_to_json (by its full name). Call at start,
 * before threads; idempotent. Event payload types of every service are registered by
 * vb_cloudevent_register_known_payloads(). */
void vb_cloudevent_register_payload(const ProtobufCMessageDescriptor *descriptor);
void vb_cloudevent_register_known_payloads(void);
const ProtobufCMessageDescriptor *vb_cloudevent_payload_type(const char *dataschema);

#endif
